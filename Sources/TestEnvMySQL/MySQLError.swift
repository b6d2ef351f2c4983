import TestEnvCore

/// A MySQL or MariaDB error number, client (2000–2999) or server.
///
/// The numbers the library acts on have names; any other number is still a valid code. A code
/// matches ``MySQLError`` values in `catch` patterns:
///
/// ```swift
/// do { try await db.run("INSERT INTO users (email) VALUES (?)", ["taken@example.com"]) }
/// catch MySQLErrorCode.duplicateEntry { … }
/// ```
public struct MySQLErrorCode: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    /// The error number.
    public let rawValue: UInt32

    /// Creates a code from its number.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public var description: String { String(rawValue) }

    /// 1010: `DROP DATABASE` could not remove the database's directory (a file the server does not
    /// know about stayed in it, for example a trigger file left by an interrupted `CREATE TRIGGER`).
    public static let dropDatabaseDirectoryNotEmpty = MySQLErrorCode(rawValue: 1010)
    /// 1040: the server has no free connection slot.
    public static let tooManyConnections = MySQLErrorCode(rawValue: 1040)
    /// 1044: the user may not access the named database.
    public static let databaseAccessDenied = MySQLErrorCode(rawValue: 1044)
    /// 1045: wrong user name or password.
    public static let accessDenied = MySQLErrorCode(rawValue: 1045)
    /// 1142: the user lacks a privilege on the named table (also 1143 for a column).
    public static let tableAccessDenied = MySQLErrorCode(rawValue: 1142)
    /// 1227: the statement needs a privilege the user lacks (`SUPER`, `RELOAD`, `FILE`, `SHUTDOWN`, …).
    public static let specificAccessDenied = MySQLErrorCode(rawValue: 1227)
    /// 1048: a `NOT NULL` column got NULL.
    public static let columnCannotBeNull = MySQLErrorCode(rawValue: 1048)
    /// 1049: no database of that name.
    public static let unknownDatabase = MySQLErrorCode(rawValue: 1049)
    /// 1054: no column of that name.
    public static let unknownColumn = MySQLErrorCode(rawValue: 1054)
    /// 1060: the table has a column of that name already.
    public static let duplicateColumnName = MySQLErrorCode(rawValue: 1060)
    /// 1062: a `UNIQUE` or `PRIMARY KEY` value is taken.
    public static let duplicateEntry = MySQLErrorCode(rawValue: 1062)
    /// 1064: SQL syntax error.
    public static let syntaxError = MySQLErrorCode(rawValue: 1064)
    /// 1146: no table of that name.
    public static let noSuchTable = MySQLErrorCode(rawValue: 1146)
    /// 1203: the user has reached its own connection limit.
    public static let userTooManyConnections = MySQLErrorCode(rawValue: 1203)
    /// 1205: a lock wait exceeded `innodb_lock_wait_timeout` / `lock_wait_timeout`.
    public static let lockWaitTimeout = MySQLErrorCode(rawValue: 1205)
    /// 1213: the transaction was chosen as a deadlock victim and rolled back.
    public static let deadlock = MySQLErrorCode(rawValue: 1213)
    /// 1317: the query was interrupted (`KILL QUERY`).
    public static let queryInterrupted = MySQLErrorCode(rawValue: 1317)
    /// 1451: a row is still referenced by a foreign key.
    public static let rowIsReferenced = MySQLErrorCode(rawValue: 1451)
    /// 1452: a foreign key points at no row.
    public static let noReferencedRow = MySQLErrorCode(rawValue: 1452)
    /// 1969: MariaDB's `max_statement_time` stopped the statement.
    public static let statementTimeout = MySQLErrorCode(rawValue: 1969)
    /// 3024: MySQL's `max_execution_time` stopped the statement.
    public static let executionTimeExceeded = MySQLErrorCode(rawValue: 3024)
    /// 3819: MySQL `CHECK` constraint violated.
    public static let checkConstraintViolated = MySQLErrorCode(rawValue: 3819)
    /// 4025: MariaDB `CHECK` constraint violated.
    public static let constraintFailed = MySQLErrorCode(rawValue: 4025)
    /// 2002: nothing listens on the Unix socket (Connector/C 3.x also reports a refused TCP connection so).
    public static let socketConnectionFailed = MySQLErrorCode(rawValue: 2002)
    /// 2003: nothing listens on the TCP host and port, or it is unreachable.
    public static let hostConnectionFailed = MySQLErrorCode(rawValue: 2003)
    /// 2005: the host name does not resolve.
    public static let unknownHost = MySQLErrorCode(rawValue: 2005)
    /// 2006: the server has gone away.
    public static let serverGone = MySQLErrorCode(rawValue: 2006)
    /// 2013: the connection was lost during a query, or a read or connect timed out.
    public static let serverLost = MySQLErrorCode(rawValue: 2013)
    /// 2014: commands out of sync — a previous result was not read to its end.
    public static let commandsOutOfSync = MySQLErrorCode(rawValue: 2014)
    /// 2048: the connection handle is not usable (the driver uses this for a closed connection).
    public static let invalidConnectionHandle = MySQLErrorCode(rawValue: 2048)
    /// 2031: a statement has parameters but the number of bound values differs.
    public static let parameterCountMismatch = MySQLErrorCode(rawValue: 2031)

    /// The backend-independent kind of this code.
    public var kind: DatabaseErrorKind {
        switch self {
        case .socketConnectionFailed, .hostConnectionFailed, .unknownHost: .serverUnreachable
        case .accessDenied: .accessDenied
        case .databaseAccessDenied, .tableAccessDenied, .specificAccessDenied: .permissionDenied
        case .unknownDatabase: .unknownDatabase
        case .serverGone, .serverLost: .connectionLost
        case .tooManyConnections, .userTooManyConnections: .tooManyConnections
        case .syntaxError: .syntax
        case .duplicateEntry: .uniqueViolation
        case .columnCannotBeNull, .rowIsReferenced, .noReferencedRow, .checkConstraintViolated, .constraintFailed:
            .constraintViolation
        case .deadlock: .deadlock
        case .lockWaitTimeout: .lockWaitTimeout
        case .statementTimeout, .executionTimeExceeded, .queryInterrupted: .timeout
        case .invalidConnectionHandle, .parameterCountMismatch: .invalidArgument
        default: .other
        }
    }

    /// Lets `catch MySQLErrorCode.duplicateEntry` match ``MySQLError`` values by code.
    public static func ~= (pattern: MySQLErrorCode, error: any Error) -> Bool {
        (error as? MySQLError)?.code == pattern
    }
}

/// An error from the MySQL driver: the error number, the server's message, where the connection
/// went (host, port and user — never the password), the statement, and what to do.
///
/// ```swift
/// catch let error as MySQLError where error.kind == .serverUnreachable { print(error) }
/// // MySQL error 2003 (HY000) connecting to 'root'@127.0.0.1:3307: Can't connect to server on '127.0.0.1' (111)
/// //   Nothing answers there: start the server, or check the host, port and socket.
/// ```
public struct MySQLError: DatabaseDriverError, Hashable {
    /// The error number.
    public let code: MySQLErrorCode
    /// The server's or client library's message.
    public let message: String
    /// The five-character SQLSTATE, when the server sent one.
    public let sqlState: String?
    /// Where the connection goes (``MySQLConfiguration/endpoint``).
    public let endpoint: String
    /// What was being done: `connecting`, `running a statement`, `running a script`.
    public let operation: String
    /// The statement that failed, when there was one.
    public let sql: String?
    /// What the connection's owner knows about this failure beyond the server's message (for
    /// example, that tests in transaction mode share one database), printed after the advice.
    public internal(set) var note: String?

    /// Creates an error.
    public init(code: MySQLErrorCode, message: String, sqlState: String? = nil, endpoint: String, operation: String, sql: String? = nil) {
        self.code = code
        self.message = message
        self.sqlState = sqlState
        self.endpoint = endpoint
        self.operation = operation
        self.sql = sql
    }

    /// The code's kind; except that a connection lost while connecting is a ``DatabaseErrorKind/timeout``:
    /// something accepted the connection but sent no greeting within the connect timeout.
    public var kind: DatabaseErrorKind {
        operation == "connecting" && code == .serverLost ? .timeout : code.kind
    }
    public var nativeCode: Int { Int(code.rawValue) }

    public var description: String {
        let state = sqlState.map { " (\($0))" } ?? ""
        let preposition = operation == "connecting" ? "to" : "on"
        var text = "MySQL error \(code)\(state) \(operation) \(preposition) \(endpoint): \(message)"
        if let sql { text += "\n  statement: \(SQLText.abbreviated(sql))" }
        if let advice { text += "\n  \(advice)" }
        if let note { text += "\n  \(note)" }
        return text
    }

    private var advice: String? {
        switch kind {
        case .serverUnreachable: "Nothing answers there: start the server, or check the host, port and socket."
        case .accessDenied: "The server refused these credentials: check the user name and password (not shown here) and the user's grants."
        case .permissionDenied where code == .databaseAccessDenied:
            "The user has no rights on this database: connect to a database it may use, or grant it rights on this one."
        case .permissionDenied: "The user lacks the privilege this statement needs (the server names it)."
        case .unknownDatabase: "The database does not exist: create it first, or connect without selecting one."
        case .connectionLost: "The connection is gone (server stopped or restarted, or a timeout): open a new connection."
        case .tooManyConnections: "The server has no free connection slot: close unused connections or raise max_connections."
        case .syntax: "Check the SQL near the text the server quotes."
        case .deadlock: "The server rolled the transaction back; run it again."
        case .lockWaitTimeout: "Another connection holds a lock here: commit or roll back its transaction."
        case .timeout where operation == "connecting":
            "Something accepted the connection but sent no MySQL greeting within the connect timeout: check that a MySQL server listens there, or raise connectTimeout."
        case .timeout: "The statement ran longer than allowed and was stopped."
        default: code == .commandsOutOfSync ? "A previous result was not read to its end; this is a driver bug, please report it." : nil
        }
    }
}
