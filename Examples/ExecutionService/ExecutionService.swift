import Foundation
import TestEnvKit

/// A small test-execution platform: the reference application for testing a database-backed
/// service with TestEnvKit.
///
/// Every operation that writes runs in one transaction; lookups go straight to the explicit key.
///
/// ```swift
/// let service = ExecutionService(database: env.connection)
/// let execution = try await service.triggerTestExecution(caseIds: [1, 2, 3], triggeredBy: "ci")
/// let summary = try await service.completeBatchExecution(
///     executionId: execution.executionId,
///     results: [CaseResult(caseId: 1, passed: true, durationMs: 12)])
/// ```
public struct ExecutionService: Sendable {
    /// The most detail rows one insert statement carries.
    public static let maximumBatchSize = 1_000
    /// How long an execution may run before it counts as timed out.
    public static let executionTimeout: Duration = .seconds(10 * 60)

    /// The database the service works on.
    public let database: any DatabaseConnection
    /// Failure hooks for tests; none by default.
    public var faults: FaultInjection

    /// Creates the service.
    public init(database: any DatabaseConnection, faults: FaultInjection = FaultInjection()) {
        self.database = database
        self.faults = faults
    }

    /// Validates the cases, creates the execution's run and one detail row per case, all in one
    /// transaction.
    ///
    /// - Throws: ``ExecutionServiceError`` (`invalidRequest`, `unknownCases`, `duplicateExecutionId`),
    ///   or the driver's error; nothing is written then.
    public func triggerTestExecution(caseIds: [Int64], triggeredBy: String, executionId: String = UUID().uuidString.lowercased())
        async throws -> TriggeredExecution
    {
        guard !caseIds.isEmpty else { throw ExecutionServiceError.invalidRequest("an execution needs at least one case") }
        guard Set(caseIds).count == caseIds.count else { throw ExecutionServiceError.invalidRequest("a case appears more than once") }
        guard !triggeredBy.isEmpty else { throw ExecutionServiceError.invalidRequest("triggeredBy is empty") }
        let detailRow = faults.detailRow
        return try await database.withTransaction { tx in
            let known = try tx.enabledCases(among: caseIds)
            let unknown = caseIds.filter { !known.contains($0) }
            guard unknown.isEmpty else { throw ExecutionServiceError.unknownCases(unknown) }
            let runId = try tx.insertRun(executionId: executionId, triggeredBy: triggeredBy, totalCases: caseIds.count)
            var rows: [[DatabaseValue]] = caseIds.map { [.text(executionId), .integer(runId), .integer($0), "queued"] }
            if let detailRow { rows = rows.enumerated().map { detailRow($0.offset, $0.element) } }
            let inserted = try tx.batchInsert(
                into: "Auto_TestCaseTaskExecutions", columns: ["execution_id", "run_id", "case_id", "status"], rows: rows,
                batchSize: Self.maximumBatchSize)
            return TriggeredExecution(runId: runId, executionId: executionId, totalCases: inserted.rowCount, caseIds: caseIds)
        }
    }

    /// Records results, then — after a savepoint — the detail rows' statuses, then the run's
    /// counters and status, all in one transaction: a failure anywhere leaves the database as it was.
    ///
    /// - Throws: ``ExecutionServiceError`` (`unknownExecution`, `alreadyCompleted`, `casesNotInExecution`,
    ///   `invalidRequest`), or the driver's error.
    public func completeBatchExecution(executionId: String, results: [CaseResult]) async throws -> TestRunRecord {
        guard !results.isEmpty else { throw ExecutionServiceError.invalidRequest("no results") }
        guard Set(results.map(\.caseId)).count == results.count else {
            throw ExecutionServiceError.invalidRequest("a case has two results")
        }
        let afterDetailUpdates = faults.afterDetailUpdates
        return try await database.withTransaction { tx in
            let run = try tx.lockedRun(executionId: executionId)
            guard run.status == "pending" else { throw ExecutionServiceError.alreadyCompleted(executionId) }
            try tx.checkCasesBelong(results.map(\.caseId), to: executionId)
            try tx.batchInsert(
                into: "Auto_TestRunResults", columns: ["run_id", "case_id", "outcome", "duration_ms", "message"],
                rows: results.map { result in
                    [
                        .integer(run.id), .integer(result.caseId), .text(result.passed ? "passed" : "failed"),
                        .integer(Int64(result.durationMs)),
                        result.message.map(DatabaseValue.text) ?? .null,
                    ]
                }, batchSize: Self.maximumBatchSize)
            try tx.withTransaction { details in
                try details.setStatus("passed", of: results.filter(\.passed).map(\.caseId), in: executionId)
                try details.setStatus("failed", of: results.filter { !$0.passed }.map(\.caseId), in: executionId)
                try afterDetailUpdates?()
            }
            return try tx.updateCounters(of: run, passed: results.filter(\.passed).count, failed: results.filter { !$0.passed }.count)
        }
    }

    /// The execution with this id: its run and its cases by status, or nil.
    ///
    /// - Throws: the driver's error.
    public func execution(byId executionId: String) async throws -> ExecutionRecord? {
        guard let run = try await run(byExecutionId: executionId) else { return nil }
        let rows = try await database.all(
            "SELECT status, COUNT(*) AS n FROM Auto_TestCaseTaskExecutions WHERE execution_id = ? GROUP BY status", [.text(executionId)])
        let counts = try Dictionary(uniqueKeysWithValues: rows.map { (try $0.decode(String.self, "status"), try $0.decode(Int.self, "n")) })
        return ExecutionRecord(run: run, casesByStatus: counts)
    }

    /// The run of the execution with this id, or nil.
    ///
    /// - Throws: the driver's error.
    public func run(byExecutionId executionId: String) async throws -> TestRunRecord? {
        try await database.get("SELECT \(TestRunRecord.columns) FROM Auto_TestRun WHERE execution_id = ?", [.text(executionId)]).map(
            TestRunRecord.init)
    }
}
