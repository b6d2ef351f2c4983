import TestEnvCore

/// How a factory gives one attribute its value.
public enum FactoryAttribute: Sendable {
    /// The same value every time.
    case value(DatabaseValue)
    /// A value made from a counter that starts at 1 and is unique per ``DataFactory`` (so per
    /// environment): `.sequence { .text("user\($0)@example.com") }`.
    case sequence(@Sendable (Int) -> DatabaseValue)
    /// A row created with another factory when no value is given; the attribute gets the parent
    /// row's `key` column — by default the parent table's primary key, read from the schema
    /// (`film_id`, `customer_id`, …), so `key:` is needed only to point at another unique column or
    /// when the key has several columns. ``DataFactory/build(_:traits:_:)`` leaves it out.
    indirect case association(Factory, key: String? = nil)
}

/// The defaults for one table's rows: attribute values, sequences, associations and named traits.
///
/// ```swift
/// extension Factory {
///     static let merchant = Factory("merchants", [
///         "name": .sequence { .text("Merchant \($0)") },
///     ])
///     static let user = Factory("users", [
///         "email": .sequence { .text("user\($0)@example.com") },
///         "merchant_id": .association(.merchant),
///     ], traits: [
///         "admin": ["user_type": .value("admin")],
///     ])
/// }
/// let admin = try await factory.create(.user, traits: ["admin"], ["email": "root@example.com"])
/// ```
public struct Factory: Sendable {
    /// The table rows are inserted into.
    public let table: String
    /// Default attributes by column.
    public var attributes: [String: FactoryAttribute]
    /// Named sets of attributes applied over the defaults, in the order given at the call.
    public var traits: [String: [String: FactoryAttribute]]

    /// Creates a factory.
    public init(_ table: String, _ attributes: [String: FactoryAttribute], traits: [String: [String: FactoryAttribute]] = [:]) {
        self.table = table
        self.attributes = attributes
        self.traits = traits
    }
}

extension FactoryAttribute: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByNilLiteral {
    /// `"text"` is `.value(.text("text"))`.
    public init(stringLiteral value: String) { self = .value(.text(value)) }
    /// `42` is `.value(.integer(42))`.
    public init(integerLiteral value: Int64) { self = .value(.integer(value)) }
    /// `nil` is `.value(.null)`.
    public init(nilLiteral: ()) { self = .value(.null) }
}
