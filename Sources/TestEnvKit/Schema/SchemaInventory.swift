import TestEnvCore

/// What an environment's database contains: counts of objects and rows per table.
///
/// `testenv check-schema` prints it; tests can assert on it.
///
/// ```swift
/// let inventory = try await SchemaInventory.take(of: env)
/// #expect(inventory.rows["Track"] == 3503)
/// ```
public struct SchemaInventory: Sendable, Hashable, Codable {
    /// The environment's real backend.
    public var backend: String
    /// The database's name (MySQL) or path (SQLite).
    public var database: String
    /// Base tables.
    public var tables: Int
    /// Views.
    public var views: Int
    /// Triggers.
    public var triggers: Int
    /// Stored procedures and functions (MySQL; always 0 on SQLite).
    public var routines: Int
    /// Indexes, including primary and unique keys (SQLite counts only indexes it stores separately).
    public var indexes: Int
    /// Rows per base table.
    public var rows: [String: Int]

    /// Reads the inventory of an environment's database.
    ///
    /// - Throws: the driver's error.
    public static func take(of environment: IsolatedEnvironment) async throws -> SchemaInventory {
        switch environment.backend {
        case .mysql: try await takeMySQL(environment)
        case .sqlite: try await takeSQLite(environment)
        }
    }

    private static func takeMySQL(_ environment: IsolatedEnvironment) async throws -> SchemaInventory {
        let db = environment.connection
        let name: DatabaseValue = .text(environment.databaseName)
        func count(_ sql: String) async throws -> Int {
            try await db.get(sql, [name])?.decode(Int.self, 0) ?? 0
        }
        let tables = try await db.all(
            "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE'", [name]
        )
        .map { try $0.decode(String.self, 0) }
        return SchemaInventory(
            backend: environment.backend.rawValue, database: environment.databaseName, tables: tables.count,
            views: try await count("SELECT COUNT(*) FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ?"),
            triggers: try await count("SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?"),
            routines: try await count("SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ?"),
            indexes: try await count(
                "SELECT COUNT(DISTINCT TABLE_NAME, INDEX_NAME) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ?"),
            rows: try await rowCounts(tables, quote: "`", in: db))
    }

    private static func takeSQLite(_ environment: IsolatedEnvironment) async throws -> SchemaInventory {
        let db = environment.connection
        let objects = try await db.all("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")
        var names: [String: [String]] = [:]
        for row in objects { names[try row.decode(String.self, "type"), default: []].append(try row.decode(String.self, "name")) }
        let tables = names["table"] ?? []
        return SchemaInventory(
            backend: environment.backend.rawValue, database: environment.databaseName, tables: tables.count,
            views: names["view"]?.count ?? 0, triggers: names["trigger"]?.count ?? 0, routines: 0,
            indexes: names["index"]?.count ?? 0, rows: try await rowCounts(tables, quote: "\"", in: db))
    }

    /// Table names come from the catalog, not from input; they are still quoted with the quote doubled.
    private static func rowCounts(_ tables: [String], quote: String, in db: any DatabaseConnection) async throws -> [String: Int] {
        var rows: [String: Int] = [:]
        for table in tables {
            let quoted = quote + table.replacingOccurrences(of: quote, with: quote + quote) + quote
            rows[table] = try await db.get("SELECT COUNT(*) FROM \(quoted)", [])?.decode(Int.self, 0) ?? 0
        }
        return rows
    }
}
