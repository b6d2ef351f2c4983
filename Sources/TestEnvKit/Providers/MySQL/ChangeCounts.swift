import TestEnvCore
import TestEnvMySQL

/// How many rows the server counted as changed in each table of one database: MariaDB's
/// `information_schema.TABLE_STATISTICS`, kept while the global `userstat` is on.
///
/// A pool notes them when a database becomes ready (in its ``ChangeBaseline``); at its reset, a
/// reference table whose count moved was written and is compared with the template, and one whose
/// count did not move is as the schema left it, found without `CHECKSUM TABLE`, which reads every row. The counts miss what InnoDB changes by
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

/// What a pool notes when a database becomes ready, so that its next reset can tell which
/// reference tables were written since without `CHECKSUM TABLE`, which reads every row: the
/// server's clock then and, where the server keeps them, its ``ChangeCounts``.
///
/// The clock serves servers without `userstat` (most of them): InnoDB stamps a table's
/// `UPDATE_TIME` at each commit that changes a row of it — also through a cascading foreign key
/// or a trigger — in whole seconds, in memory. A reference table stamped before the second the
/// database became ready was not written since; one stamped in that second or later, or without a
/// stamp (after a restart, when the table left the server's cache, on an engine that keeps none),
/// is compared by checksum. `TRUNCATE` leaves the stamp; an emptied reference table is caught by the
/// reset's row probe. When the server's clock went back, every table is compared.
struct ChangeBaseline: Equatable, Sendable {
    /// The server's clock when the database was ready, in Unix seconds.
    var readyAt: Int64
    /// The changed-row counts then; nil when the server does not keep them or the profile does not use them.
    var counts: ChangeCounts? = nil

    /// The baseline of `database` now, in one round trip.
    static func take(of database: String, counting: Bool, admin: MySQLConnection) async throws -> ChangeBaseline {
        var sql = "SELECT NULL, CAST(UNIX_TIMESTAMP() AS SIGNED)"
        if counting {
            sql +=
                " UNION ALL SELECT TABLE_NAME, CAST(ROWS_CHANGED AS SIGNED) FROM information_schema.TABLE_STATISTICS WHERE TABLE_SCHEMA = ?"
        }
        var baseline = ChangeBaseline(readyAt: 0, counts: counting ? ChangeCounts() : nil)
        for row in try await admin.all(sql, counting ? [.text(database)] : []) {
            if let table = try row.decode(String?.self, 0) {
                baseline.counts?.add(try row.decode(Int64.self, 1), table: table)
            } else {
                baseline.readyAt = try row.decode(Int64.self, 1)
            }
        }
        return baseline
    }

    /// Among `tables`, those that may have been written since the baseline, by their `UPDATE_TIME`
    /// stamps (Unix seconds; nil inside: no stamp) and the server's clock now.
    func tablesMaybeWritten(_ tables: Set<String>, stamps: [String: Int64?], now: Int64) -> Set<String> {
        guard now >= readyAt else { return tables }
        return tables.filter { table in (stamps[table] ?? nil).map { $0 >= readyAt } ?? true }
    }
}
