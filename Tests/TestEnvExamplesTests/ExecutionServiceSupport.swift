import Foundation
import Synchronization
import TestEnvExamples
import TestEnvKit
import TestEnvTestSupport

/// A clock the test moves: the service stores its time, and the timeout sweep reads it.
final class TestClock: Sendable {
    private let current: Mutex<Date>

    init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) { current = Mutex(start) }

    var now: Date { current.withLock { $0 } }

    func advance(minutes: Double) { current.withLock { $0 = $0.addingTimeInterval(minutes * 60) } }
}

/// One environment with the ExecutionService tables, enabled cases, and a service on a moved clock.
struct ServiceFixture {
    let env: IsolatedEnvironment
    let caseIds: [Int64]
    let clock = TestClock()
    let log = CapturedLogs()

    var service: ExecutionService { service(on: env.connection) }

    /// The service on another connection to the same database, for races.
    func service(on connection: any DatabaseConnection) -> ExecutionService {
        ExecutionService(database: connection, clock: { [clock] in clock.now }, logger: log.logger(label: "ExecutionService"))
    }

    /// A runner on a second connection reports every case in order with `status`; once it has
    /// reported `head` of them, `other` starts and races the rest. Returns the runner's outcome per
    /// case: `recorded`, `alreadyRecorded`, or `finished` when the run had ended.
    func race(
        runnerReporting status: CaseStatus, executionId: Int64, startingAfter head: Int,
        against other: @escaping @Sendable () async throws -> Void
    ) async throws -> [String] {
        let runner = service(on: try await env.connect())
        let (started, startSignal) = AsyncStream<Void>.makeStream()
        return try await withThrowingTaskGroup(of: [String].self) { group in
            group.addTask { [caseIds] in
                var outcomes: [String] = []
                for (index, caseId) in caseIds.enumerated() {
                    if index == head { startSignal.finish() }
                    do {
                        outcomes.append("\(try await runner.report(CaseReport(caseId: caseId, status: status), executionId: executionId))")
                    } catch ExecutionServiceError.runFinished {
                        outcomes.append("finished")
                    }
                }
                return outcomes
            }
            group.addTask {
                for await _ in started {}
                try await other()
                return []
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
    }

    func request(_ caseIds: [Int64]? = nil) -> TriggerRequest {
        TriggerRequest(
            caseIds: caseIds ?? self.caseIds, projectId: 7, triggerType: .ci, triggeredBy: "ci-bot", ciJobName: "nightly", taskId: 42,
            configuration: #"{"browser": "firefox", "retries": 1}"#)
    }

    /// Every row of every table, in id order: a failed operation must leave exactly this.
    func snapshot() async throws -> [String] {
        var state: [String] = []
        for table in ["Auto_TestCase", "Auto_TestCaseTaskExecutions", "Auto_TestRun", "Auto_TestRunResults"] {
            for row in try await env.connection.all("SELECT * FROM \(table) ORDER BY id", []) {
                state.append("\(table) \(row.values)")
            }
        }
        return state
    }

    /// The run's counters, and the same counts taken from its results: they must always agree.
    func counters(ofRun runId: Int64) async throws -> (stored: [Int], counted: [Int]) {
        let run = try await env.connection.get(
            "SELECT total_cases, passed_cases, failed_cases, skipped_cases, execution_id FROM Auto_TestRun WHERE id = ?",
            [.integer(runId)])
        let executionId = try run?.decode(Int64.self, "execution_id") ?? -1
        let counted = try await env.connection.get(
            """
            SELECT COUNT(*), COUNT(CASE WHEN status = 'passed' THEN 1 END), COUNT(CASE WHEN status IN ('failed', 'error') THEN 1 END),
                   COUNT(CASE WHEN status = 'skipped' THEN 1 END)
            FROM Auto_TestRunResults WHERE execution_id = ?
            """, [.integer(executionId)])
        return (
            try (0..<4).map { try run?.decode(Int.self, $0) ?? -1 },
            try (0..<4).map { try counted?.decode(Int.self, $0) ?? -1 }
        )
    }
}

/// Runs `body` in an isolated environment with the ExecutionService tables and `caseCount` enabled
/// cases made by the factory. `mode` overrides the run's isolation mode: races need a second
/// connection, which transaction mode cannot give.
func withServiceFixture(
    cases caseCount: Int, mode: IsolationMode? = nil, function: String = #function, _ body: (ServiceFixture) async throws -> Void
) async throws {
    try await withIsolatedEnvironment(schema: Examples.executionSchema, mode: mode, manager: Examples.manager, function: function) { env in
        let cases = try await DataFactory(env).createList(.testCase, count: caseCount)
        try await body(ServiceFixture(env: env, caseIds: try cases.map { try $0.decode(Int64.self, "id") }))
    }
}

extension TestRunSummary {
    /// Total, passed, failed and skipped cases.
    var counters: [Int] { [totalCases, passedCases, failedCases, skippedCases] }
}
