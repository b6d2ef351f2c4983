import Foundation
import Logging
import TestEnvKit

/// A test-execution service: the reference application for testing a database-backed service with
/// TestEnvKit.
///
/// A CI system triggers a run of test cases, runners report each case's result as it finishes,
/// and the run is completed once; a sweep aborts executions that ran past
/// ``executionTimeout``. Every operation that writes is atomic: one transaction, retried when the
/// database breaks a deadlock, that takes the run's row lock first — or, for the common callback on
/// MySQL, one statement that updates the result and the run's counters together. Callbacks,
/// completions and the sweep therefore never lose each other's updates.
///
/// ```swift
/// let service = ExecutionService(database: env.connection)
/// let run = try await service.trigger(TriggerRequest(caseIds: [1, 2, 3], projectId: 7, triggerType: .ci, triggeredBy: "ci"))
/// try await service.report(CaseReport(caseId: 1, status: .passed, durationMs: 12), executionId: run.executionId)
/// let outcome = try await service.complete(runId: run.runId, results: [CaseReport(caseId: 2, status: .failed)])
/// ```
public struct ExecutionService: Sendable {
    /// The most result rows one insert statement carries.
    public static let maximumBatchSize = 1_000
    /// How long an execution may stay pending or running before the sweep aborts it.
    public static let executionTimeout: TimeInterval = 10 * 60

    /// How many times a transaction the database rolled back to break a deadlock (or, on SQLite,
    /// found the file locked) is run again.
    static let retries = 10

    /// The database the service works on.
    public let database: any DatabaseConnection
    /// The service's notion of now: every time it stores, and the sweep's deadline.
    public let clock: @Sendable () -> Date
    /// Where commits, rollbacks and partial failures are logged, with run and execution ids.
    public let logger: Logger

    /// Creates the service.
    ///
    /// - Parameters:
    ///   - database: the connection it works on.
    ///   - clock: now; tests pass a clock they move.
    ///   - logger: where it logs.
    public init(
        database: any DatabaseConnection, clock: @escaping @Sendable () -> Date = { Date() },
        logger: Logger = Logger(label: "ExecutionService")
    ) {
        self.database = database
        self.clock = clock
        self.logger = logger
    }

    /// Creates the run, its execution and one pending result per distinct case, in one transaction;
    /// the results go in multi-row batches of at most ``maximumBatchSize``.
    ///
    /// - Throws: ``ExecutionServiceError/invalidRequest(_:)`` for no cases or an empty `triggeredBy`;
    ///   ``ExecutionServiceError/casesNotEnabled(_:)`` naming every case that does not exist or is
    ///   disabled; the driver's error. Nothing is written then.
    public func trigger(_ request: TriggerRequest) async throws -> TriggeredExecution {
        guard !request.caseIds.isEmpty else { throw ExecutionServiceError.invalidRequest("a run needs at least one case") }
        guard !request.triggeredBy.isEmpty else { throw ExecutionServiceError.invalidRequest("triggeredBy is empty") }
        var seen: Set<Int64> = []
        let distinct = request.caseIds.filter { seen.insert($0).inserted }
        let now = clock()
        let triggered = try await logged("trigger", ["triggered_by": "\(request.triggeredBy)", "cases": "\(distinct.count)"]) {
            try await database.withTransaction(retries: Self.retries) { tx in
                let names = try tx.caseNames(distinct, enabledOnly: true)
                let refused = distinct.filter { names[$0] == nil }
                guard refused.isEmpty else { throw ExecutionServiceError.casesNotEnabled(refused) }
                let executionId = try tx.insertExecution(taskId: request.taskId, executedBy: request.triggeredBy, at: now)
                let runId = try tx.insertRun(request, executionId: executionId, at: now)
                // The unique key (execution, case) is the authority on "one row per case": a case
                // named twice is skipped by the database, and the totals are what it inserted.
                let inserted = try tx.batchInsert(
                    into: "Auto_TestRunResults", columns: ["execution_id", "case_id", "case_name"],
                    rows: request.caseIds.map { [.integer(executionId), .integer($0), .text(names[$0] ?? "")] },
                    batchSize: Self.maximumBatchSize, skipDuplicates: true
                ).rowCount
                try tx.setTotalCases(inserted, runId: runId, executionId: executionId)
                return TriggeredExecution(runId: runId, executionId: executionId, totalCases: inserted, caseIds: distinct)
            }
        }
        logger.info(
            "triggered a run",
            metadata: ["run_id": "\(triggered.runId)", "execution_id": "\(triggered.executionId)", "cases": "\(triggered.totalCases)"])
        return triggered
    }

    /// Stores one case's result and moves the run's counters with it, atomically. The first report
    /// moves the run and its execution to ``RunStatus/running``.
    ///
    /// Replaying a report (the same case, the same status) changes nothing and returns
    /// ``CallbackOutcome/alreadyRecorded``, so a runner may retry freely.
    ///
    /// - Throws: ``ExecutionServiceError/unknownExecution(_:)``; ``ExecutionServiceError/caseNotInExecution(caseId:executionId:)``;
    ///   ``ExecutionServiceError/conflictingResult(caseId:recorded:reported:)`` when the case was
    ///   reported with another status; ``ExecutionServiceError/runFinished(runId:status:)`` after
    ///   completion or abort; ``ExecutionServiceError/invalidRequest(_:)`` for a pending status.
    @discardableResult
    public func report(_ report: CaseReport, executionId: Int64) async throws -> CallbackOutcome {
        guard report.status != .pending else { throw ExecutionServiceError.invalidRequest("a report needs an outcome, not pending") }
        let now = clock()
        return try await logged("callback", ["execution_id": "\(executionId)", "case_id": "\(report.caseId)"]) {
            // The common case — a pending case of an unfinished run — is one statement on MySQL, atomic
            // by itself. Anything else (and a deadlock with a completion) takes the path below, which
            // locks the run and says what is wrong.
            if database.dialect == .mysql, await !database.isInTransaction() {
                do {
                    if try await database.record(report, executionId: executionId, at: now) { return .recorded }
                } catch let error as any DatabaseDriverError where error.kind.isTransactionConflict {}
            }
            return try await database.withTransaction(retries: Self.retries) { tx in
                guard let (run, recorded) = try tx.lockedRunAndCase(report.caseId, executionId: executionId) else {
                    throw ExecutionServiceError.unknownExecution(executionId)
                }
                guard let recorded else {
                    throw ExecutionServiceError.caseNotInExecution(caseId: report.caseId, executionId: executionId)
                }
                if recorded == report.status { return .alreadyRecorded }
                guard !run.status.isFinished else { throw ExecutionServiceError.runFinished(runId: run.runId, status: run.status) }
                guard recorded == .pending else {
                    throw ExecutionServiceError.conflictingResult(caseId: report.caseId, recorded: recorded, reported: report.status)
                }
                guard try tx.record(report, executionId: executionId, at: now) else {
                    // Not reachable while the run is locked; said rather than ignored if it ever is.
                    throw ExecutionServiceError.conflictingResult(caseId: report.caseId, recorded: recorded, reported: report.status)
                }
                return .recorded
            }
        }
    }

    /// Completes a run: its summary (status, counters, duration, end time) and its detailed
    /// results — each reported case's row updated, or inserted when the run has none — in one
    /// transaction, under the run's row lock.
    ///
    /// The counters count every case of the run as it stands after the reported results: those
    /// reported here and those reported earlier through callbacks. The run is ``RunStatus/success``
    /// when every case passed or was skipped, else ``RunStatus/failed``.
    ///
    /// A case's result replaces what a callback stored for it, every column. `results` may be empty
    /// when callbacks reported every case.
    ///
    /// With ``CompletionMode/keepSummary``, when the details cannot be saved — a case that does not
    /// exist, a value a column refuses — none of them are: they are rolled back to a savepoint taken
    /// before them, and the summary, counting the cases that exist, is committed all the same;
    /// ``CompletionOutcome/detailFailure`` says why. The run's counters then say what the runner
    /// reported, its result rows what callbacks stored.
    ///
    /// - Throws: ``ExecutionServiceError/unknownRun(_:)``; ``ExecutionServiceError/runFinished(runId:status:)``
    ///   (a second completion); ``ExecutionServiceError/invalidRequest(_:)`` for a case reported
    ///   twice or a pending status; with ``CompletionMode/allOrNothing``,
    ///   ``ExecutionServiceError/casesNotFound(_:)`` and the driver's error from the details. Nothing
    ///   is written then.
    public func complete(runId: Int64, results: [CaseReport], mode: CompletionMode = .allOrNothing) async throws -> CompletionOutcome {
        guard Set(results.map(\.caseId)).count == results.count else {
            throw ExecutionServiceError.invalidRequest("a case is reported twice")
        }
        guard !results.contains(where: { $0.status == .pending }) else {
            throw ExecutionServiceError.invalidRequest("a result needs an outcome, not pending")
        }
        let now = clock()
        let (outcome, executionId) = try await logged("completion", ["run_id": "\(runId)"]) {
            try await database.withTransaction(retries: Self.retries) { tx in
                guard let run = try tx.run(id: runId, locked: true) else { throw ExecutionServiceError.unknownRun(runId) }
                guard !run.status.isFinished else { throw ExecutionServiceError.runFinished(runId: runId, status: run.status) }
                var cases = try tx.resultCases(executionId: run.executionId)
                let added = try tx.caseNames(results.map(\.caseId).filter { cases[$0] == nil }, enabledOnly: false)
                let known = results.filter { cases[$0.caseId] != nil || added[$0.caseId] != nil }
                var detailFailure: String?
                if known.count < results.count {
                    let error = ExecutionServiceError.casesNotFound(results.map(\.caseId).filter { cases[$0] == nil && added[$0] == nil })
                    guard mode == .keepSummary else { throw error }
                    detailFailure = error.description
                }
                for result in known { cases[result.caseId] = (cases[result.caseId]?.name ?? added[result.caseId] ?? "", result.status) }
                if detailFailure == nil {
                    let names = cases.mapValues(\.name)
                    do {
                        try tx.withTransaction { details in try details.upsertResults(known, executionId: run.executionId, names: names) }
                    } catch let error as any DatabaseDriverError
                        where mode == .keepSummary && tx.isInTransaction() && !error.kind.isTransactionConflict
                    {
                        // Rolled back to the savepoint. A failure that ended the whole transaction, or
                        // one the transaction is run again for (a deadlock, a lock wait), is rethrown:
                        // the summary must not be written outside of it, nor instead of a retry.
                        detailFailure = "\(error)"
                    }
                }
                let counts = CaseCounts(cases.values.map(\.status))
                let status: RunStatus = counts.passed + counts.skipped == cases.count ? .success : .failed
                let duration = Int64((now.timeIntervalSince(run.startedAt ?? run.createdAt) * 1000).rounded())
                try tx.finishRun(runId, status: status, counts: counts, total: cases.count, durationMs: duration, at: now)
                try tx.finishExecution(run.executionId, status: status, total: cases.count)
                guard let stored = try tx.run(id: runId, locked: false) else { throw ExecutionServiceError.unknownRun(runId) }
                return (CompletionOutcome(run: stored, detailFailure: detailFailure), run.executionId)
            }
        }
        let metadata: Logger.Metadata = [
            "run_id": "\(runId)", "execution_id": "\(executionId)", "status": "\(outcome.run.status.rawValue)",
        ]
        if let failure = outcome.detailFailure {
            logger.error("completed the run's summary; its detailed results were rolled back: \(failure)", metadata: metadata)
        } else {
            logger.info("completed a run", metadata: metadata)
        }
        return outcome
    }

    /// Aborts every execution still pending or running ``executionTimeout`` after it started, with
    /// its run; the cases not reported stay pending.
    ///
    /// - Returns: the aborted executions' ids.
    /// - Throws: the driver's error; nothing is written then.
    @discardableResult
    public func sweepTimedOutExecutions() async throws -> [Int64] {
        let now = clock()
        let aborted = try await logged("timeout sweep", [:]) {
            try await database.withTransaction(retries: Self.retries) { tx in
                let candidates = try tx.unfinishedExecutions(startedBefore: now.addingTimeInterval(-Self.executionTimeout))
                guard !candidates.isEmpty else { return [(runId: Int64, executionId: Int64)]() }
                // The runs' row locks first, as callbacks and completions take them: one that finished
                // the run meanwhile is seen here, and its execution is left alone.
                let runs = try tx.lockUnfinishedRuns(executionIds: candidates)
                try tx.abort(runs, at: now)
                return runs
            }
        }
        for run in aborted {
            logger.warning(
                "aborted an execution that ran past its timeout",
                metadata: ["run_id": "\(run.runId)", "execution_id": "\(run.executionId)"])
        }
        return aborted.map(\.executionId)
    }

    /// An execution's results, one per case by case id, with its run's summary, read in one
    /// transaction so that they agree; nil when no execution has this id.
    ///
    /// - Throws: the driver's error.
    public func results(ofExecution executionId: Int64) async throws -> ExecutionResults? {
        try await database.withTransaction { tx in
            guard let run = try tx.run(executionId: executionId, locked: false) else { return nil }
            let status = try tx.get("SELECT status FROM Auto_TestCaseTaskExecutions WHERE id = ?", [.integer(executionId)])
            let rows = try tx.all(
                "SELECT \(CaseResultRecord.columns) FROM Auto_TestRunResults WHERE execution_id = ? ORDER BY case_id",
                [.integer(executionId)])
            return ExecutionResults(
                run: run, executionStatus: try status?.decode(RunStatus.self, 0) ?? run.status,
                results: try rows.map { try $0.decode(CaseResultRecord.self, keys: .convertFromSnakeCase) })
        }
    }

    /// The run with this id, or nil.
    ///
    /// - Throws: the driver's error.
    public func run(id: Int64) async throws -> TestRunSummary? {
        try await database.withTransaction { tx in try tx.run(id: id, locked: false) }
    }

    /// Runs `work`, logging its rollback with `metadata` when it throws.
    private func logged<T>(_ action: String, _ metadata: Logger.Metadata, _ work: () async throws -> T) async throws -> T {
        do {
            return try await work()
        } catch {
            logger.warning("\(action) rolled back: \(error)", metadata: metadata)
            throw error
        }
    }
}

/// Cases by outcome, as the run's counters hold them.
struct CaseCounts {
    var passed = 0
    /// Failed and errored.
    var failed = 0
    var skipped = 0

    init(_ statuses: [CaseStatus]) {
        for status in statuses {
            switch status {
            case .passed: passed += 1
            case .failed, .error: failed += 1
            case .skipped: skipped += 1
            case .pending: break
            }
        }
    }
}
