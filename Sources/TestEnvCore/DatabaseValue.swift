/// One value that travels to or from a database: a bound parameter or a column of a row.
///
/// Both drivers speak this vocabulary, so test code reads the same on MySQL and SQLite.
///
/// ```swift
/// try await db.run("INSERT INTO users (name, age, avatar) VALUES (?, ?, ?)",
///                  ["Ada", 36, .blob([0xFF, 0xD8])])
/// let row = try await db.get("SELECT age FROM users WHERE name = ?", ["Ada"])
/// let age = try row?.decode(Int.self, "age")
/// ```
///
/// ## Integers
/// Signed values use ``integer(_:)``. MySQL `BIGINT UNSIGNED` values above `Int64.max` arrive as
/// ``unsignedInteger(_:)``; smaller unsigned values arrive as ``integer(_:)``, so a column's values
/// compare equal whatever their size. Binding ``unsignedInteger(_:)`` sends an unsigned value on
/// MySQL; SQLite has no unsigned 64-bit type and refuses values above `Int64.max` with an error.
///
/// ## Backend mapping
/// | case | MySQL | SQLite |
/// |---|---|---|
/// | ``text(_:)`` | CHAR, VARCHAR, TEXT, ENUM, SET | TEXT |
/// | ``blob(_:)`` | BINARY, VARBINARY, BLOB, BIT, GEOMETRY | BLOB |
/// | ``decimal(_:)`` | DECIMAL, as its exact digits | bound as TEXT; comes back by column affinity |
/// | ``date(_:)``, ``time(_:)``, ``dateTime(_:)``, ``timestamp(_:)`` | DATE, TIME, DATETIME, TIMESTAMP | bound as ISO-8601 TEXT; comes back as TEXT |
/// | ``json(_:)`` | JSON (MariaDB's alias and MySQL's native type) | bound as TEXT; comes back as TEXT |
public enum DatabaseValue: Sendable, Hashable {
    /// SQL `NULL`.
    case null
    /// A signed 64-bit integer.
    case integer(Int64)
    /// An unsigned 64-bit integer above `Int64.max` (MySQL `BIGINT UNSIGNED`).
    case unsignedInteger(UInt64)
    /// A double-precision floating-point number.
    case double(Double)
    /// UTF-8 text.
    case text(String)
    /// Raw bytes.
    case blob([UInt8])
    /// An exact decimal number, as its digits (for example `"12345678901234567890.0001"`).
    case decimal(String)
    /// A calendar date without a time.
    case date(DatabaseDate)
    /// A time of day or a duration (MySQL `TIME` ranges over ±838 hours).
    case time(DatabaseTime)
    /// A date and time without a time zone (MySQL `DATETIME`).
    case dateTime(DatabaseDateTime)
    /// A point in time that the server stores in UTC (MySQL `TIMESTAMP`).
    case timestamp(DatabaseDateTime)
    /// A JSON document, as its text.
    case json(String)

    /// Whether the value is SQL `NULL`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// A short name of the case, for error messages that must not print the value itself.
    public var kindName: String {
        switch self {
        case .null: "NULL"
        case .integer: "integer"
        case .unsignedInteger: "unsigned integer"
        case .double: "double"
        case .text: "text"
        case .blob: "blob"
        case .decimal: "decimal"
        case .date: "date"
        case .time: "time"
        case .dateTime: "datetime"
        case .timestamp: "timestamp"
        case .json: "JSON"
        }
    }
}

extension DatabaseValue: ExpressibleByNilLiteral {
    /// Creates ``null``.
    public init(nilLiteral: ()) { self = .null }
}

extension DatabaseValue: ExpressibleByIntegerLiteral {
    /// Creates ``integer(_:)``.
    public init(integerLiteral value: Int64) { self = .integer(value) }
}

extension DatabaseValue: ExpressibleByFloatLiteral {
    /// Creates ``double(_:)``.
    public init(floatLiteral value: Double) { self = .double(value) }
}

extension DatabaseValue: ExpressibleByStringLiteral {
    /// Creates ``text(_:)``.
    public init(stringLiteral value: String) { self = .text(value) }
}

extension DatabaseValue: ExpressibleByBooleanLiteral {
    /// Creates ``integer(_:)`` with 1 or 0, as both backends store booleans.
    public init(booleanLiteral value: Bool) { self = .integer(value ? 1 : 0) }
}
