import Synchronization

/// One row of a result: its values in column order, addressable by index or by column name.
///
/// Rows are plain `Sendable` copies made on the connection's own thread, so they can cross tasks
/// freely after the statement is done.
///
/// ```swift
/// let row = try await db.get("SELECT id, email FROM users WHERE id = ?", [1])!
/// let email: String = try row.decode("email")
/// let id = try row.decode(Int64.self, 0)
/// ```
public struct Row: Sendable, Hashable {
    /// The column names, shared by every row of one result.
    public let columns: ColumnNames
    /// The values, in column order.
    public let values: [DatabaseValue]

    /// Creates a row. Drivers call this; `values` must have one value per column.
    public init(columns: ColumnNames, values: [DatabaseValue]) {
        precondition(columns.count == values.count, "a row needs one value per column")
        self.columns = columns
        self.values = values
    }

    /// The number of columns.
    public var count: Int { values.count }

    /// The value at a column index; traps when the index is out of range, like an array.
    public subscript(index: Int) -> DatabaseValue { values[index] }

    /// The value of a named column, or nil when the row has no such column.
    ///
    /// Names match exactly first, then ignoring case, as MySQL does.
    public subscript(name: String) -> DatabaseValue? {
        columns.index(of: name).map { values[$0] }
    }

    /// Decodes the named column as `T`.
    ///
    /// - Throws: ``RowDecodingError`` naming the column when it is missing or holds another type.
    public func decode<T: DatabaseValueConvertible>(_ type: T.Type, _ column: String) throws -> T {
        guard let index = columns.index(of: column) else {
            throw RowDecodingError(column: column, expected: "\(T.self)", problem: .noSuchColumn(available: columns.names))
        }
        return try decode(T.self, at: index, named: column)
    }

    /// Decodes the column at `index` as `T`.
    ///
    /// - Throws: ``RowDecodingError`` naming the column when the index is out of range or the value has another type.
    public func decode<T: DatabaseValueConvertible>(_ type: T.Type, _ index: Int) throws -> T {
        guard values.indices.contains(index) else {
            throw RowDecodingError(column: "#\(index)", expected: "\(T.self)", problem: .noSuchColumn(available: columns.names))
        }
        return try decode(T.self, at: index, named: columns.names[index])
    }

    /// Decodes the named column as the type the context asks for: `let email: String = try row.decode("email")`.
    ///
    /// - Throws: ``RowDecodingError`` naming the column.
    public func decode<T: DatabaseValueConvertible>(_ column: String) throws -> T {
        try decode(T.self, column)
    }

    /// Decodes the column at `index` as the type the context asks for.
    ///
    /// - Throws: ``RowDecodingError`` naming the column.
    public func decode<T: DatabaseValueConvertible>(_ index: Int) throws -> T {
        try decode(T.self, index)
    }

    /// The value at `index` as `T`, or the error that names the column `name`.
    func decode<T: DatabaseValueConvertible>(_ type: T.Type, at index: Int, named name: String) throws -> T {
        let value = values[index]
        guard let decoded = T(databaseValue: value) else {
            throw RowDecodingError.conversion(of: value, column: name, to: T.self)
        }
        return decoded
    }
}

/// The column names of a result, with a lookup table built once and shared by all its rows.
public final class ColumnNames: Sendable, Hashable {
    /// The names, in column order.
    public let names: [String]
    private let exact: [String: Int]
    private let folded: [String: Int]
    /// Property names already resolved by `Decodable` decoding (`-1`: no such column), so that
    /// every row after the first pays one dictionary lookup per property.
    private let properties = Mutex<[PropertyKey: Int]>([:])

    /// Creates the lookup for `names`; the first of duplicate names wins, as in SQL clients.
    public init(_ names: [String]) {
        self.names = names
        var exact: [String: Int] = [:]
        var folded: [String: Int] = [:]
        for (index, name) in names.enumerated() {
            if exact[name] == nil { exact[name] = index }
            if folded[name.lowercased()] == nil { folded[name.lowercased()] = index }
        }
        self.exact = exact
        self.folded = folded
    }

    /// The number of columns.
    public var count: Int { names.count }

    /// The index of a column: an exact match first, then one that ignores case.
    public func index(of name: String) -> Int? {
        exact[name] ?? folded[name.lowercased()]
    }

    /// The column a `Decodable` property reads: its own name, else (`snakeCase`) its snake-cased name.
    func index(ofProperty name: String, snakeCase: Bool) -> Int? {
        let key = PropertyKey(name: name, snakeCase: snakeCase)
        if let known = properties.withLock({ $0[key] }) { return known < 0 ? nil : known }
        let found = index(of: name) ?? (snakeCase ? index(of: snakeCased(name)) : nil)
        properties.withLock { $0[key] = found ?? -1 }
        return found
    }

    public static func == (lhs: ColumnNames, rhs: ColumnNames) -> Bool { lhs.names == rhs.names }
    public func hash(into hasher: inout Hasher) { hasher.combine(names) }
}

/// A property name and the key strategy it is read with.
private struct PropertyKey: Hashable {
    let name: String
    let snakeCase: Bool
}

/// `rentalDate` → `rental_date`, `URLPath` → `url_path`.
func snakeCased(_ name: String) -> String {
    var result = ""
    let characters = Array(name)
    for (index, character) in characters.enumerated() {
        if character.isUppercase, index > 0 {
            let previousLower = characters[index - 1].isLowercase || characters[index - 1].isNumber
            let nextLower = index + 1 < characters.count && characters[index + 1].isLowercase
            if previousLower || nextLower { result.append("_") }
        }
        result.append(contentsOf: character.lowercased())
    }
    return result
}

/// A column could not be decoded as the requested type.
///
/// The message names the column and the type found, never the value, which may be private data.
public struct RowDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public enum Problem: Sendable, Hashable {
        /// The row has no column of that name (or index).
        case noSuchColumn(available: [String])
        /// The column is NULL and the requested type is not optional.
        case unexpectedNull
        /// The column holds a value of another kind (named, not printed).
        case typeMismatch(found: String)
        /// The requested type is `RawRepresentable`, and the column's value (of the kind named, not
        /// printed) is none of its raw values: an enum meeting a value it does not know.
        case notARawValue(found: String)
    }

    /// The column's name (or `#index`).
    public let column: String
    /// The requested Swift type.
    public let expected: String
    /// What went wrong.
    public let problem: Problem

    /// Creates a decoding error.
    public init(column: String, expected: String, problem: Problem) {
        self.column = column
        self.expected = expected
        self.problem = problem
    }

    public var description: String {
        switch problem {
        case .noSuchColumn(let available):
            "cannot decode column '\(column)' as \(expected): the row has no such column (columns: \(available.joined(separator: ", ")))"
        case .unexpectedNull:
            "cannot decode column '\(column)' as \(expected): the value is NULL; decode \(expected)? to accept NULL"
        case .typeMismatch(let found):
            "cannot decode column '\(column)' as \(expected): the value is \(found)"
        case .notARawValue(let found):
            "cannot decode column '\(column)' as \(expected): the value is \(found) that is none of \(expected)'s raw values"
        }
    }

    /// `value` could not become `type`: NULL, a value that is none of a `RawRepresentable` type's
    /// raw values, or a value of another kind.
    static func conversion(of value: DatabaseValue, column: String, to type: Any.Type) -> RowDecodingError {
        let problem: Problem =
            value.isNull
            ? .unexpectedNull
            : type is any RawRepresentable.Type ? .notARawValue(found: value.kindName) : .typeMismatch(found: value.kindName)
        return RowDecodingError(column: column, expected: "\(type)", problem: problem)
    }
}
