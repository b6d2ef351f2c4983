import TestEnvKit

/// What one benchmarked test does with its environment: insert a few rows into up to three tables
/// and read them back. Planned once per schema from a fresh environment, filling only the columns
/// that need a value and skipping tables where one of those is a foreign key, so it runs on any schema.
struct BenchWorkload: Sendable {
    struct Step: Sendable {
        let table: String
        let insert: String
        let values: @Sendable (Int) -> [DatabaseValue]
        let count: String
    }

    let steps: [Step]
    static let rowsPerTable = 3

    /// Runs the steps; `seed` keeps generated keys unique between runs on the same database.
    /// `checked`: the database is the test's own, so the counts must grow by exactly its rows (on a
    /// database tests share, other tests' rows come and go: the same statements run, unchecked).
    func run(on connection: any DatabaseConnection, seed: Int, checked: Bool = true) async throws {
        for step in steps {
            let before = try await connection.get(step.count, [])?.decode(Int.self, 0) ?? 0
            try await connection.run(step.insert, step.values(seed))
            let after = try await connection.get(step.count, [])?.decode(Int.self, 0) ?? 0
            guard after == before + Self.rowsPerTable || !checked else {
                throw BenchError("\(step.table) holds \(after) rows after inserting \(Self.rowsPerTable) into \(before)")
            }
        }
    }

    /// Finds up to three tables the workload can write, trying each on `env`.
    static func plan(on env: IsolatedEnvironment) async throws -> BenchWorkload {
        let tables = try await env.backend == .mysql ? mysqlTables(env) : sqliteTables(env)
        var steps: [Step] = []
        for (table, columns) in tables where steps.count < 3 {
            let step = makeStep(table: table, columns: columns, dialect: env.connection.dialect)
            do {
                try await BenchWorkload(steps: [step]).run(on: env.connection, seed: 1)
                steps.append(step)
            } catch {
                continue  // a CHECK constraint or trigger the generic values do not satisfy: try the next table
            }
        }
        return BenchWorkload(steps: steps)
    }

    struct Column {
        let name: String
        let type: String
        let maxLength: Int?
        let enumFirst: String?
    }

    private static func makeStep(table: String, columns: [Column], dialect: SQLDialect) -> Step {
        let quote: (String) -> String = { dialect == .mysql ? "`\($0)`" : "\"\($0)\"" }
        let list = columns.isEmpty ? "" : "(\(columns.map { quote($0.name) }.joined(separator: ", ")))"
        let row = columns.isEmpty ? (dialect == .mysql ? "()" : "DEFAULT VALUES") : "(\(columns.map { _ in "?" }.joined(separator: ", ")))"
        let insert: String
        if columns.isEmpty, dialect == .sqlite {
            // SQLite has no multi-row DEFAULT VALUES; three NULL rowids do the same.
            insert = "INSERT INTO \(quote(table)) (rowid) VALUES (NULL), (NULL), (NULL)"
        } else {
            insert = "INSERT INTO \(quote(table)) \(list) VALUES \(Array(repeating: row, count: rowsPerTable).joined(separator: ", "))"
        }
        return Step(
            table: table, insert: insert,
            values: { [kinds = columns.map(ValueKind.init)] seed in
                (0..<rowsPerTable).flatMap { index in kinds.map { $0.value(unique: seed * 10 + index) } }
            },
            count: "SELECT COUNT(*) FROM \(quote(table))")
    }

    /// How a column gets its values: decided once per column from its type, since every test of a
    /// suite run generates values, and the floor's tests too.
    private enum ValueKind {
        case fixed(DatabaseValue)
        case modulo(Int64)
        case key
        case blob(maxLength: Int)
        case text(maxLength: Int)

        init(_ column: Column) {
            let type = column.type.lowercased()
            let maxLength = column.maxLength ?? 64
            if let first = column.enumFirst {
                self = .fixed(.text(first))
            } else if type.contains("tinyint") || type == "bit" || type == "bool" || type == "boolean" {
                self = .modulo(100)
            } else if type.contains("smallint") {
                self = .modulo(30_000)
            } else if type.contains("int") {
                self = .key
            } else if ["decimal", "numeric", "float", "double", "real"].contains(where: type.contains) {
                self = .modulo(1000)
            } else if type.contains("datetime") || type.contains("timestamp") {
                self = .fixed(.text("2024-01-02 03:04:05"))
            } else if type.contains("date") {
                self = .fixed(.text("2024-01-02"))
            } else if type.contains("time") {
                self = .fixed(.text("01:02:03"))
            } else if type.contains("year") {
                self = .fixed(.integer(2024))
            } else if type.contains("json") {
                self = .fixed(.text("{}"))
            } else if type.contains("blob") || type.contains("binary") {
                self = .blob(maxLength: maxLength)
            } else {
                self = .text(maxLength: maxLength)
            }
        }

        /// A value of the column's type, unique per `unique` where the type allows.
        func value(unique: Int) -> DatabaseValue {
            let key = 1_000_000_000 + unique
            switch self {
            case .fixed(let value): return value
            case .modulo(let modulo): return .integer(Int64(unique) % modulo)
            case .key: return .integer(Int64(key))
            case .blob(let maxLength): return .blob(Array("b\(key)".utf8.prefix(maxLength)))
            case .text(let maxLength): return .text(String("b\(key)".prefix(maxLength)))
            }
        }
    }

    private static func mysqlTables(_ env: IsolatedEnvironment) async throws -> [(String, [Column])] {
        let name: DatabaseValue = .text(env.databaseName)
        // Required columns are filled with made-up values, which a foreign key would reject.
        let referencing = Set(
            try await env.connection.all(
                "SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = ? AND REFERENCED_TABLE_NAME IS NOT NULL",
                [name]
            ).map { "\(try $0.decode(String.self, 0)).\(try $0.decode(String.self, 1))" })
        let rows = try await env.connection.all(
            """
            SELECT c.TABLE_NAME, c.COLUMN_NAME, c.DATA_TYPE, c.COLUMN_TYPE, CAST(c.CHARACTER_MAXIMUM_LENGTH AS SIGNED)
            FROM information_schema.COLUMNS c
            JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME AND t.TABLE_TYPE = 'BASE TABLE'
            WHERE c.TABLE_SCHEMA = ? AND c.IS_NULLABLE = 'NO' AND c.COLUMN_DEFAULT IS NULL
              AND c.EXTRA NOT LIKE '%auto_increment%' AND c.EXTRA NOT LIKE '%GENERATED%'
            ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION
            """, [name])
        let all = try await env.connection.all(
            "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
            [name])
        var columns: [String: [Column]] = [:]
        for row in rows {
            let columnType = try row.decode(String.self, 3)
            let enumFirst =
                columnType.hasPrefix("enum(") || columnType.hasPrefix("set(")
                ? columnType.split(separator: "'").dropFirst().first.map(String.init) : nil
            columns[try row.decode(String.self, 0), default: []].append(
                Column(
                    name: try row.decode(String.self, 1), type: try row.decode(String.self, 2), maxLength: try row.decode(Int?.self, 4),
                    enumFirst: enumFirst))
        }
        return try all.map { try $0.decode(String.self, 0) }.map { ($0, columns[$0] ?? []) }.filter { table, required in
            !required.contains { referencing.contains("\(table).\($0.name)") }
        }
    }

    private static func sqliteTables(_ env: IsolatedEnvironment) async throws -> [(String, [Column])] {
        let db = env.connection
        let names = try await db.all(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
        )
        .map { try $0.decode(String.self, 0) }
        var result: [(String, [Column])] = []
        for table in names {
            let escaped = table.replacingOccurrences(of: "'", with: "''")
            let referencing = Set(
                try await db.all("SELECT \"from\" FROM pragma_foreign_key_list('\(escaped)')").map { try $0.decode(String.self, 0) })
            let info = try await db.all("SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info('\(escaped)')")
            let primaryKeys = try info.filter { try $0.decode(Int.self, 4) > 0 }
            let rowidAlias = try primaryKeys.count == 1 && primaryKeys[0].decode(String.self, 1).uppercased() == "INTEGER"
            var columns: [Column] = []
            for row in info {
                let required = try row.decode(Int.self, 2) == 1 && row[3] == .null
                let isRowid = try rowidAlias && row.decode(Int.self, 4) > 0
                let isKey = try row.decode(Int.self, 4) > 0
                guard required || isKey, !isRowid else { continue }
                columns.append(
                    Column(name: try row.decode(String.self, 0), type: try row.decode(String.self, 1), maxLength: nil, enumFirst: nil))
            }
            // Required columns get made-up values, which a foreign key would reject.
            if !columns.contains(where: { referencing.contains($0.name) }) { result.append((table, columns)) }
        }
        return result
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
