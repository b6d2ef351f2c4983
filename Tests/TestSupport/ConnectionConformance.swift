import TestEnvCore

/// Behaviour every ``DatabaseConnection`` must share, exercised the same way on each backend.
public enum ConnectionConformance {
    /// Commits one row, undoes a second with a savepoint, rolls back a third, and returns what is
    /// left in table `t (v INT)`: `[1]` when transactions and savepoints work.
    public static func valuesAfterTransactionsAndSavepoints(on db: any DatabaseConnection) async throws -> [Int] {
        try await db.beginTransaction()
        try await db.run("INSERT INTO t VALUES (1)")
        try await db.savepoint("inner")  // a reserved word in MySQL: the name must be quoted
        try await db.run("INSERT INTO t VALUES (2)")
        try await db.rollbackToSavepoint("inner")
        try await db.releaseSavepoint("inner")
        try await db.commit()
        try await db.beginTransaction()
        try await db.run("INSERT INTO t VALUES (3)")
        try await db.rollback()
        return try await db.all("SELECT v FROM t ORDER BY v").map { try $0.decode(Int.self, "v") }
    }
}
