/// What a transaction body decided, in ``DatabaseConnection/withTransaction(_:)``.
extension DatabaseConnection {
    /// Runs `body` in a transaction: commits when it returns, rolls back when it throws or the task
    /// was cancelled, and rethrows the body's error (never the rollback's).
    ///
    /// Called inside another `withTransaction`, it uses a savepoint instead, so an inner failure can
    /// be caught and the outer work kept:
    ///
    /// ```swift
    /// try await db.withTransaction { tx in
    ///     try tx.run("INSERT INTO runs (status) VALUES ('pending')")
    ///     do {
    ///         try tx.withTransaction { inner in try inner.run("INSERT INTO details …") }
    ///     } catch { /* the details are undone, the run stays */ }
    /// }
    /// ```
    ///
    /// The body runs on the connection's own thread without suspending, so no other task's statement
    /// can slip into the transaction. On MySQL, statements that would commit implicitly (DDL,
    /// `TRUNCATE`, `LOCK TABLES`, …) are refused inside it with ``ImplicitCommitError``.
    ///
    /// - Throws: what `body` throws; `CancellationError` when the task was cancelled; the driver's
    ///   error when `BEGIN`, `SAVEPOINT` or `COMMIT` fail.
    @discardableResult
    public func withTransaction<T: Sendable>(_ body: @Sendable (isolated Self) throws -> T) throws -> T {
        let nested = isInTransaction()
        let savepoint = nested ? "testenv_savepoint_\(transactionScopeDepth + 1)" : nil
        if let savepoint { try self.savepoint(savepoint) } else { try beginTransaction() }
        transactionScopeDepth += 1
        let result: Result<T, any Error>
        do {
            let value = try body(self)
            try Task.checkCancellation()
            result = .success(value)
        } catch {
            result = .failure(error)
        }
        transactionScopeDepth -= 1
        switch result {
        case .success:
            if let savepoint { try releaseSavepoint(savepoint) } else { try commit() }
        case .failure:
            // The body's error is the one that matters; a failed rollback leaves nothing to add.
            if let savepoint {
                try? rollbackToSavepoint(savepoint)
                try? releaseSavepoint(savepoint)
            } else {
                try? rollback()
            }
        }
        return try result.get()
    }
}
