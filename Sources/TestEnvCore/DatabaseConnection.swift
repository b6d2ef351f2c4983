/// A connection to one database, shared by the MySQL and SQLite drivers.
///
/// Connections are actors: every call is serialized, so a connection is safe to share between
/// tasks, and each runs on the connection's own dispatch queue (see ``DispatchQueueExecutor``),
/// never on Swift's cooperative thread pool. Calls from different tasks interleave statement by
/// statement; a transaction therefore belongs to whichever task is using the connection, so give
/// each task that opens transactions its own connection.
///
/// Values are always sent as bound parameters of a prepared statement; prepared statements are
/// cached per connection and reused when the same SQL text runs again.
///
/// ```swift
/// let db: any DatabaseConnection = try await SQLiteConnection.open()
/// try await db.executeScript("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT);")
/// try await db.run("INSERT INTO t (name) VALUES (?)", ["Ada"])
/// let names = try await db.all("SELECT name FROM t").map { try $0.decode(String.self, "name") }
/// await db.close()
/// ```
///
/// ## Topics
/// - ``run(_:_:)``
/// - ``all(_:_:)``
/// - ``get(_:_:)``
/// - ``executeScript(_:)``
/// - ``beginTransaction()``
public protocol DatabaseConnection: Actor {
    /// Runs one statement with bound parameters and reports what it changed.
    ///
    /// - Throws: the driver's error (``DatabaseDriverError``).
    @discardableResult
    func run(_ sql: String, _ bindings: [DatabaseValue]) throws -> ExecutionResult

    /// Runs one query with bound parameters and returns all its rows.
    ///
    /// - Throws: the driver's error (``DatabaseDriverError``).
    func all(_ sql: String, _ bindings: [DatabaseValue]) throws -> [Row]

    /// Runs a script of several statements separated by semicolons, discarding any rows.
    ///
    /// Runs without bound parameters. Stops at the first failing statement; the statements before it
    /// stay applied, and the connection remains usable.
    ///
    /// - Throws: the driver's error for the first statement that failed.
    func executeScript(_ sql: String) throws

    /// Runs exactly one statement, without bound parameters, discarding any rows. Text that holds
    /// a second statement fails as the database reads it (MySQL: a syntax error; SQLite: an error
    /// naming the rest), so what runs is never more than what the caller checked. Statements the
    /// binary protocol cannot prepare (`CREATE PROCEDURE`, `CREATE TRIGGER`) run here.
    ///
    /// - Throws: the driver's error.
    func executeStatement(_ sql: String) throws

    /// Whether the connection is open and the server answers.
    func isReady() -> Bool

    /// The SQL dialect the connection speaks.
    nonisolated var dialect: SQLDialect { get }

    /// The server's version (MySQL: for example `10.11.6-MariaDB`; SQLite: `SQLite 3.40.1`), known
    /// since connecting, so asking costs no round trip.
    var serverVersion: String { get }

    /// Whether a transaction is open on this connection (MySQL: the server's status flag;
    /// SQLite: not in autocommit mode).
    func isInTransaction() -> Bool

    /// The most bound parameters one statement may carry (MySQL 65,535; SQLite's compiled limit).
    func maxBoundParameters() -> Int

    /// How many ``withTransaction(_:)`` scopes are open; maintained by `withTransaction`.
    /// While it is positive the MySQL driver refuses statements that commit implicitly. For the
    /// drivers of this package only (SPI): nothing else may change it.
    @_spi(TestEnvDrivers) var transactionScopeDepth: Int { get set }

    /// Closes the connection. Later calls throw an ``DatabaseErrorKind/invalidArgument`` error;
    /// closing twice does nothing.
    func close()
}

extension DatabaseConnection {
    /// Runs one statement with bound parameters and reports what it changed.
    ///
    /// - Throws: the driver's error (``DatabaseDriverError``).
    @discardableResult
    public func run(_ sql: String, _ bindings: DatabaseValue...) throws -> ExecutionResult {
        try run(sql, bindings)
    }

    /// Runs one query and returns all its rows.
    ///
    /// - Throws: the driver's error (``DatabaseDriverError``).
    public func all(_ sql: String, _ bindings: DatabaseValue...) throws -> [Row] {
        try all(sql, bindings)
    }

    /// Runs one query and returns its first row, or nil when it returns none.
    ///
    /// - Throws: the driver's error (``DatabaseDriverError``).
    public func get(_ sql: String, _ bindings: [DatabaseValue]) throws -> Row? {
        try all(sql, bindings).first
    }

    /// Runs one query and returns its first row, or nil when it returns none.
    ///
    /// - Throws: the driver's error (``DatabaseDriverError``).
    public func get(_ sql: String, _ bindings: DatabaseValue...) throws -> Row? {
        try all(sql, bindings).first
    }

    /// Starts a transaction. On MySQL, DDL (`CREATE`, `ALTER`, `DROP`, `TRUNCATE`, …) commits it implicitly.
    ///
    /// - Throws: the driver's error, for example when a transaction is already open on SQLite.
    public func beginTransaction() throws { try executeScript("BEGIN") }

    /// Commits the open transaction.
    ///
    /// - Throws: the driver's error.
    public func commit() throws { try executeScript("COMMIT") }

    /// Rolls back the open transaction.
    ///
    /// - Throws: the driver's error.
    public func rollback() throws { try executeScript("ROLLBACK") }

    /// Sets a savepoint inside the open transaction.
    ///
    /// - Parameter name: a plain identifier (`[A-Za-z_][A-Za-z0-9_]*`, at most 64 characters);
    ///   it is backquoted, so reserved words such as `inner` work on both backends.
    /// - Throws: the driver's error, or ``InvalidIdentifierError`` for any other name.
    public func savepoint(_ name: String) throws {
        try executeScript("SAVEPOINT `\(try SQLIdentifier.validated(name))`")
    }

    /// Undoes everything since the savepoint, keeping the savepoint and the transaction.
    ///
    /// - Throws: the driver's error, or ``InvalidIdentifierError``.
    public func rollbackToSavepoint(_ name: String) throws {
        try executeScript("ROLLBACK TO SAVEPOINT `\(try SQLIdentifier.validated(name))`")
    }

    /// Forgets the savepoint, keeping its work in the transaction.
    ///
    /// - Throws: the driver's error, or ``InvalidIdentifierError``.
    public func releaseSavepoint(_ name: String) throws {
        try executeScript("RELEASE SAVEPOINT `\(try SQLIdentifier.validated(name))`")
    }
}
