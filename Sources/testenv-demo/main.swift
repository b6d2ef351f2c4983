// The README's first command runs this: the ExecutionService scenario in an isolated environment
// on the default backend (SQLite in memory), and on MySQL too when TEST_DB_TYPE=mysql. Each step
// prints how many rows it wrote and how long it took; the end shows that cleanup left nothing.
import Foundation
import Logging
import Synchronization
import TestEnvExamples
import TestEnvKit

let clock = ContinuousClock()

func report(_ label: String, rows: Int?, took elapsed: Duration) {
    let milliseconds = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
    let written = rows.map { "\($0) rows" } ?? ""
    let columns =
        label.padding(toLength: 58, withPad: " ", startingAt: 0) + " " + written.padding(toLength: 11, withPad: " ", startingAt: 0)
    print("  ✓ \(columns) \(String(format: "%7.1f ms", milliseconds))")
}

@discardableResult
func step<T>(_ label: String, rows: (T) -> Int? = { _ in nil }, _ work: () async throws -> T) async rethrows -> T {
    let start = clock.now
    let value = try await work()
    report(label, rows: rows(value), took: clock.now - start)
    return value
}

func scenario(on backend: DatabaseBackend, configuration base: TestEnvConfiguration) async throws {
    var configuration = base
    configuration.backend = backend
    let manager = TestEnvironmentManager(configuration: configuration)
    let root = FileManager.default.currentDirectoryPath
    var databaseName = ""
    let creation = clock.now
    try await withIsolatedEnvironment(schema: .executionService(root: root), manager: manager) { env in
        databaseName = env.databaseName
        print(
            "\nbackend \(env.backend)\(env.isFallback ? " (fallback: \(env.fallbackReason ?? ""))" : "") — environment \(env.databaseName)")
        report("created the environment and loaded the schema (4 tables)", rows: nil, took: clock.now - creation)
        let cases = try await step("seeded test cases with DataFactory.createList", rows: { $0.count }) {
            try await DataFactory(env).createList(.testCase, count: 1_000).map { try $0.decode(Int64.self, "id") }
        }
        // The service's clock is one the demo moves, to show the timeout sweep without waiting ten minutes.
        let now = DemoClock()
        let service = ExecutionService(
            database: env.connection, clock: { now.date }, logger: Logger(label: "demo") { _ in DemoLogHandler() })
        let request = TriggerRequest(caseIds: cases, projectId: 1, triggerType: .ci, triggeredBy: "demo", ciJobName: "nightly")
        let run = try await step("triggered a run of every case (run, execution, results)", rows: { $0.totalCases + 2 }) {
            try await service.trigger(request)
        }
        let reported = cases.prefix(200)
        try await step("200 runner callbacks, a few failed or skipped", rows: { _ in reported.count * 2 }) {
            for (index, caseId) in reported.enumerated() {
                let status: CaseStatus = index % 50 == 7 ? .failed : index % 40 == 3 ? .skipped : .passed
                try await service.report(CaseReport(caseId: caseId, status: status, durationMs: 40), executionId: run.executionId)
            }
        }
        try await step("replayed the first callback: nothing changed") {
            let outcome = try await service.report(
                CaseReport(caseId: cases[0], status: .passed, durationMs: 40), executionId: run.executionId)
            guard outcome == .alreadyRecorded else { throw DemoFailure("a replayed callback was recorded twice") }
        }
        // The runner's batch carries one response cut short: not JSON, so its row cannot be stored.
        let batch = cases.dropFirst(200).map { caseId in
            CaseReport(
                caseId: caseId, status: caseId % 97 == 0 ? .error : .passed, durationMs: 35,
                responseData: caseId == cases.last ? #"{"items": [1, 2"# : #"{"items": []}"#)
        }
        let completion = try await step(
            "completed it, keeping the summary when details fail", rows: { $0.detailsSaved ? batch.count + 2 : 2 }
        ) {
            try await service.complete(runId: run.runId, results: batch, mode: .keepSummary)
        }
        let summary = completion.run
        print(
            "    run \(summary.id): \(summary.status.rawValue), \(summary.passedCases) passed, \(summary.failedCases) failed, "
                + "\(summary.skippedCases) skipped of \(summary.totalCases)")
        let stalled = try await step("triggered a second run that no runner picks up", rows: { $0.totalCases + 2 }) {
            try await service.trigger(
                TriggerRequest(caseIds: Array(cases.prefix(10)), projectId: 1, triggerType: .scheduled, triggeredBy: "cron"))
        }
        now.advance(minutes: 11)
        let swept = try await step("eleven minutes later, the timeout sweep", rows: { $0.count * 2 }) {
            try await service.sweepTimedOutExecutions()
        }
        guard swept == [stalled.executionId] else { throw DemoFailure("the sweep aborted \(swept), not execution \(stalled.executionId)") }
        let found = try await step("looked the first run's results up by execution id", rows: { $0?.results.count }) {
            try await service.results(ofExecution: run.executionId)
        }
        let statuses = Dictionary(grouping: found?.results ?? [], by: \.status.rawValue).mapValues(\.count)
        print(
            "    stored results by status: \(statuses.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))")
        print("    second run: \(try await service.run(id: stalled.runId)?.status.rawValue ?? "?")")
    }
    print("  ✓ released the environment: \(try await leftovers(of: databaseName, backend: backend, manager: manager))")
}

/// Prints the service's log lines between the steps: level, first line, run and execution ids.
struct DemoLogHandler: LogHandler {
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let ids = (event.metadata ?? [:]).filter { $0.key.hasSuffix("_id") }.sorted { $0.key > $1.key }.map { "\($0.key)=\($0.value)" }
        let message = event.message.description.prefix { $0 != "\n" }
        print("    log \(event.level): \(message.prefix(400))\(message.count > 400 ? "…" : "") [\(ids.joined(separator: " "))]")
    }
}

/// The demo's clock: real time, moved forward on request.
final class DemoClock: Sendable {
    private let offset = Mutex<TimeInterval>(0)

    var date: Date { Date().addingTimeInterval(offset.withLock { $0 }) }

    func advance(minutes: Double) { offset.withLock { $0 += minutes * 60 } }
}

struct DemoFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Shows that cleanup left nothing of the test: on SQLite the in-memory database is gone; on MySQL
/// the pooled database was reset for the next test (or the next run: the process parks it at exit).
func leftovers(of name: String, backend: DatabaseBackend, manager: TestEnvironmentManager) async throws -> String {
    await manager.waitForBackgroundWork()
    let live = await manager.liveEnvironments.count
    guard backend == .mysql else { return "\(live) environments live; the in-memory database is gone with its connection" }
    let admin = try await MySQLConnection.connect(manager.configuration.mysql)
    defer { Task { await admin.close() } }
    let exists = try await admin.get("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", [.text(name)])?.decode(
        Int.self, 0)
    guard exists == 1 else { return "\(live) environments live; \(name) is dropped" }
    let tables = ["Auto_TestCase", "Auto_TestCaseTaskExecutions", "Auto_TestRun", "Auto_TestRunResults"]
    let count = tables.map { "(SELECT COUNT(*) FROM `\(name)`.`\($0)`)" }.joined(separator: " + ")
    let rows = try await admin.get("SELECT \(count)", [])?.decode(Int.self, 0) ?? -1
    return "\(live) environments live; \(name) was reset for reuse (\(rows) rows left in its tables) and is parked for the next run at exit"
}

do {
    let configuration = try TestEnvConfiguration.fromEnvironment()
    print("TestEnvKit demo — the ExecutionService scenario, each step in an isolated environment")
    for backend in configuration.backend == .mysql ? [DatabaseBackend.sqlite, .mysql] : [.sqlite] {
        try await scenario(on: backend, configuration: configuration)
    }
} catch {
    FileHandle.standardError.write(Data("testenv-demo failed: \(error)\n".utf8))
    exit(1)
}
