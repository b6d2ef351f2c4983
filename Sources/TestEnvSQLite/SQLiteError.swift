import CSQLite3
import TestEnvCore

/// A SQLite result code, primary (`SQLITE_CONSTRAINT`) or extended (`SQLITE_CONSTRAINT_UNIQUE`).
///
/// A primary code matches its extended codes in `catch` patterns:
///
/// ```swift
/// do { try await db.run("INSERT INTO users (email) VALUES (?)", ["taken@example.com"]) }
/// catch SQLiteResultCode.constraint { … }   // also catches constraintUnique, constraintForeignKey, …
/// ```
public struct SQLiteResultCode: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    /// The numeric code, as `sqlite3_extended_errcode` returns it.
    public let rawValue: Int32

    /// Creates a code from its number.
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// The primary code: the low 8 bits of an extended code.
    public var primary: SQLiteResultCode { SQLiteResultCode(rawValue: rawValue & 0xFF) }

    /// SQLite's English explanation of the code.
    public var description: String { String(cString: sqlite3_errstr(rawValue)) }

    /// `SQLITE_ERROR`: a generic error, including syntax errors and missing tables.
    public static let error = SQLiteResultCode(rawValue: 1)
    /// `SQLITE_INTERNAL`.
    public static let `internal` = SQLiteResultCode(rawValue: 2)
    /// `SQLITE_BUSY`: another connection holds a lock on the file.
    public static let busy = SQLiteResultCode(rawValue: 5)
    /// `SQLITE_LOCKED`: a lock held by this connection's own shared cache.
    public static let locked = SQLiteResultCode(rawValue: 6)
    /// `SQLITE_READONLY`.
    public static let readonly = SQLiteResultCode(rawValue: 8)
    /// `SQLITE_INTERRUPT`: the statement was interrupted.
    public static let interrupt = SQLiteResultCode(rawValue: 9)
    /// `SQLITE_CANTOPEN`: the file could not be opened.
    public static let cantOpen = SQLiteResultCode(rawValue: 14)
    /// `SQLITE_CONSTRAINT`: a constraint refused the row.
    public static let constraint = SQLiteResultCode(rawValue: 19)
    /// `SQLITE_MISMATCH`: a value of the wrong type.
    public static let mismatch = SQLiteResultCode(rawValue: 20)
    /// `SQLITE_AUTH`: the authorizer refused the statement (see ``SQLiteConfiguration/confinesToDatabase``).
    public static let auth = SQLiteResultCode(rawValue: 23)
    /// `SQLITE_MISUSE`: the library was used incorrectly (for example, a closed connection).
    public static let misuse = SQLiteResultCode(rawValue: 21)
    /// `SQLITE_RANGE`: a parameter index or count is out of range.
    public static let range = SQLiteResultCode(rawValue: 25)
    /// `SQLITE_NOTADB`: the file is not a database.
    public static let notADatabase = SQLiteResultCode(rawValue: 26)
    /// `SQLITE_CONSTRAINT_CHECK`.
    public static let constraintCheck = SQLiteResultCode(rawValue: 275)
    /// `SQLITE_CONSTRAINT_FOREIGNKEY`.
    public static let constraintForeignKey = SQLiteResultCode(rawValue: 787)
    /// `SQLITE_CONSTRAINT_NOTNULL`.
    public static let constraintNotNull = SQLiteResultCode(rawValue: 1299)
    /// `SQLITE_CONSTRAINT_PRIMARYKEY`.
    public static let constraintPrimaryKey = SQLiteResultCode(rawValue: 1555)
    /// `SQLITE_CONSTRAINT_UNIQUE`.
    public static let constraintUnique = SQLiteResultCode(rawValue: 2067)

    /// Whether `code` is this code, or this is a primary code and `code` one of its extended codes.
    public func matches(_ code: SQLiteResultCode) -> Bool {
        self == code || (rawValue == primary.rawValue && code.primary == self)
    }

    /// Lets `catch SQLiteResultCode.constraint` match ``SQLiteError`` values by code.
    public static func ~= (pattern: SQLiteResultCode, error: any Error) -> Bool {
        guard let error = error as? SQLiteError else { return false }
        return pattern.matches(error.code)
    }
}

/// An error from the SQLite driver: the result code, SQLite's message, and what was attempted.
///
/// ```swift
/// catch let error as SQLiteError where error.kind == .busy { … }
/// ```
public struct SQLiteError: DatabaseDriverError, Hashable {
    /// The extended result code.
    public let code: SQLiteResultCode
    /// SQLite's message (`sqlite3_errmsg`) or the driver's own.
    public let message: String
    /// The statement that failed, when there was one.
    public let sql: String?
    /// The database's path (`:memory:` for an in-memory database).
    public let path: String
    /// What the connection could find out beyond SQLite's message — for a foreign-key failure,
    /// the references of the table the statement wrote and the rows `PRAGMA foreign_key_check` reports.
    public internal(set) var detail: String?

    /// Creates an error.
    public init(code: SQLiteResultCode, message: String, sql: String? = nil, path: String) {
        self.code = code
        self.message = message
        self.sql = sql
        self.path = path
    }

    public var nativeCode: Int { Int(code.rawValue) }

    public var kind: DatabaseErrorKind {
        switch code.primary {
        case .constraint:
            [.constraintUnique, .constraintPrimaryKey].contains(code) ? .uniqueViolation : .constraintViolation
        case .busy, .locked: .busy
        case .interrupt: .timeout
        case .misuse, .range, .mismatch: .invalidArgument
        case .auth: .permissionDenied
        case .error where ["too many attached databases", "authorization denied", "not authorized"].contains(where: message.hasPrefix):
            .permissionDenied
        case .error where Self.isSyntaxMessage(message): .syntax
        default: .other
        }
    }

    private static func isSyntaxMessage(_ message: String) -> Bool {
        ["syntax error", "incomplete input", "unrecognized token"].contains { message.contains($0) }
    }

    public var description: String {
        var text = "SQLite error \(code.rawValue) (\(code)) in \(path): \(message)"
        if let sql { text += "\n  statement: \(SQLText.abbreviated(sql))" }
        if let detail { text += "\n  " + detail.replacingOccurrences(of: "\n", with: "\n  ") }
        if let advice { text += "\n  \(advice)" }
        return text
    }

    private var advice: String? {
        switch kind {
        case .busy: "Another connection holds a lock on this file: finish its transaction, or raise SQLiteConfiguration.busyTimeout."
        case .syntax: "Check the statement near the token SQLite names; SQLite's dialect differs from MySQL's."
        case .permissionDenied:
            "This connection is confined to its own database: ATTACH, VACUUM INTO and load_extension() are refused."
        default: code.primary == .cantOpen ? "Check that the directory exists and is writable." : nil
        }
    }
}
