import TestEnvCore
import TestEnvMySQL

/// How many rows the server counted as changed in each table of one database: MariaDB's
/// `information_schema.TABLE_STATISTICS`, kept while the global `userstat` is on.
///
/// A pool notes them when a database becomes ready; at its reset, a reference table whose count
/// moved was written and is refilled, and one whose count did not move is as the schema left it,
/// found without `CHECKSUM TABLE`, which reads every row. The counts miss what InnoDB changes by
/// itself (cascading foreign keys: ``DatabaseProfile/cascades`` covers those) and `TRUNCATE`
/// (an emptied reference table is caught by the reset's row probe).
///
/// Table names are compared in lower case: with `lower_case_table_names` set, the server may key
/// its statistics by the lowered name. Two tables differing only in case then share a count, which
/// can only make a reset do more.
struct ChangeCounts: Equatable, Sendable {
    /// Rows changed per lower-cased table name.
    private(set) var rows: [String: Int64] = [:]

    mutating func add(_ count: Int64, table: String) { rows[table.lowercased(), default: 0] += count }

    /// Whether the server keeps the counts now.
    static func areCounted(_ admin: MySQLConnection) async throws -> Bool {
        let row = try await admin.get("SHOW GLOBAL VARIABLES LIKE 'userstat'", [])
        return try row?.decode(String.self, 1).uppercased() == "ON"
    }

    /// The counts of `database`'s tables now.
    static func of(_ database: String, admin: MySQLConnection) async throws -> ChangeCounts {
        var counts = ChangeCounts()
        let sql = "SELECT TABLE_NAME, CAST(ROWS_CHANGED AS SIGNED) FROM information_schema.TABLE_STATISTICS WHERE TABLE_SCHEMA = ?"
        for row in try await admin.all(sql, [.text(database)]) {
            counts.add(try row.decode(Int64.self, 1), table: try row.decode(String.self, 0))
        }
        return counts
    }

    /// How many rows of `table` the server counted as changed since `baseline`; nil when unknown.
    func delta(of table: String, since baseline: ChangeCounts) -> Int64? {
        guard let now = rows[table.lowercased()] else { return baseline.rows[table.lowercased()] == nil ? 0 : nil }
        return now - (baseline.rows[table.lowercased()] ?? 0)
    }

    /// The tables written since `baseline`, with the tables their cascading foreign keys reach.
    /// `tables` holds the database's table names as the schema spells them.
    func tablesChanged(since baseline: ChangeCounts, among tables: [String], cascades: [String: Set<String>]) -> Set<String> {
        var changed = Set(tables.filter { rows[$0.lowercased()] != baseline.rows[$0.lowercased()] })  // nil: counts flushed
        var pending = Array(changed)
        while let table = pending.popLast() {
            for child in cascades[table] ?? [] where changed.insert(child).inserted { pending.append(child) }
        }
        return changed
    }
}
