/// A connection's prepared statements, keyed by SQL text, with a bound on their number.
///
/// Past ``capacity`` the oldest half is released, so a test that generates SQL text cannot grow
/// server or library memory without limit. The cache holds raw C handles, so it is deliberately
/// not `Sendable`: it lives inside its connection's actor.
///
/// ```swift
/// var cache = PreparedStatementCache<OpaquePointer>()
/// cache.insert(statement, for: sql, releasing: { sqlite3_finalize($0) })
/// ```
public struct PreparedStatementCache<Statement> {
    private var statements: [String: Statement] = [:]
    private var insertionOrder: [String] = []
    /// The most statements kept at once.
    public let capacity: Int

    /// Creates an empty cache.
    public init(capacity: Int = 128) {
        precondition(capacity >= 2, "a statement cache needs room for at least two statements")
        self.capacity = capacity
    }

    /// The number of cached statements.
    public var count: Int { statements.count }

    /// The cached statement for `sql`, if any.
    public subscript(sql: String) -> Statement? { statements[sql] }

    /// Caches `statement` for `sql`, releasing the oldest half first when the cache is full.
    public mutating func insert(_ statement: Statement, for sql: String, releasing release: (Statement) -> Void) {
        if statements.count >= capacity {
            for old in insertionOrder.prefix(capacity / 2) {
                statements.removeValue(forKey: old).map(release)
            }
            insertionOrder.removeFirst(capacity / 2)
        }
        statements[sql] = statement
        insertionOrder.append(sql)
    }

    /// Releases and forgets every statement.
    public mutating func removeAll(releasing release: (Statement) -> Void) {
        statements.values.forEach(release)
        statements = [:]
        insertionOrder = []
    }
}

@available(*, unavailable, message: "prepared statements belong to their connection's actor")
extension PreparedStatementCache: Sendable {}
