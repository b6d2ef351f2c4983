/// How the environments of different tests are kept apart (`TEST_DB_ISOLATION`).
///
/// | mode | MySQL | SQLite | cost per test |
/// |---|---|---|---|
/// | ``pooled`` | a ready database from a pool; after the test it is reset in the background and reused | a copy of a template built once, whose rows are put back after the test and which the next test reuses | lowest that keeps every guarantee |
/// | ``fresh`` | `CREATE DATABASE`, the schema's scripts, `DROP DATABASE` | a new database running the scripts | highest: the schema's DDL every time |
/// | ``transaction`` | a transaction on one shared database, rolled back after the test | as ``pooled`` | lowest, with limits |
///
/// Use ``pooled`` (the default) unless a test needs something it cannot give:
/// - ``fresh`` when a test changes the schema through a connection TestEnvKit did not hand out
///   (the pool sees DDL on its own connections and drops such databases, but not DDL it cannot see
///   beyond added, dropped or renamed tables and views), or to measure the naive cost.
/// - ``transaction`` for many small tests that only read and write rows: nothing is reset, the
///   test's work is rolled back. Statements that commit implicitly (DDL, `TRUNCATE`, `LOCK
///   TABLES`) are refused with `ImplicitCommitError`; auto-increment counters keep
///   moving (ids are not 1, 2, 3); concurrent tests share the database, so they can wait on each
///   other's row locks; and a failed test's data cannot be kept for inspection.
public enum IsolationMode: String, Sendable, Hashable, CaseIterable {
    /// A database from a warm pool, reset in the background after use. The default.
    case pooled
    /// A database created and loaded for the test, and dropped after it.
    case fresh
    /// A transaction on a shared database, rolled back after the test.
    case transaction
}
