import TestEnvExamples
import TestEnvKit
import TestEnvTestSupport
import Testing

struct InjectedFailure: Error {}

@Suite struct ExecutionServiceTests {
    /// Runs `body` in an environment with the ExecutionService tables and `caseCount` enabled cases.
    func withService(cases caseCount: Int, _ body: (IsolatedEnvironment, [Int64]) async throws -> Void) async throws {
        try await withIsolatedEnvironment(schema: Examples.executionSchema, manager: Examples.manager) { env in
            let cases = try await DataFactory(env).createList(.testCase, count: caseCount)
            try await body(env, try cases.map { try $0.decode(Int64.self, "id") })
        }
    }

    /// Row counts of every table, to prove a failed operation changed nothing.
    func snapshot(_ db: any DatabaseConnection) async throws -> [String] {
        var state: [String] = []
        for table in ["Auto_TestRun", "Auto_TestCaseTaskExecutions", "Auto_TestRunResults"] {
            state.append("\(table): \(try await Examples.count(db, "SELECT COUNT(*) FROM \(table)"))")
        }
        let statuses = try await db.all("SELECT status, COUNT(*) FROM Auto_TestCaseTaskExecutions GROUP BY status ORDER BY status", [])
        state += try statuses.map { "task \(try $0.decode(String.self, 0)): \(try $0.decode(Int.self, 1))" }
        let runs = try await db.all("SELECT status, passed_cases, failed_cases FROM Auto_TestRun ORDER BY id", [])
        state += runs.map { "run \($0.values)" }
        return state
    }

    @Test("Triggering creates the run and one detail row per case, checked row by row", arguments: [1_000, 10_000])
    func trigger(caseCount: Int) async throws {
        try await withService(cases: caseCount) { env, caseIds in
            let service = ExecutionService(database: env.connection)
            let execution = try await service.triggerTestExecution(caseIds: caseIds.reversed(), triggeredBy: "ci")
            #expect(execution.totalCases == caseCount)
            let stored = try await env.connection.all(
                "SELECT case_id, run_id, status FROM Auto_TestCaseTaskExecutions WHERE execution_id = ? ORDER BY id",
                [.text(execution.executionId)])
            #expect(try stored.map { try $0.decode(Int64.self, "case_id") } == caseIds.reversed())
            #expect(
                try stored.allSatisfy {
                    try $0.decode(Int64.self, "run_id") == execution.runId && $0.decode(String.self, "status") == "queued"
                })
            let run = try #require(try await service.run(byExecutionId: execution.executionId))
            #expect(run.id == execution.runId)
            #expect(run.totalCases == caseCount)
            #expect(run.status == "pending")
        }
    }

    @Test("When the 501st detail insert fails, nothing of the execution stays")
    func rollbackOnDetailFailure() async throws {
        try await withService(cases: 1_000) { env, caseIds in
            let before = try await snapshot(env.connection)
            let faults = FaultInjection(detailRow: { index, row in index == 500 ? [row[0], row[1], .null, row[3]] : row })
            let service = ExecutionService(database: env.connection, faults: faults)
            let error = await driverError { try await service.triggerTestExecution(caseIds: caseIds, triggeredBy: "ci") }
            #expect(error?.kind == .constraintViolation)
            #expect(try await snapshot(env.connection) == before)
        }
    }

    @Test("Completing records results, detail statuses and the run's counters")
    func complete() async throws {
        try await withService(cases: 30) { env, caseIds in
            let service = ExecutionService(database: env.connection)
            let execution = try await service.triggerTestExecution(caseIds: caseIds, triggeredBy: "ci")
            let results = caseIds.enumerated().map { CaseResult(caseId: $0.element, passed: $0.offset % 3 != 0, durationMs: 5) }
            let run = try await service.completeBatchExecution(executionId: execution.executionId, results: results)
            #expect(run.status == "failed")
            #expect(run.passedCases == 20)
            #expect(run.failedCases == 10)
            let record = try #require(try await service.execution(byId: execution.executionId))
            #expect(record.run == run)
            #expect(record.casesByStatus == ["passed": 20, "failed": 10])
            #expect(
                try await Examples.count(env.connection, "SELECT COUNT(*) FROM Auto_TestRunResults WHERE run_id = ?", [.integer(run.id)])
                    == 30)
            await #expect(throws: ExecutionServiceError.alreadyCompleted(execution.executionId)) {
                try await service.completeBatchExecution(executionId: execution.executionId, results: results)
            }
        }
    }

    @Test("When completion fails after the savepoint, the database is exactly as before")
    func rollbackAfterSavepoint() async throws {
        try await withService(cases: 50) { env, caseIds in
            let execution = try await ExecutionService(database: env.connection).triggerTestExecution(caseIds: caseIds, triggeredBy: "ci")
            let before = try await snapshot(env.connection)
            let failing = ExecutionService(
                database: env.connection, faults: FaultInjection(afterDetailUpdates: { throw InjectedFailure() }))
            await #expect(throws: InjectedFailure.self) {
                try await failing.completeBatchExecution(
                    executionId: execution.executionId, results: caseIds.map { CaseResult(caseId: $0, passed: true, durationMs: 1) })
            }
            #expect(try await snapshot(env.connection) == before)
        }
    }

    @Test("A duplicate execution id is rejected and the first execution is untouched")
    func duplicateExecutionId() async throws {
        try await withService(cases: 5) { env, caseIds in
            let service = ExecutionService(database: env.connection)
            let first = try await service.triggerTestExecution(caseIds: caseIds, triggeredBy: "ci", executionId: "exec-1")
            await #expect(throws: ExecutionServiceError.duplicateExecutionId("exec-1")) {
                try await service.triggerTestExecution(caseIds: caseIds, triggeredBy: "someone else", executionId: "exec-1")
            }
            #expect(try await service.run(byExecutionId: "exec-1")?.triggeredBy == "ci")
            #expect(try await Examples.count(env.connection, "SELECT COUNT(*) FROM Auto_TestCaseTaskExecutions") == first.totalCases)
        }
    }

    @Test("Unknown or disabled case ids are rejected, naming them")
    func unknownCases() async throws {
        try await withService(cases: 3) { env, caseIds in
            let disabled = try await DataFactory(env).create(.testCase, traits: ["disabled"]).decode(Int64.self, "id")
            let service = ExecutionService(database: env.connection)
            let error = await #expect(throws: ExecutionServiceError.self) {
                try await service.triggerTestExecution(caseIds: caseIds + [disabled, 9_999], triggeredBy: "ci")
            }
            #expect(error == .unknownCases([disabled, 9_999]))
            #expect(error?.description == "unknown or disabled test cases: \(disabled), 9999")
            #expect(try await Examples.count(env.connection, "SELECT COUNT(*) FROM Auto_TestRun") == 0)
        }
    }

    @Test("Lookups go straight to the explicit execution id; an unknown id is nil, not a guess")
    func lookups() async throws {
        try await withService(cases: 2) { env, caseIds in
            let service = ExecutionService(database: env.connection)
            let execution = try await service.triggerTestExecution(caseIds: caseIds, triggeredBy: "ci")
            #expect(try await service.execution(byId: execution.executionId)?.casesByStatus == ["queued": 2])
            #expect(try await service.execution(byId: "no-such-execution") == nil)
            #expect(try await service.run(byExecutionId: String(execution.runId)) == nil)
        }
    }
}
