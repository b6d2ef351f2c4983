import Foundation

/// How a `Decodable` type's property names map to column names in ``Row/decode(_:keys:)``.
public enum RowKeyStrategy: Sendable, Hashable {
    /// A property reads the column of the same name (matched ignoring case, as MySQL does).
    case useDefaultKeys
    /// `customerId` reads `customer_id`, as `JSONDecoder`'s `convertFromSnakeCase` maps keys; a
    /// column named exactly like the property is used too.
    case convertFromSnakeCase
}

extension Row {
    /// Decodes the whole row into a `Decodable` type, column by property: numbers, text, blobs,
    /// dates (`Foundation.Date` from `DATETIME`/`TIMESTAMP`, read as UTC), ``DatabaseDate`` and the
    /// other ``DatabaseValueConvertible`` types; `RawRepresentable` enums through their raw value;
    /// other nested `Decodable` values from JSON text. Optional properties accept NULL and a
    /// missing column.
    ///
    /// ```swift
    /// struct Rental: Decodable { let rentalId: Int; let rentalDate: Date; let returnDate: Date? }
    /// let rental = try row.decode(Rental.self, keys: .convertFromSnakeCase)
    /// ```
    ///
    /// - Throws: ``RowDecodingError`` naming the column, or the type's own decoding error.
    public func decode<T: Decodable>(_ type: T.Type, keys: RowKeyStrategy = .useDefaultKeys) throws -> T {
        try T(from: RowDecoder(row: self, keys: keys))
    }
}

extension Date: DatabaseValueConvertible {
    /// Converts `DATETIME`/`TIMESTAMP` values and SQLite text in `YYYY-MM-DD HH:MM:SS[.ffffff]` form,
    /// read as UTC, and SQLite's numbers (seconds since 1970).
    public init?(databaseValue: DatabaseValue) {
        switch databaseValue {
        case .integer(let seconds): self = Date(timeIntervalSince1970: TimeInterval(seconds))
        case .double(let seconds): self = Date(timeIntervalSince1970: seconds)
        case .date(let date): self.init(DatabaseDateTime(date: date, time: DatabaseTime(hour: 0, minute: 0, second: 0)))
        default:
            guard let value = DatabaseDateTime(databaseValue: databaseValue) else { return nil }
            self.init(value)
        }
    }

    /// The date as a UTC `DATETIME` with microseconds.
    public var databaseValue: DatabaseValue {
        let microseconds = (timeIntervalSince1970 * 1_000_000).rounded()
        let whole = Int64((microseconds / 1_000_000).rounded(.down))
        let fraction = Int(microseconds - Double(whole) * 1_000_000)
        let parts = Self.utc.dateComponents(
            [.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: TimeInterval(whole)))
        return .dateTime(
            DatabaseDateTime(
                date: DatabaseDate(year: parts.year ?? 1970, month: parts.month ?? 1, day: parts.day ?? 1),
                time: DatabaseTime(hour: parts.hour ?? 0, minute: parts.minute ?? 0, second: parts.second ?? 0, microsecond: fraction)))
    }

    private init?(_ value: DatabaseDateTime) {
        let components = DateComponents(
            year: value.date.year, month: value.date.month, day: value.date.day, hour: value.time.hour, minute: value.time.minute,
            second: value.time.second)
        guard let whole = Self.utc.date(from: components) else { return nil }
        self = whole.addingTimeInterval(TimeInterval(value.time.microsecond) / 1_000_000)
    }

    private static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()
}

/// A `Decoder` over one row: a keyed container whose keys are column names.
private struct RowDecoder: Decoder {
    let row: Row
    let keys: RowKeyStrategy
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(RowContainer<Key>(row: row, keys: keys))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw DecodingError.typeMismatch([Any].self, .init(codingPath: codingPath, debugDescription: "a row decodes into a keyed type"))
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        throw DecodingError.typeMismatch(Any.self, .init(codingPath: codingPath, debugDescription: "a row decodes into a keyed type"))
    }
}

private struct RowContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let row: Row
    let keys: RowKeyStrategy
    var codingPath: [any CodingKey] { [] }
    var allKeys: [Key] { row.columns.names.compactMap { Key(stringValue: $0) } }

    /// The index of the column a property reads: its own name, else (snake case) its snake-cased name.
    func column(for key: Key) -> Int? {
        row.columns.index(ofProperty: key.stringValue, snakeCase: keys == .convertFromSnakeCase)
    }

    func contains(_ key: Key) -> Bool { column(for: key) != nil }

    func decodeNil(forKey key: Key) throws -> Bool {
        guard let index = column(for: key) else { return true }
        return row.values[index].isNull
    }

    // The common column types, statically: the generic path below asks the runtime whether the
    // type converts, twice per value, which costs more than the conversion itself.
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try convert(type, key) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try convert(type, key) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try convert(type, key) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try convert(type, key) }
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try convert(type, key) }
    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? { try convertIfPresent(type, key) }
    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? { try convertIfPresent(type, key) }
    func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? { try convertIfPresent(type, key) }
    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? { try convertIfPresent(type, key) }
    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? { try convertIfPresent(type, key) }

    private func convert<T: DatabaseValueConvertible>(_ type: T.Type, _ key: Key) throws -> T {
        guard let index = column(for: key) else { throw missingColumn(key, T.self) }
        return try row.decode(type, at: index, named: row.columns.names[index])
    }

    private func convertIfPresent<T: DatabaseValueConvertible>(_ type: T.Type, _ key: Key) throws -> T? {
        guard let index = column(for: key), !row.values[index].isNull else { return nil }
        return try row.decode(type, at: index, named: row.columns.names[index])
    }

    /// One lookup instead of the default's three (contains, decodeNil, decode): an optional property
    /// is most of what a row decodes.
    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard let index = column(for: key), !row.values[index].isNull else { return nil }
        return try decode(type, column: index)
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        guard let index = column(for: key) else { throw missingColumn(key, T.self) }
        return try decode(type, column: index)
    }

    private func missingColumn<T>(_ key: Key, _ type: T.Type) -> RowDecodingError {
        let name = keys == .convertFromSnakeCase ? snakeCased(key.stringValue) : key.stringValue
        return RowDecodingError(column: name, expected: "\(T.self)", problem: .noSuchColumn(available: row.columns.names))
    }

    private func decode<T: Decodable>(_ type: T.Type, column index: Int) throws -> T {
        let decoder = ValueDecoder(value: row.values[index], column: row.columns.names[index])
        do { return try decoder.decode(T.self) } catch is NeedsJSON { return try decoder.decodeJSON(T.self) }
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        throw DecodingError.typeMismatch([String: Any].self, .init(codingPath: [key], debugDescription: "columns hold no nested rows"))
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        throw DecodingError.typeMismatch([Any].self, .init(codingPath: [key], debugDescription: "columns hold no nested rows"))
    }

    func superDecoder() throws -> any Decoder { RowDecoder(row: row, keys: keys) }
    func superDecoder(forKey key: Key) throws -> any Decoder { RowDecoder(row: row, keys: keys) }
}

/// Decodes one column's value into a type that is not ``DatabaseValueConvertible``: a
/// `RawRepresentable` enum through its raw value. A type that asks for a keyed or unkeyed
/// container is decoded from the column's JSON text instead (``NeedsJSON``).
private struct ValueDecoder: Decoder, SingleValueDecodingContainer {
    let value: DatabaseValue
    let column: String
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> { throw NeedsJSON() }
    func unkeyedContainer() throws -> any UnkeyedDecodingContainer { throw NeedsJSON() }
    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    func decodeNil() -> Bool { value.isNull }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        guard let convertible = T.self as? any DatabaseValueConvertible.Type else { return try T(from: self) }
        guard let decoded = convertible.init(databaseValue: value) as? T else {
            throw RowDecodingError.conversion(of: value, column: column, to: T.self)
        }
        return decoded
    }

    /// The column's value as JSON, for a structured type.
    func decodeJSON<T: Decodable>(_ type: T.Type) throws -> T {
        let data: Data
        switch value {
        case .json(let text), .text(let text): data = Data(text.utf8)
        case .blob(let bytes): data = Data(bytes)
        default:
            throw RowDecodingError(
                column: column, expected: "\(T.self) (as JSON)",
                problem: value.isNull ? .unexpectedNull : .typeMismatch(found: value.kindName))
        }
        return try JSONDecoder().decode(T.self, from: data)
    }
}

/// A structured type asked a column for a container: it is read from the column's JSON instead.
private struct NeedsJSON: Error {}
