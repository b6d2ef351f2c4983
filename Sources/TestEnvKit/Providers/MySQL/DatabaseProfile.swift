import TestEnvCore
import TestEnvMySQL

/// What a freshly loaded MySQL database of one schema looks like, taken once per fingerprint:
/// its tables and views, each table's auto-increment counter, the checksums of tables the schema
/// fills with reference rows, which tables have triggers, and which foreign keys cascade.
/// ``DatabaseReset`` compares a used database against it.
struct DatabaseProfile: Sendable {
    /// Every table and view, with its `TABLE_TYPE`.
    var objects: [String: String] = [:]
    /// Base tables, in name order.
    var tables: [String] = []
    /// `AUTO_INCREMENT` per table that has a counter.
    var counters: [String: Int64] = [:]
    /// `CHECKSUM TABLE` per table that holds rows after loading.
    var referenceChecksums: [String: Int64] = [:]
    /// Tables with a `DELETE` trigger: emptied with `TRUNCATE`, which fires none.
    var deleteTriggerTables: Set<String> = []
    /// Whether any trigger exists: restoring reference rows may fire one, so the reset checks again.
    var hasTriggers = false
    /// The database that holds the reference rows to restore from; nil when there are none.
    var template: String?
    /// Per reference table, its columns a refill writes (generated ones are computed again).
    var writableColumns: [String: [String]] = [:]
    /// Per reference table, its writable columns with a collation (and JSON ones): compared byte
    /// for byte by a refill, since `'red' = 'RED '` under a case-insensitive, space-padding
    /// collation, and MySQL compares JSON by value.
    var textColumns: [String: Set<String>] = [:]
    /// Per reference table with a primary key, its key columns in order: such a table's rows are
    /// distinct, so a refill can restore only the rows that differ.
    var keyColumns: [String: [String]] = [:]
    /// Per reference table whose primary key is one integer column: that column, and the template's
    /// row count and largest key. A reset removes rows above that key (never the template's) with a
    /// range delete before it checksums the table, so rows a test only added cost no row-by-row comparison.
    var integerKeys: [String: (column: String, rows: Int64, maxKey: Int64)] = [:]
    /// Per table, the tables whose rows its changes change too: foreign keys with `CASCADE`,
    /// `SET NULL` or `SET DEFAULT`, which InnoDB applies without counting them as changed rows.
    var cascades: [String: Set<String>] = [:]
    /// Per MariaDB sequence, its `next_not_cached_value` after loading and whether that is its start.
    var sequences: [String: (next: Int64, isAtStart: Bool)] = [:]
    /// Whether the server counts changed rows per table (MariaDB with `userstat` on), so a reset
    /// finds changed reference tables without checksumming them; see ``ChangeCounts``.
    var countsChanges = false
    /// Whether a reset may rule out reference tables by their `UPDATE_TIME` (``ChangeBaseline``)
    /// instead of checksumming them. Off only in tests of the checksum path.
    var usesUpdateTimes = true

    var hasReferenceRows: Bool { !referenceChecksums.isEmpty }

    /// Reads the profile of `database`, which was just loaded and nobody has used; with
    /// `countingChanges`, it uses the server's changed-row counts when the server keeps them.
    static func take(of database: String, admin: MySQLConnection, countingChanges: Bool) async throws -> DatabaseProfile {
        var profile = DatabaseProfile()
        for row in try await admin.all(
            "SELECT TABLE_NAME, TABLE_TYPE, AUTO_INCREMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?", [.text(database)])
        {
            let name = try row.decode(String.self, 0)
            let type = try row.decode(String.self, 1)
            profile.objects[name] = type
            guard type == "BASE TABLE" else { continue }
            profile.tables.append(name)
            if let counter = try row.decode(Int64?.self, 2) { profile.counters[name] = counter }
        }
        profile.tables.sort()
        for name in profile.objects.filter({ $0.value == "SEQUENCE" }).keys {
            let row = try await admin.get(
                "SELECT next_not_cached_value, start_value FROM \(DatabaseReset.qualified(name, in: database))", [])
            let next = try row?.decode(Int64.self, 0) ?? 0
            profile.sequences[name] = (next, next == (try row?.decode(Int64.self, 1) ?? 0))
        }
        let filled = try await DatabaseReset.tablesWithRows(profile.tables, in: database, admin: admin)
        profile.referenceChecksums = try await DatabaseReset.checksums(of: filled.sorted(), in: database, admin: admin)
        for row in try await admin.all(
            "SELECT TABLE_NAME, COLUMN_NAME, COLLATION_NAME IS NOT NULL OR DATA_TYPE = 'json' FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND EXTRA NOT LIKE '%GENERATED%' ORDER BY TABLE_NAME, ORDINAL_POSITION",
            [.text(database)])
        where filled.contains(try row.decode(String.self, 0)) {
            let (table, column) = (try row.decode(String.self, 0), try row.decode(String.self, 1))
            profile.writableColumns[table, default: []].append(column)
            if try row.decode(Int.self, 2) == 1 { profile.textColumns[table, default: []].insert(column) }
        }
        for row in try await admin.all(
            "SELECT EVENT_OBJECT_TABLE, EVENT_MANIPULATION FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?", [.text(database)])
        {
            profile.hasTriggers = true
            if try row.decode(String.self, 1) == "DELETE" { profile.deleteTriggerTables.insert(try row.decode(String.self, 0)) }
        }
        guard profile.hasReferenceRows else { return profile }
        for row in try await admin.all(
            "SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = ? AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY TABLE_NAME, ORDINAL_POSITION",
            [.text(database)])
        where filled.contains(try row.decode(String.self, 0)) {
            profile.keyColumns[try row.decode(String.self, 0), default: []].append(try row.decode(String.self, 1))
        }
        let integerTypes = ["tinyint", "smallint", "mediumint", "int", "bigint"]
        for row in try await admin.all(
            "SELECT TABLE_NAME, DATA_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND COLUMN_KEY = 'PRI'", [.text(database)])
        {
            let table = try row.decode(String.self, 0)
            guard let keys = profile.keyColumns[table], keys.count == 1, integerTypes.contains(try row.decode(String.self, 1).lowercased())
            else { continue }
            let extent = try await admin.get(
                "SELECT COUNT(*), COALESCE(MAX(\(DatabaseReset.quotedName(keys[0]))), 0) FROM \(DatabaseReset.qualified(table, in: database))",
                [])
            profile.integerKeys[table] = (keys[0], try extent?.decode(Int64.self, 0) ?? 0, try extent?.decode(Int64.self, 1) ?? 0)
        }
        for row in try await admin.all(
            """
            SELECT REFERENCED_TABLE_NAME, TABLE_NAME FROM information_schema.REFERENTIAL_CONSTRAINTS
            WHERE CONSTRAINT_SCHEMA = ? AND (DELETE_RULE NOT IN ('RESTRICT', 'NO ACTION') OR UPDATE_RULE NOT IN ('RESTRICT', 'NO ACTION'))
            """, [.text(database)])
        {
            profile.cascades[try row.decode(String.self, 0), default: []].insert(try row.decode(String.self, 1))
        }
        // Counts only tell reference tables apart: without any, a reset has no use for them.
        if countingChanges, profile.hasReferenceRows { profile.countsChanges = try await ChangeCounts.areCounted(admin) }
        return profile
    }
}
