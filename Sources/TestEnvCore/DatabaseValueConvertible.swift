/// A Swift type that converts to and from ``DatabaseValue``, so rows can decode it and statements
/// can bind it.
///
/// Conversions are exact: an integer column decodes as `Int8` only when its value fits, and text
/// never silently becomes a number.
///
/// ```swift
/// let count: Int = try row.decode("count")
/// let nickname: String? = try row.decode("nickname")   // NULL becomes nil
/// ```
public protocol DatabaseValueConvertible: Sendable {
    /// Creates a value from a database value, or returns nil when the kinds do not match.
    init?(databaseValue: DatabaseValue)
    /// The value to bind as a statement parameter.
    var databaseValue: DatabaseValue { get }
}

extension DatabaseValue: DatabaseValueConvertible {
    public init?(databaseValue: DatabaseValue) { self = databaseValue }
    public var databaseValue: DatabaseValue { self }
}

extension Optional: DatabaseValueConvertible where Wrapped: DatabaseValueConvertible {
    public init?(databaseValue: DatabaseValue) {
        if databaseValue.isNull {
            self = .none
        } else if let wrapped = Wrapped(databaseValue: databaseValue) {
            self = .some(wrapped)
        } else {
            return nil
        }
    }

    public var databaseValue: DatabaseValue { self?.databaseValue ?? .null }
}

extension FixedWidthInteger where Self: DatabaseValueConvertible {
    /// Converts ``DatabaseValue/integer(_:)`` and ``DatabaseValue/unsignedInteger(_:)`` when the value fits.
    public init?(databaseValue: DatabaseValue) {
        switch databaseValue {
        case .integer(let value): self.init(exactly: value)
        case .unsignedInteger(let value): self.init(exactly: value)
        default: return nil
        }
    }

    /// Binds as ``DatabaseValue/integer(_:)``, or ``DatabaseValue/unsignedInteger(_:)`` above `Int64.max`.
    public var databaseValue: DatabaseValue {
        if let signed = Int64(exactly: self) { return .integer(signed) }
        return .unsignedInteger(UInt64(self))
    }
}

extension Int: DatabaseValueConvertible {}
extension Int8: DatabaseValueConvertible {}
extension Int16: DatabaseValueConvertible {}
extension Int32: DatabaseValueConvertible {}
extension Int64: DatabaseValueConvertible {}
extension UInt: DatabaseValueConvertible {}
extension UInt8: DatabaseValueConvertible {}
extension UInt16: DatabaseValueConvertible {}
extension UInt32: DatabaseValueConvertible {}
extension UInt64: DatabaseValueConvertible {}

extension Bool: DatabaseValueConvertible {
    /// Any integer converts: zero is false, anything else true (MySQL `BOOLEAN` is `TINYINT(1)`).
    public init?(databaseValue: DatabaseValue) {
        switch databaseValue {
        case .integer(let value): self = value != 0
        case .unsignedInteger: self = true
        default: return nil
        }
    }

    public var databaseValue: DatabaseValue { .integer(self ? 1 : 0) }
}

extension Double: DatabaseValueConvertible {
    /// Converts floating-point, integer and decimal values.
    public init?(databaseValue: DatabaseValue) {
        switch databaseValue {
        case .double(let value): self = value
        case .integer(let value): self = Double(value)
        case .unsignedInteger(let value): self = Double(value)
        case .decimal(let digits):
            guard let value = Double(digits) else { return nil }
            self = value
        default: return nil
        }
    }

    public var databaseValue: DatabaseValue { .double(self) }
}

extension Float: DatabaseValueConvertible {
    public init?(databaseValue: DatabaseValue) {
        guard let value = Double(databaseValue: databaseValue) else { return nil }
        self = Float(value)
    }

    public var databaseValue: DatabaseValue { .double(Double(self)) }
}

extension String: DatabaseValueConvertible {
    /// Converts text, JSON and decimal digits, and dates and times in their ISO form.
    public init?(databaseValue: DatabaseValue) {
        switch databaseValue {
        case .text(let text), .json(let text), .decimal(let text): self = text
        case .date(let date): self = date.description
        case .time(let time): self = time.description
        case .dateTime(let dateTime), .timestamp(let dateTime): self = dateTime.description
        default: return nil
        }
    }

    public var databaseValue: DatabaseValue { .text(self) }
}

extension [UInt8]: DatabaseValueConvertible {
    public init?(databaseValue: DatabaseValue) {
        guard case .blob(let bytes) = databaseValue else { return nil }
        self = bytes
    }

    public var databaseValue: DatabaseValue { .blob(self) }
}

extension DatabaseDate: DatabaseValueConvertible {
    /// Converts MySQL `DATE` values and SQLite text in `YYYY-MM-DD` form.
    public init?(databaseValue: DatabaseValue) {
        switch databaseValue {
        case .date(let date): self = date
        case .text(let text):
            guard let date = DatabaseDate(parsing: Substring(text)) else { return nil }
            self = date
        default: return nil
        }
    }

    public var databaseValue: DatabaseValue { .date(self) }
}

extension DatabaseTime: DatabaseValueConvertible {
    /// Converts MySQL `TIME` values and SQLite text in `HH:MM:SS[.ffffff]` form.
    public init?(databaseValue: DatabaseValue) {
        switch databaseValue {
        case .time(let time): self = time
        case .text(let text):
            guard let time = DatabaseTime(parsing: Substring(text)) else { return nil }
            self = time
        default: return nil
        }
    }

    public var databaseValue: DatabaseValue { .time(self) }
}

extension DatabaseDateTime: DatabaseValueConvertible {
    /// Converts MySQL `DATETIME`/`TIMESTAMP` values and SQLite text in `YYYY-MM-DD HH:MM:SS` form.
    public init?(databaseValue: DatabaseValue) {
        switch databaseValue {
        case .dateTime(let value), .timestamp(let value): self = value
        case .text(let text):
            guard let value = DatabaseDateTime(parsing: Substring(text)) else { return nil }
            self = value
        default: return nil
        }
    }

    public var databaseValue: DatabaseValue { .dateTime(self) }
}

extension DatabaseValueConvertible where Self: RawRepresentable, RawValue: DatabaseValueConvertible {
    /// Converts through the raw value: declaring the conformance is enough for an enum whose raw
    /// values are what its column holds.
    ///
    /// ```swift
    /// enum Status: String, DatabaseValueConvertible { case pending, passed }
    /// let status = try row.decode(Status.self, "status")
    /// try await db.run("UPDATE results SET status = ?", [Status.passed.databaseValue])
    /// ```
    public init?(databaseValue: DatabaseValue) {
        guard let raw = RawValue(databaseValue: databaseValue) else { return nil }
        self.init(rawValue: raw)
    }

    /// The raw value's database value.
    public var databaseValue: DatabaseValue { rawValue.databaseValue }
}
