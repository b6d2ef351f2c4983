/// What kind of failure a driver error is, the same on every backend.
///
/// Drivers keep their native codes (``DatabaseDriverError/nativeCode``); the kind is what code above
/// the drivers acts on: whether to fall back, to retry, or to report a configuration mistake.
/// It is a struct, not an enum, so new kinds never break a caller's `switch`.
///
/// ```swift
/// do { try await db.run("INSERT INTO users (email) VALUES (?)", ["a@example.com"]) }
/// catch let error as any DatabaseDriverError where error.kind == .uniqueViolation { … }
/// ```
public struct DatabaseErrorKind: Sendable, Hashable, CustomStringConvertible {
    /// A stable, lower-camel-case name, for matching in logs and reports.
    public let name: String

    private init(_ name: String) { self.name = name }

    public var description: String { name }

    /// Nothing answers at the address: connection refused, no such socket, unknown host.
    public static let serverUnreachable = DatabaseErrorKind("serverUnreachable")
    /// The server refused the credentials or the user lacks a privilege to connect.
    public static let accessDenied = DatabaseErrorKind("accessDenied")
    /// The account may not do this: it lacks a privilege on the database, table or server (MySQL
    /// 1044, 1142, 1227, …), or SQLite's authorizer refused the statement.
    public static let permissionDenied = DatabaseErrorKind("permissionDenied")
    /// The database named in the connection or statement does not exist.
    public static let unknownDatabase = DatabaseErrorKind("unknownDatabase")
    /// An established connection died, or a read from it timed out.
    public static let connectionLost = DatabaseErrorKind("connectionLost")
    /// The server has no connection slot left.
    public static let tooManyConnections = DatabaseErrorKind("tooManyConnections")
    /// The statement is not valid SQL for this backend.
    public static let syntax = DatabaseErrorKind("syntax")
    /// A `UNIQUE` or `PRIMARY KEY` constraint refused the row.
    public static let uniqueViolation = DatabaseErrorKind("uniqueViolation")
    /// Another constraint (foreign key, `NOT NULL`, `CHECK`) refused the row.
    public static let constraintViolation = DatabaseErrorKind("constraintViolation")
    /// The server chose this transaction as a deadlock victim and rolled it back.
    public static let deadlock = DatabaseErrorKind("deadlock")
    /// Waiting for a row or metadata lock exceeded the server's limit.
    public static let lockWaitTimeout = DatabaseErrorKind("lockWaitTimeout")
    /// The database file is locked by another connection (SQLite `BUSY`/`LOCKED`).
    public static let busy = DatabaseErrorKind("busy")
    /// The statement was stopped because it ran longer than allowed.
    public static let timeout = DatabaseErrorKind("timeout")
    /// The caller passed something the driver refuses before reaching the database
    /// (a closed connection, an invalid identifier, a value the backend cannot store).
    public static let invalidArgument = DatabaseErrorKind("invalidArgument")
    /// Any other failure; the native code says more.
    public static let other = DatabaseErrorKind("other")

    /// Whether trying the same operation again later can succeed without changing anything.
    public var isRetryable: Bool {
        isTransactionConflict || [.connectionLost, .tooManyConnections].contains(self)
    }

    /// Whether a transaction that failed this way is worth running again from its start: it lost a
    /// deadlock, waited too long for a lock, or (SQLite) found the file locked. These are what
    /// ``DatabaseConnection/withTransaction(retries:_:)`` runs a transaction again for.
    public var isTransactionConflict: Bool {
        [.deadlock, .lockWaitTimeout, .busy].contains(self)
    }
}

/// An error thrown by a database driver: ``TestEnvMySQL/MySQLError`` or ``TestEnvSQLite/SQLiteError``.
///
/// Its `description` says what was attempted (host, port and user for connections, never the
/// password), what failed, and what to do; it never prints bound parameter values.
public protocol DatabaseDriverError: Error, Sendable, CustomStringConvertible {
    /// The backend-independent kind of failure.
    var kind: DatabaseErrorKind { get }
    /// The backend's own error number (MySQL error code, SQLite extended result code).
    var nativeCode: Int { get }
    /// The message the server or library gave.
    var message: String { get }
    /// The statement that failed, when there was one.
    var sql: String? { get }
}
