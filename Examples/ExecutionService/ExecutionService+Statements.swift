import Foundation
import TestEnvKit

/// The service's statements, run synchronously inside its transactions. What differs between the
/// backends is here: MySQL locks rows (`FOR UPDATE`) where SQLite has one writer at a time (a
/// transaction that read first and then meets another writer gets `busy`, and is run again), the
/// two spell an upsert differently, and MySQL updates several tables in one statement.
extension DatabaseConnection {
    /// `ids`' names, of the cases that exist (and, with `enabledOnly`, are enabled).
    func caseNames(_ ids: [Int64], enabledOnly: Bool) throws -> [Int64: String] {
        var names: [Int64: String] = [:]
        for chunk in batches(of: ids) {
            let sql =
                "SELECT id, name FROM Auto_TestCase WHERE id IN (\(SQLText.placeholders(chunk.count)))\(enabledOnly ? " AND enabled = 1" : "")"
            for row in try all(sql, chunk.map(DatabaseValue.integer)) {
                names[try row.decode(Int64.self, 0)] = try row.decode(String.self, 1)
            }
        }
        return names
    }

    func insertExecution(taskId: Int64?, executedBy: String, at now: Date) throws -> Int64 {
        let result = try run(
            "INSERT INTO Auto_TestCaseTaskExecutions (task_id, status, executed_by, start_time, created_at) VALUES (?, 'pending', ?, ?, ?)",
            [taskId.databaseValue, .text(executedBy), now.databaseValue, now.databaseValue])
        return try generatedKey(result, of: "Auto_TestCaseTaskExecutions")
    }

    func insertRun(_ request: TriggerRequest, executionId: Int64, at now: Date) throws -> Int64 {
        let result = try run(
            """
            INSERT INTO Auto_TestRun (project_id, trigger_type, triggered_by, ci_job_name, status, run_config, execution_id, created_at)
            VALUES (?, ?, ?, ?, 'pending', ?, ?, ?)
            """,
            [
                .integer(request.projectId), request.triggerType.databaseValue, .text(request.triggeredBy), request.ciJobName.databaseValue,
                request.configuration.map(DatabaseValue.json) ?? .null, .integer(executionId), now.databaseValue,
            ])
        return try generatedKey(result, of: "Auto_TestRun")
    }

    func setTotalCases(_ total: Int, runId: Int64, executionId: Int64) throws {
        try run("UPDATE Auto_TestRun SET total_cases = ? WHERE id = ?", [.integer(Int64(total)), .integer(runId)])
        try run("UPDATE Auto_TestCaseTaskExecutions SET total_cases = ? WHERE id = ?", [.integer(Int64(total)), .integer(executionId)])
    }

    /// The run with this id; `locked` holds its row lock (MySQL) until the transaction ends.
    func run(id: Int64, locked: Bool) throws -> TestRunSummary? {
        try run(where: "id", is: id, locked: locked)
    }

    /// The run of this execution; `locked` holds its row lock (MySQL) until the transaction ends.
    func run(executionId: Int64, locked: Bool) throws -> TestRunSummary? {
        try run(where: "execution_id", is: executionId, locked: locked)
    }

    private func run(where column: String, is id: Int64, locked: Bool) throws -> TestRunSummary? {
        try get("SELECT \(TestRunSummary.columns) FROM Auto_TestRun WHERE \(column) = ?\(lockClause(locked))", [.integer(id)])
            .map { try $0.decode(TestRunSummary.self, keys: .convertFromSnakeCase) }
    }

    /// The execution's run, locked (MySQL), with the case's status in it (nil: the case is not
    /// part of it) — one statement, since a callback is a round trip per statement.
    func lockedRunAndCase(_ caseId: Int64, executionId: Int64) throws -> (run: (runId: Int64, status: RunStatus), case: CaseStatus?)? {
        let row = try get(
            """
            SELECT r.id, r.status, x.status FROM Auto_TestRun r
            LEFT JOIN Auto_TestRunResults x ON x.execution_id = r.execution_id AND x.case_id = ?
            WHERE r.execution_id = ?\(lockClause(true))
            """, [.integer(caseId), .integer(executionId)])
        guard let row else { return nil }
        return ((try row.decode(Int64.self, 0), try row.decode(RunStatus.self, 1)), try row.decode(CaseStatus?.self, 2))
    }

    /// Every case of the execution: its name and status.
    func resultCases(executionId: Int64) throws -> [Int64: (name: String, status: CaseStatus)] {
        var cases: [Int64: (name: String, status: CaseStatus)] = [:]
        for row in try all("SELECT case_id, case_name, status FROM Auto_TestRunResults WHERE execution_id = ?", [.integer(executionId)]) {
            cases[try row.decode(Int64.self, 0)] = (try row.decode(String.self, 1), try row.decode(CaseStatus.self, 2))
        }
        return cases
    }

    /// Stores the report of a case still pending in an unfinished run, adds it to the run's
    /// counters, and starts the run and its execution with their first result; false, changing
    /// nothing, when the case is not pending or the run has finished. On MySQL one multi-table
    /// `UPDATE` does it all, atomic without a transaction; SQLite, which has none, runs three
    /// statements in the caller's.
    func record(_ report: CaseReport, executionId: Int64, at now: Date) throws -> Bool {
        guard let counter = report.status.counterColumn else { return false }
        let match: [DatabaseValue] = [.integer(executionId), .integer(report.caseId)]
        /// A status column's value once a first result arrived.
        func started(_ status: String) -> String { "CASE WHEN \(status) = 'pending' THEN 'running' ELSE \(status) END" }
        switch dialect {
        case .mysql:
            let result = try run(
                """
                UPDATE Auto_TestRunResults x
                JOIN Auto_TestRun r ON r.execution_id = x.execution_id
                JOIN Auto_TestCaseTaskExecutions e ON e.id = x.execution_id
                SET \(Self.reportColumns.map { "x.\($0) = ?" }.joined(separator: ", ")),
                    r.\(counter) = r.\(counter) + 1, r.status = \(started("r.status")),
                    r.started_at = COALESCE(r.started_at, ?), e.status = \(started("e.status"))
                WHERE x.execution_id = ? AND x.case_id = ? AND x.status = 'pending' AND r.status IN ('pending', 'running')
                """,
                report.reportValues + [now.databaseValue] + match)
            return result.affectedRows > 0
        case .sqlite:
            let result = try run(
                """
                UPDATE Auto_TestRunResults SET \(Self.reportColumns.map { "\($0) = ?" }.joined(separator: ", "))
                WHERE execution_id = ? AND case_id = ? AND status = 'pending'
                  AND EXISTS (SELECT 1 FROM Auto_TestRun WHERE execution_id = ? AND status IN ('pending', 'running'))
                """,
                report.reportValues + match + [.integer(executionId)])
            guard result.affectedRows > 0 else { return false }
            try run(
                "UPDATE Auto_TestRun SET \(counter) = \(counter) + 1, status = \(started("status")), started_at = COALESCE(started_at, ?) WHERE execution_id = ?",
                [now.databaseValue, .integer(executionId)])
            try run("UPDATE Auto_TestCaseTaskExecutions SET status = \(started("status")) WHERE id = ?", [.integer(executionId)])
            return true
        }
    }

    func finishExecution(_ id: Int64, status: RunStatus, total: Int) throws {
        try run(
            "UPDATE Auto_TestCaseTaskExecutions SET status = ?, total_cases = ? WHERE id = ? AND status IN ('pending', 'running')",
            [status.databaseValue, .integer(Int64(total)), .integer(id)])
    }

    /// Updates each reported case's row, or inserts it when the execution has none, in multi-row statements.
    func upsertResults(_ reports: [CaseReport], executionId: Int64, names: [Int64: String]) throws {
        let columns = ["execution_id", "case_id", "case_name"] + Self.reportColumns
        let upsert =
            switch dialect {
            case .mysql: " ON DUPLICATE KEY UPDATE " + Self.reportColumns.map { "\($0) = VALUES(\($0))" }.joined(separator: ", ")
            case .sqlite:
                " ON CONFLICT (execution_id, case_id) DO UPDATE SET "
                    + Self.reportColumns.map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
            }
        let rowsPerStatement = max(1, min(ExecutionService.maximumBatchSize, maxBoundParameters() / columns.count))
        let row = "(" + SQLText.placeholders(columns.count) + ")"
        for start in stride(from: 0, to: reports.count, by: rowsPerStatement) {
            let chunk = reports[start..<min(start + rowsPerStatement, reports.count)]
            try run(
                "INSERT INTO Auto_TestRunResults (\(columns.joined(separator: ", "))) VALUES "
                    + Array(repeating: row, count: chunk.count).joined(separator: ", ") + upsert,
                chunk.flatMap { [.integer(executionId), .integer($0.caseId), .text(names[$0.caseId] ?? "")] + $0.reportValues })
        }
    }

    func finishRun(_ id: Int64, status: RunStatus, counts: CaseCounts, total: Int, durationMs: Int64, at now: Date) throws {
        try run(
            """
            UPDATE Auto_TestRun SET status = ?, total_cases = ?, passed_cases = ?, failed_cases = ?, skipped_cases = ?, duration_ms = ?,
                started_at = COALESCE(started_at, created_at), ended_at = ? WHERE id = ?
            """,
            [
                status.databaseValue, .integer(Int64(total)), .integer(Int64(counts.passed)), .integer(Int64(counts.failed)),
                .integer(Int64(counts.skipped)), .integer(durationMs), now.databaseValue, .integer(id),
            ])
    }

    /// Executions pending or running that started before `deadline`.
    func unfinishedExecutions(startedBefore deadline: Date) throws -> [Int64] {
        try all(
            "SELECT id FROM Auto_TestCaseTaskExecutions WHERE status IN ('pending', 'running') AND start_time < ? ORDER BY id",
            [deadline.databaseValue]
        ).map { try $0.decode(Int64.self, 0) }
    }

    /// Locks the runs of these executions that are still unfinished, in id order.
    func lockUnfinishedRuns(executionIds: [Int64]) throws -> [(runId: Int64, executionId: Int64)] {
        var runs: [(runId: Int64, executionId: Int64)] = []
        for chunk in batches(of: executionIds) {
            let sql =
                "SELECT id, execution_id FROM Auto_TestRun WHERE execution_id IN (\(SQLText.placeholders(chunk.count))) AND status IN ('pending', 'running') ORDER BY id\(lockClause(true))"
            runs += try all(sql, chunk.map(DatabaseValue.integer)).map { (try $0.decode(Int64.self, 0), try $0.decode(Int64.self, 1)) }
        }
        return runs
    }

    func abort(_ runs: [(runId: Int64, executionId: Int64)], at now: Date) throws {
        for chunk in batches(of: runs) {
            let list = SQLText.placeholders(chunk.count)
            try run(
                "UPDATE Auto_TestRun SET status = 'aborted', ended_at = ? WHERE id IN (\(list))",
                [now.databaseValue] + chunk.map { .integer($0.runId) })
            try run(
                "UPDATE Auto_TestCaseTaskExecutions SET status = 'aborted' WHERE id IN (\(list)) AND status IN ('pending', 'running')",
                chunk.map { .integer($0.executionId) })
        }
    }

    private func lockClause(_ locked: Bool) -> String { locked && dialect == .mysql ? " FOR UPDATE" : "" }

    private func generatedKey(_ result: ExecutionResult, of table: String) throws -> Int64 {
        guard let id = result.lastInsertID else {
            throw TestEnvError(.invalidInput, "\(table) has no AUTO_INCREMENT key: it generated no id")
        }
        return id
    }

    /// The result columns a report sets, in ``CaseReport/reportValues`` order.
    static var reportColumns: [String] {
        [
            "status", "duration_ms", "error_message", "error_stack", "screenshot_path", "log_path", "assertions_total", "assertions_passed",
            "response_data", "start_time", "end_time",
        ]
    }
}

extension CaseReport {
    /// The values of ``DatabaseConnection/reportColumns``.
    var reportValues: [DatabaseValue] {
        [
            status.databaseValue, durationMs.databaseValue, errorMessage.databaseValue, errorStack.databaseValue,
            screenshotPath.databaseValue,
            logPath.databaseValue, assertionsTotal.databaseValue, assertionsPassed.databaseValue,
            responseData.map(DatabaseValue.json) ?? .null, startTime.databaseValue, endTime.databaseValue,
        ]
    }
}

extension CaseStatus {
    /// The run's counter this outcome adds to.
    var counterColumn: String? {
        switch self {
        case .passed: "passed_cases"
        case .failed, .error: "failed_cases"
        case .skipped: "skipped_cases"
        case .pending: nil
        }
    }
}

/// `items` in slices of at most ``ExecutionService/maximumBatchSize``, one statement each.
private func batches<T>(of items: [T]) -> [ArraySlice<T>] {
    stride(from: 0, to: items.count, by: ExecutionService.maximumBatchSize).map {
        items[$0..<min($0 + ExecutionService.maximumBatchSize, items.count)]
    }
}
