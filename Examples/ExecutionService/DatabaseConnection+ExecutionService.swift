import TestEnvKit

/// The service's statements, run synchronously inside its transactions.
extension DatabaseConnection {
    func enabledCases(among ids: [Int64]) throws -> Set<Int64> {
        var known: Set<Int64> = []
        for chunk in batches(of: ids) {
            let sql = "SELECT id FROM Auto_TestCase WHERE enabled = 1 AND id IN (\(SQLText.placeholders(chunk.count)))"
            for row in try all(sql, chunk.map(DatabaseValue.integer)) { known.insert(try row.decode(Int64.self, 0)) }
        }
        return known
    }

    func insertRun(executionId: String, triggeredBy: String, totalCases: Int) throws -> Int64 {
        let timeout = ExecutionService.executionTimeout.components.seconds
        let deadline =
            dialect == .mysql ? "NOW(6) + INTERVAL \(timeout) SECOND" : "strftime('%Y-%m-%d %H:%M:%f', 'now', '+\(timeout) seconds')"
        do {
            let result = try run(
                "INSERT INTO Auto_TestRun (execution_id, triggered_by, status, total_cases, timeout_at) VALUES (?, ?, 'pending', ?, \(deadline))",
                [.text(executionId), .text(triggeredBy), .integer(Int64(totalCases))])
            guard let id = result.lastInsertID else { throw ExecutionServiceError.invalidRequest("the run got no id") }
            return id
        } catch let error as any DatabaseDriverError where error.kind == .uniqueViolation {
            throw ExecutionServiceError.duplicateExecutionId(executionId)
        }
    }

    func lockedRun(executionId: String) throws -> TestRunRecord {
        // SQLite's write lock already excludes other writers; MySQL locks the row.
        let lock = dialect == .mysql ? " FOR UPDATE" : ""
        guard let row = try get("SELECT \(TestRunRecord.columns) FROM Auto_TestRun WHERE execution_id = ?\(lock)", [.text(executionId)])
        else {
            throw ExecutionServiceError.unknownExecution(executionId)
        }
        return try TestRunRecord(row)
    }

    func checkCasesBelong(_ caseIds: [Int64], to executionId: String) throws {
        var inExecution: Set<Int64> = []
        for chunk in batches(of: caseIds) {
            let sql =
                "SELECT case_id FROM Auto_TestCaseTaskExecutions WHERE execution_id = ? AND case_id IN (\(SQLText.placeholders(chunk.count)))"
            for row in try all(sql, [.text(executionId)] + chunk.map(DatabaseValue.integer)) {
                inExecution.insert(try row.decode(Int64.self, 0))
            }
        }
        let outside = caseIds.filter { !inExecution.contains($0) }
        guard outside.isEmpty else { throw ExecutionServiceError.casesNotInExecution(outside) }
    }

    func setStatus(_ status: String, of caseIds: [Int64], in executionId: String) throws {
        for chunk in batches(of: caseIds) {
            try run(
                "UPDATE Auto_TestCaseTaskExecutions SET status = ? WHERE execution_id = ? AND case_id IN (\(SQLText.placeholders(chunk.count)))",
                [.text(status), .text(executionId)] + chunk.map(DatabaseValue.integer))
        }
    }

    func updateCounters(of run: TestRunRecord, passed: Int, failed: Int) throws -> TestRunRecord {
        let passedCases = run.passedCases + passed
        let failedCases = run.failedCases + failed
        let done = passedCases + failedCases >= run.totalCases
        let status = done ? (failedCases > 0 ? "failed" : "passed") : "pending"
        let now = dialect == .mysql ? "NOW(6)" : "strftime('%Y-%m-%d %H:%M:%f', 'now')"
        try self.run(
            "UPDATE Auto_TestRun SET passed_cases = ?, failed_cases = ?, status = ?, completed_at = \(done ? now : "NULL") WHERE id = ?",
            [.integer(Int64(passedCases)), .integer(Int64(failedCases)), .text(status), .integer(run.id)])
        return TestRunRecord(
            id: run.id, executionId: run.executionId, triggeredBy: run.triggeredBy, status: status, totalCases: run.totalCases,
            passedCases: passedCases, failedCases: failedCases)
    }
}

/// `ids` in slices of at most ``ExecutionService/maximumBatchSize``, one statement each.
private func batches(of ids: [Int64]) -> [ArraySlice<Int64>] {
    stride(from: 0, to: ids.count, by: ExecutionService.maximumBatchSize).map {
        ids[$0..<min($0 + ExecutionService.maximumBatchSize, ids.count)]
    }
}

extension TestRunRecord {
    static let columns = "id, execution_id, triggered_by, status, total_cases, passed_cases, failed_cases"

    init(_ row: Row) throws {
        self.init(
            id: try row.decode("id"), executionId: try row.decode("execution_id"), triggeredBy: try row.decode("triggered_by"),
            status: try row.decode("status"), totalCases: try row.decode("total_cases"), passedCases: try row.decode("passed_cases"),
            failedCases: try row.decode("failed_cases"))
    }
}
