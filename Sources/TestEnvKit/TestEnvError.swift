import TestEnvCore

/// An error from TestEnvKit itself: configuration, backend choice, schema loading, environment
/// lifecycle, timeouts.
///
/// Match on ``code``; read ``description``, which says what was attempted, what failed and what
/// to do. Driver errors that caused it are kept in ``underlying``.
///
/// ```swift
/// do { let env = try await manager.createIsolatedEnvironment(schema: schema) }
/// catch let error as TestEnvError where error.code == .schemaStatementFailed {
///     print(error.location ?? "")   // "Fixtures/mysql/schema.sql:12"
/// }
/// ```
public struct TestEnvError: Error, Sendable, CustomStringConvertible {
    /// A stable error code. A struct, so new codes never break a caller's `switch`.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        /// The code's stable name.
        public let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// An environment variable or configuration value is not valid.
        public static let invalidConfiguration = Code("invalidConfiguration")
        /// MySQL was required (`TEST_DB_REQUIRE`, `CI`) but nothing answers at the configured address.
        public static let serverUnreachable = Code("serverUnreachable")
        /// The server refused the configured credentials: a configuration mistake, never a reason to fall back.
        public static let accessDenied = Code("accessDenied")
        /// The server is reachable but refused to connect for another reason (unknown database, no slot, …).
        public static let connectionFailed = Code("connectionFailed")
        /// A schema file could not be read.
        public static let schemaFileUnreadable = Code("schemaFileUnreadable")
        /// A schema statement would leave the isolated database (`USE`, `CREATE DATABASE`, `other_db.t`).
        public static let schemaStatementRefused = Code("schemaStatementRefused")
        /// A schema statement failed on the server.
        public static let schemaStatementFailed = Code("schemaStatementFailed")
        /// Creating an environment failed (after retries, for retryable causes).
        public static let environmentCreationFailed = Code("environmentCreationFailed")
        /// Removing an environment failed.
        public static let cleanupFailed = Code("cleanupFailed")
        /// An operation ran longer than its time limit and was stopped.
        public static let timeout = Code("timeout")
        /// An argument is not usable: rows of the wrong width, an empty column list, a table without columns.
        public static let invalidInput = Code("invalidInput")
        /// No MySQL environment came free within the wait timeout of the connection budget.
        public static let connectionBudgetExhausted = Code("connectionBudgetExhausted")
        /// A factory sets an attribute the table has no column for.
        public static let unknownColumn = Code("unknownColumn")
    }

    /// What kind of failure this is.
    public let code: Code
    /// What happened and what to do, for people.
    public let message: String
    /// `file:line` of the schema statement involved, when there is one.
    public let location: String?
    /// The statement involved, when there is one (its first 4 KiB when longer).
    public let statement: String?
    /// The driver error that caused this one, when there is one.
    public let underlying: (any Error & Sendable)?

    /// Creates an error.
    public init(
        _ code: Code, _ message: String, location: String? = nil, statement: String? = nil,
        underlying: (any Error & Sendable)? = nil
    ) {
        self.code = code
        self.message = message
        self.location = location
        // An error that carries a 50 MB statement would cost its catcher dearly; the start identifies it.
        self.statement = statement.map { $0.utf8.count > 4_096 ? String(decoding: $0.utf8.prefix(4_096), as: UTF8.self) + "…" : $0 }
        self.underlying = underlying
    }

    /// The portable kind of the underlying driver error, when there is one.
    public var driverErrorKind: DatabaseErrorKind? { (underlying as? any DatabaseDriverError)?.kind }

    public var description: String {
        var text = "TestEnvKit: " + (location.map { "\($0): " } ?? "") + message
        if let statement { text += "\n  statement: \(SQLText.abbreviated(statement, limit: 120))" }
        if let underlying { text += "\n  cause: \(underlying)".replacingOccurrences(of: "\n", with: "\n  ") }
        return text
    }
}
