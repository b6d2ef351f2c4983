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
    /// Per table, the tables whose rows its changes change too: foreign keys with `CASCADE`,
    /// `SET NULL` or `SET DEFAULT`, which InnoDB applies without counting them as changed rows.
    var cascades: [String: Set<String>] = [:]
    /// Per MariaDB sequence, its `next_not_cached_value` after loading and whether that is its start.
    var sequences: [String: (next: Int64, isAtStart: Bool)] = [:]
    /// Whether the server counts changed rows per table (MariaDB with `userstat` on), so a reset
    /// finds changed reference tables without checksumming them; see ``ChangeCounts``.
    var countsChanges = false

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
        for row in try await admin.all(
            """
            SELECT REFERENCED_TABLE_NAME, TABLE_NAME FROM information_schema.REFERENTIAL_CONSTRAINTS
            WHERE CONSTRAINT_SCHEMA = ? AND (DELETE_RULE NOT IN ('RESTRICT', 'NO ACTION') OR UPDATE_RULE NOT IN ('RESTRICT', 'NO ACTION'))
            """, [.text(database)])
        {
            profile.cascades[try row.decode(String.self, 0), default: []].insert(try row.decode(String.self, 1))
        }
        if countingChanges { profile.countsChanges = try await ChangeCounts.areCounted(admin) }
        return profile
    }
}

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

/// Brings a used pooled database back to the state of a fresh one, doing only what the test
/// dirtied: one probe query finds the tables that hold rows or whose counter moved, the objects
/// that exist, the connections still using the database and, where the server counts them, the
/// rows changed per table; then empty tables are emptied (`DELETE`, or `TRUNCATE` where the
/// counter moved or a delete trigger exists) and tables with reference rows are refilled from the
/// template. `DELETE` alone would leave counters moved. Reference tables are compared by
/// ``ChangeCounts`` when the database has a baseline, else by `CHECKSUM TABLE`.
enum DatabaseReset {
    enum Outcome: Equatable {
        /// The database is as fresh; `resetTables` tables were reset, `checksummed` reference tables
        /// were compared by checksum. `changeCounts` is the baseline for its next reset, when counted.
        case clean(resetTables: Int, checksummed: Int, changeCounts: ChangeCounts?)
        /// It cannot be reused: drop it.
        case discard(reason: String)
    }

    /// Resets `database` to `profile`. Runs on the admin connection, whose session has foreign
    /// key checks off and short lock waits (see ``TestEnvironmentManager``). `closedConnection`
    /// is the test's connection, closed already but perhaps still in the process list for a moment;
    /// it counts as using the database only while a statement of it still runs on the server.
    /// `baseline` is the database's ``ChangeCounts`` from when it was last made ready, if noted.
    static func reset(
        _ database: String, to profile: DatabaseProfile, baseline: ChangeCounts?, closedConnection: UInt, admin: MySQLConnection
    ) async throws -> Outcome {
        var probe = try await self.probe(database, profile: profile, ignoring: closedConnection, admin: admin)
        // The server sends a statement's last packet before it finishes with it, so the test's closed
        // connection can show its last command for a moment longer: give it 100 ms before giving up.
        for _ in 0..<10 where probe.otherConnections == [UInt64(closedConnection)] {
            try await Task.sleep(for: .milliseconds(10))
            probe = try await self.probe(database, profile: profile, ignoring: closedConnection, admin: admin)
        }
        if !probe.otherConnections.isEmpty { return .discard(reason: "another connection still uses it") }
        if probe.objects != profile.objects { return .discard(reason: "its tables or views differ from the schema's") }
        // A sequence the test advanced goes back to its start; one the schema itself advanced cannot be rewound exactly.
        let moved = profile.sequences.filter { probe.sequences[$0.key] != $0.value.next }
        if moved.contains(where: { !$0.value.isAtStart }) { return .discard(reason: "a sequence the schema had used has moved") }
        let baseline = probe.changeCounts == nil ? nil : baseline
        var (dirty, checksummed) = try await dirtyTables(probe, baseline: baseline, database: database, profile: profile, admin: admin)
        guard !dirty.isEmpty || !moved.isEmpty else {
            return .clean(resetTables: 0, checksummed: checksummed, changeCounts: probe.changeCounts)
        }
        let reset =
            statements(resetting: dirty, in: database, profile: profile, counters: probe.counters)
            + moved.keys.sorted().map { "ALTER SEQUENCE \(qualified($0, in: database)) RESTART" }
        try await admin.executeScript(reset.joined(separator: ";\n"))
        if profile.hasTriggers {
            // A refill may have fired a trigger; only a full comparison tells what it wrote.
            let again = try await self.probe(database, profile: profile, ignoring: closedConnection, admin: admin)
            let (written, compared) = try await dirtyTables(again, baseline: nil, database: database, profile: profile, admin: admin)
            checksummed += compared
            if !written.isEmpty { return .discard(reason: "a trigger wrote rows while it was reset") }
        }
        let counts = probe.changeCounts == nil ? nil : try await ChangeCounts.of(database, admin: admin)
        return .clean(resetTables: dirty.count, checksummed: checksummed, changeCounts: counts)
    }

    struct Probe {
        var objects: [String: String] = [:]
        var counters: [String: Int64] = [:]
        var tablesWithRows: Set<String> = []
        /// Ids of connections using the database, besides the closed one while it sleeps or quits.
        var otherConnections: [UInt64] = []
        /// The rows changed per table; nil when the profile does not use them or `userstat` is off now.
        var changeCounts: ChangeCounts?
        /// `next_not_cached_value` per sequence.
        var sequences: [String: Int64] = [:]
    }

    /// One round trip: objects and counters, other connections, which tables hold a row and, where
    /// the profile uses them, the changed-row counts.
    static func probe(_ database: String, profile: DatabaseProfile, ignoring closedConnection: UInt, admin: MySQLConnection)
        async throws -> Probe
    {
        var sql = """
            SELECT 'o', TABLE_NAME, TABLE_TYPE, CAST(AUTO_INCREMENT AS SIGNED) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?
            UNION ALL SELECT 'c', CAST(ID AS CHAR), NULL, NULL FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID() AND NOT (ID = ? AND COMMAND IN ('Sleep', 'Quit'))
            """
        var parameters: [DatabaseValue] = [.text(database), .text(database), .unsignedInteger(UInt64(closedConnection))]
        if profile.countsChanges {
            sql += """

                UNION ALL SELECT 'u', CAST(@@global.userstat AS CHAR), NULL, NULL
                UNION ALL SELECT 's', TABLE_NAME, NULL, CAST(ROWS_CHANGED AS SIGNED) FROM information_schema.TABLE_STATISTICS WHERE TABLE_SCHEMA = ?
                """
            parameters.append(.text(database))
        }
        for table in profile.tables {
            sql += "\nUNION ALL (SELECT 'r', \(literal(table)), NULL, NULL FROM \(qualified(table, in: database)) LIMIT 1)"
        }
        for sequence in profile.sequences.keys.sorted() {
            sql += "\nUNION ALL SELECT 'q', \(literal(sequence)), NULL, next_not_cached_value FROM \(qualified(sequence, in: database))"
        }
        var probe = Probe()
        var counted = ChangeCounts()
        var userstat = false
        for row in try await admin.all(sql, parameters) {
            let name = try row.decode(String.self, 1)
            switch try row.decode(String.self, 0) {
            case "o":
                probe.objects[name] = try row.decode(String.self, 2)
                if let counter = try row.decode(Int64?.self, 3) { probe.counters[name] = counter }
            case "c": probe.otherConnections.append(UInt64(name) ?? 0)
            case "u": userstat = name == "1" || name.uppercased() == "ON"
            case "s": counted.add(try row.decode(Int64.self, 3), table: name)
            case "q": probe.sequences[name] = try row.decode(Int64.self, 3)
            default: probe.tablesWithRows.insert(name)
            }
        }
        if userstat { probe.changeCounts = counted }
        return probe
    }

    /// The tables to reset, and how many reference tables were compared by checksum to find them.
    private static func dirtyTables(
        _ probe: Probe, baseline: ChangeCounts?, database: String, profile: DatabaseProfile, admin: MySQLConnection
    ) async throws -> (tables: [String], checksummed: Int) {
        let isReference = { (table: String) in profile.referenceChecksums[table] != nil }
        // A table the schema leaves empty is dirty when it holds a row; a reference table when it holds none.
        var dirty = Set(profile.tables.filter { isReference($0) != probe.tablesWithRows.contains($0) })
        for (table, counter) in profile.counters where probe.counters[table] != counter { dirty.insert(table) }
        var unsure = Set(profile.referenceChecksums.keys).subtracting(dirty)
        if let baseline, let counts = probe.changeCounts, !unsure.isEmpty {
            dirty.formUnion(unsure.intersection(counts.tablesChanged(since: baseline, among: profile.tables, cascades: profile.cascades)))
            unsure = []
        }
        if !unsure.isEmpty {
            for (table, checksum) in try await checksums(of: unsure.sorted(), in: database, admin: admin)
            where profile.referenceChecksums[table] != checksum {
                dirty.insert(table)
            }
        }
        return (dirty.sorted(), unsure.count)
    }

    private static func statements(
        resetting tables: [String], in database: String, profile: DatabaseProfile, counters: [String: Int64]
    ) -> [String] {
        tables.flatMap { table -> [String] in
            let target = qualified(table, in: database)
            if let template = profile.template, profile.referenceChecksums[table] != nil {
                let source = qualified(table, in: template)
                let names = (profile.writableColumns[table] ?? []).map(quotedName)
                let columns = names.joined(separator: ", ")
                if let keyNames = profile.keyColumns[table], let first = keyNames.first.map(quotedName),
                    counters[table] == profile.counters[table],
                    !profile.deleteTriggerTables.contains(table)
                {
                    // Distinct rows and an unmoved counter: remove the rows that differ from the template's
                    // and put back the template's that are missing. Plain DML, no DDL: on a durable server
                    // a TRUNCATE costs milliseconds of file work.
                    // (A multi-table DELETE without a default database takes no alias for its target.)
                    // Equal keys first (the join's index), then every column byte for byte where it has a collation.
                    let text = profile.textColumns[table] ?? []
                    let same = { (t: String) in
                        (keyNames.map(quotedName).map { "\(t).\($0) = s.\($0)" }
                            + zip(profile.writableColumns[table] ?? [], names).map { column, name in
                                text.contains(column) ? "BINARY \(t).\(name) <=> BINARY s.\(name)" : "\(t).\(name) <=> s.\(name)"
                            }).joined(separator: " AND ")
                    }
                    return [
                        "DELETE \(target) FROM \(target) LEFT JOIN \(source) s ON \(same(target)) WHERE s.\(first) IS NULL",
                        "INSERT INTO \(target) (\(columns)) SELECT \(names.map { "s.\($0)" }.joined(separator: ", ")) FROM \(source) s LEFT JOIN \(target) t ON \(same("t")) WHERE t.\(first) IS NULL",
                    ]
                }
                var refill = [
                    "TRUNCATE TABLE \(target)",
                    "INSERT INTO \(target) (\(columns)) SELECT \(columns) FROM \(source)",
                ]
                if let counter = profile.counters[table] { refill.append("ALTER TABLE \(target) AUTO_INCREMENT = \(counter)") }
                return refill
            }
            let counterMoved = counters[table] != profile.counters[table]
            return [counterMoved || profile.deleteTriggerTables.contains(table) ? "TRUNCATE TABLE \(target)" : "DELETE FROM \(target)"]
        }
    }

    /// The tables among `tables` that hold at least one row.
    static func tablesWithRows(_ tables: [String], in database: String, admin: MySQLConnection) async throws -> Set<String> {
        guard !tables.isEmpty else { return [] }
        let sql = tables.map { "(SELECT \(literal($0)) FROM \(qualified($0, in: database)) LIMIT 1)" }.joined(separator: " UNION ALL ")
        return Set(try await admin.all(sql, []).map { try $0.decode(String.self, 0) })
    }

    /// `CHECKSUM TABLE` of each table, by table name.
    static func checksums(of tables: [String], in database: String, admin: MySQLConnection) async throws -> [String: Int64] {
        guard !tables.isEmpty else { return [:] }
        let rows = try await admin.all("CHECKSUM TABLE " + tables.map { qualified($0, in: database) }.joined(separator: ", "), [])
        var result: [String: Int64] = [:]
        for (table, row) in zip(tables, rows) { result[table] = try row.decode(Int64?.self, 1) ?? -1 }
        return result
    }

    static func qualified(_ table: String, in database: String) -> String {
        "\(DatabaseName.quoted(database)).\(quotedName(table))"
    }

    private static func quotedName(_ name: String) -> String {
        "`\(name.replacingOccurrences(of: "`", with: "``"))`"
    }

    private static func literal(_ text: String) -> String {
        "'\(text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "''"))'"
    }
}
