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
            // A deadlock or a trigger can roll the whole transaction back under a caught inner failure:
            // then there is nothing left to commit, and saying so beats committing half the work.
            guard isInTransaction() else { throw TransactionLostError() }
            do {
                if let savepoint { try releaseSavepoint(savepoint) } else { try commit() }
            } catch {
                undo(to: savepoint)
                throw error
            }
        case .failure:
            undo(to: savepoint)
        }
        return try result.get()
    }

    /// Runs ``withTransaction(_:)``, and runs it again when the database rolled it back to break a
    /// deadlock, stopped it after a lock wait timeout, or (SQLite) found the file locked past the busy
    /// timeout (``DatabaseErrorKind/deadlock``, ``DatabaseErrorKind/lockWaitTimeout``,
    /// ``DatabaseErrorKind/busy``), up to `retries` more times, after a short random
    /// pause that grows with each attempt. `body` must be safe to run again: everything it did in
    /// the failed attempt was rolled back. Inside another transaction nothing is retried — the
    /// outer one was rolled back too, and only its owner can start it again.
    ///
    /// ```swift
    /// try await db.withTransaction(retries: 3) { tx in
    ///     try tx.run("UPDATE accounts SET balance = balance - 10 WHERE id = 1")
    ///     try tx.run("UPDATE accounts SET balance = balance + 10 WHERE id = 2")
    /// }
    /// ```
    ///
    /// - Throws: what ``withTransaction(_:)`` throws, the last attempt's error when all failed.
    @discardableResult
    public func withTransaction<T: Sendable>(retries: Int, _ body: @Sendable (isolated Self) throws -> T) async throws -> T {
        let nested = isInTransaction()
        var attempt = 0
        while true {
            do {
                return try withTransaction(body)
            } catch let error as any DatabaseDriverError
                where error.kind.isTransactionConflict && attempt < retries && !nested
            {
                attempt += 1
                try await Task.sleep(for: .milliseconds(Int64.random(in: 1...5) << min(attempt, 6)))
            }
        }
    }

    /// Opens a transaction meant to last for a whole test and be rolled back after it, with the
    /// guard of ``withTransaction(_:)`` on: statements that would commit it implicitly are refused,
    /// and `withTransaction` inside it uses savepoints.
    ///
    /// - Throws: the driver's error when `BEGIN` fails.
    public func beginGuardedTransaction() throws {
        try beginTransaction()
        transactionScopeDepth += 1
    }

    /// Rolls back to `savepoint` (or the whole transaction) if it is still open. The error that led
    /// here is the one that matters, so this one's own failure adds nothing.
    private func undo(to savepoint: String?) {
        guard isInTransaction() else { return }
        if let savepoint {
            try? rollbackToSavepoint(savepoint)
            try? releaseSavepoint(savepoint)
        } else {
            try? rollback()
        }
    }
}

/// The transaction ended before ``DatabaseConnection/withTransaction(_:)`` could commit it: the server
/// rolled it back (a deadlock, a lock wait timeout, a trigger) while an inner failure was caught.
public struct TransactionLostError: DatabaseDriverError, Hashable {
    /// Creates the error.
    public init() {}

    public var kind: DatabaseErrorKind { .deadlock }
    public var nativeCode: Int { 0 }
    public var sql: String? { nil }
    public var message: String {
        "the transaction was rolled back by the database before withTransaction could commit it (after a caught inner failure); none of its work was kept"
    }
    public var description: String { message }
}
