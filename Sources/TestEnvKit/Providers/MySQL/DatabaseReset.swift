import TestEnvCore
import TestEnvMySQL

/// Brings a used pooled database back to the state of a fresh one, doing only what the test
/// dirtied: one probe query finds the tables that hold rows or whose counter moved, the objects
/// that exist, the connections still using the database and, where the server counts them, the
/// rows changed per table; then empty tables are emptied (`DELETE`, or `TRUNCATE` for many rows
/// or a delete trigger) and tables with reference rows are refilled from the template. A counter
/// that moved is set back by `ALTER TABLE … AUTO_INCREMENT`: InnoDB lowers one only by DDL. The
/// database's ``ChangeBaseline`` (changed-row counts, else `UPDATE_TIME`s) rules out the reference
/// tables nobody wrote; the others are trimmed above the template's largest key and compared by
/// `CHECKSUM TABLE`, and only those that still differ are refilled.
enum DatabaseReset {
    enum Outcome: Equatable {
        /// The database is as fresh; `checksummed` reference tables were compared by checksum.
        /// `baseline` is for its next reset.
        case clean(checksummed: Int, baseline: ChangeBaseline)
        /// It cannot be reused: drop it.
        case discard(reason: String)
    }

    /// Resets `database` to `profile`. Runs on the admin connection, whose session has foreign
    /// key checks off and short lock waits (see ``TestEnvironmentManager``). `closedConnection`
    /// is the test's connection, closed already but perhaps still in the process list for a moment;
    /// it counts as using the database only while a statement of it still runs on the server.
    /// `baseline` is the database's ``ChangeBaseline`` from when it was last made ready, if noted.
    /// `admin` must use the time zone `+00:00`, so that `UPDATE_TIME` reads the same all year.
    ///
    /// `closedConnection` nil: nobody of ours just used the database (a claimed parked one); any
    /// connection still on it — most likely its previous process's, closing — gets the same grace.
    static func reset(
        _ database: String, to profile: DatabaseProfile, baseline: ChangeBaseline?, closedConnection: UInt?, admin: MySQLConnection
    ) async throws -> Outcome {
        var probe = try await self.probe(database, profile: profile, ignoring: closedConnection ?? 0, admin: admin)
        // The server sends a statement's last packet before it finishes with it, so the test's closed
        // connection can show its last command for a moment longer — on a loaded machine for hundreds
        // of milliseconds: give it up to a second, which costs less than the rebuild a drop would mean.
        let lingering = { (probe: Probe) in
            closedConnection.map { probe.otherConnections == [UInt64($0)] } ?? !probe.otherConnections.isEmpty
        }
        for attempt in 0..<40 where lingering(probe) {
            try await Task.sleep(for: .milliseconds(attempt < 10 ? 5 : 25))
            probe = try await self.probe(database, profile: profile, ignoring: closedConnection ?? 0, admin: admin)
        }
        if !probe.otherConnections.isEmpty { return .discard(reason: "another connection still uses it") }
        if probe.objects != profile.objects { return .discard(reason: "its tables or views differ from the schema's") }
        // A sequence the test advanced goes back to its start; one the schema itself advanced cannot be rewound exactly.
        let moved = profile.sequences.filter { probe.sequences[$0.key] != $0.value.next }
        if moved.contains(where: { !$0.value.isAtStart }) { return .discard(reason: "a sequence the schema had used has moved") }
        var (dirty, checksummed) = try await dirtyTables(
            probe, baseline: baseline, database: database, profile: profile, trimming: true, admin: admin)
        // The next baseline is the probe's, taken before any write of this reset: the tables the reset
        // writes then look changed to the next one, which can only make it compare more, and no
        // query is needed after the writes.
        let next = ChangeBaseline(readyAt: probe.serverTime, counts: probe.changeCounts)
        guard !dirty.isEmpty || !moved.isEmpty else { return .clean(checksummed: checksummed, baseline: next) }
        let reset =
            statements(resetting: dirty, in: database, profile: profile, probe: probe)
            + moved.keys.sorted().map { "ALTER SEQUENCE \(qualified($0, in: database)) RESTART" }
        try await admin.executeScript(reset.joined(separator: ";\n"))
        if profile.hasTriggers {
            // A refill may have fired a trigger; only a full comparison tells what it wrote.
            let again = try await self.probe(database, profile: profile, ignoring: closedConnection ?? 0, admin: admin)
            let (written, compared) = try await dirtyTables(
                again, baseline: nil, database: database, profile: profile, trimming: false, admin: admin)
            checksummed += compared
            if !written.isEmpty { return .discard(reason: "a trigger wrote rows while it was reset") }
        }
        return .clean(checksummed: checksummed, baseline: next)
    }

    struct Probe {
        var objects: [String: String] = [:]
        var counters: [String: Int64] = [:]
        var tablesWithRows: Set<String> = []
        /// Ids of connections using the database, besides the closed one while it sleeps or quits.
        var otherConnections: [UInt64] = []
        /// The rows changed per table; nil when the profile does not use them or `userstat` is off now.
        var changeCounts: ChangeCounts?
        /// Per table, its `UPDATE_TIME` in Unix seconds (nil inside: none).
        var stamps: [String: Int64?] = [:]
        /// The server's clock, in Unix seconds.
        var serverTime: Int64 = 0
        /// Per table, the server's estimate of its rows (InnoDB's is kept as rows come and go).
        var estimatedRows: [String: Int64] = [:]
        /// `next_not_cached_value` per sequence.
        var sequences: [String: Int64] = [:]
    }

    /// One round trip: objects, counters and `UPDATE_TIME`s, other connections, which tables hold a
    /// row, the server's clock and, where the profile uses them, the changed-row counts.
    static func probe(_ database: String, profile: DatabaseProfile, ignoring closedConnection: UInt, admin: MySQLConnection)
        async throws -> Probe
    {
        var sql = """
            SELECT 'o', TABLE_NAME, TABLE_TYPE, CAST(AUTO_INCREMENT AS SIGNED), CAST(UNIX_TIMESTAMP(UPDATE_TIME) AS SIGNED), CAST(TABLE_ROWS AS SIGNED) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?
            UNION ALL SELECT 'c', CAST(ID AS CHAR), NULL, NULL, NULL, NULL FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID() AND NOT (ID = ? AND COMMAND IN ('Sleep', 'Quit'))
            UNION ALL SELECT 't', '', NULL, CAST(UNIX_TIMESTAMP() AS SIGNED), NULL, NULL
            """
        var parameters: [DatabaseValue] = [.text(database), .text(database), .unsignedInteger(UInt64(closedConnection))]
        if profile.countsChanges {
            sql += """

                UNION ALL SELECT 'u', CAST(@@global.userstat AS CHAR), NULL, NULL, NULL, NULL
                UNION ALL SELECT 's', TABLE_NAME, NULL, CAST(ROWS_CHANGED AS SIGNED), NULL, NULL FROM information_schema.TABLE_STATISTICS WHERE TABLE_SCHEMA = ?
                """
            parameters.append(.text(database))
        }
        for table in profile.tables {
            sql += "\nUNION ALL (SELECT 'r', \(literal(table)), NULL, NULL, NULL, NULL FROM \(qualified(table, in: database)) LIMIT 1)"
        }
        for sequence in profile.sequences.keys.sorted() {
            sql +=
                "\nUNION ALL SELECT 'q', \(literal(sequence)), NULL, next_not_cached_value, NULL, NULL FROM \(qualified(sequence, in: database))"
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
                probe.stamps[name] = try row.decode(Int64?.self, 4)
                if let rows = try row.decode(Int64?.self, 5) { probe.estimatedRows[name] = rows }
            case "t": probe.serverTime = try row.decode(Int64.self, 3)
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
    ///
    /// With `trimming`, reference tables that need a checksum first lose their rows above the
    /// template's largest integer key, which are never the template's: a table a test only added
    /// rows to then checksums as fresh, instead of being compared row by row with the template.
    private static func dirtyTables(
        _ probe: Probe, baseline: ChangeBaseline?, database: String, profile: DatabaseProfile, trimming: Bool, admin: MySQLConnection
    ) async throws -> (tables: [String], checksummed: Int) {
        let isReference = { (table: String) in profile.referenceChecksums[table] != nil }
        // A table the schema leaves empty is dirty when it holds a row; a reference table when it holds none.
        var dirty = Set(profile.tables.filter { isReference($0) != probe.tablesWithRows.contains($0) })
        for (table, counter) in profile.counters where probe.counters[table] != counter { dirty.insert(table) }
        var unsure = Set(profile.referenceChecksums.keys).subtracting(dirty)
        if let baseline = baseline?.counts, let counts = probe.changeCounts, !unsure.isEmpty {
            unsure.formIntersection(counts.tablesChanged(since: baseline, among: profile.tables, cascades: profile.cascades))
        } else if let baseline, profile.usesUpdateTimes {
            unsure = baseline.tablesMaybeWritten(unsure, stamps: probe.stamps, now: probe.serverTime)
        }
        if trimming {
            let trims = unsure.sorted().compactMap { table -> String? in
                // A delete trigger must not fire.
                guard let key = profile.integerKeys[table], !profile.deleteTriggerTables.contains(table) else { return nil }
                return "DELETE FROM \(qualified(table, in: database)) WHERE \(quotedName(key.column)) > \(key.maxKey)"
            }
            if !trims.isEmpty { try await admin.executeScript(trims.joined(separator: ";\n")) }
        }
        if !unsure.isEmpty {
            for (table, checksum) in try await checksums(of: unsure.sorted(), in: database, admin: admin)
            where profile.referenceChecksums[table] != checksum {
                dirty.insert(table)
            }
        }
        return (dirty.sorted(), unsure.count)
    }

    /// Emptied tables with at most this many rows (by the server's estimate) are emptied by `DELETE`
    /// and a counter that moved is set back by `ALTER TABLE … AUTO_INCREMENT`: cheaper than the new
    /// file of a `TRUNCATE`, which wins for more rows.
    static let rowsDeletedRatherThanTruncated: Int64 = 100

    /// The statements that make `tables` as fresh: plain DML where it can, and one DDL to set back a
    /// counter that moved, since InnoDB lowers a counter only by DDL.
    private static func statements(resetting tables: [String], in database: String, profile: DatabaseProfile, probe: Probe)
        -> [String]
    {
        tables.flatMap { table -> [String] in
            let target = qualified(table, in: database)
            let counter = profile.counters[table]
            let restart = counter.map { "ALTER TABLE \(target) AUTO_INCREMENT = \($0)" }
            let counterMoved = probe.counters[table] != counter
            let setBack = counterMoved ? restart.map { [$0] } ?? [] : []
            if let template = profile.template, profile.referenceChecksums[table] != nil {
                if let keys = profile.keyColumns[table], !profile.deleteTriggerTables.contains(table) {
                    return refillByDifference(table, keys: keys, in: database, from: template, profile: profile) + setBack
                }
                let columns = (profile.writableColumns[table] ?? []).map(quotedName).joined(separator: ", ")
                return [
                    "TRUNCATE TABLE \(target)",
                    "INSERT INTO \(target) (\(columns)) SELECT \(columns) FROM \(qualified(table, in: template))",
                ] + (restart.map { [$0] } ?? [])
            }
            // A delete trigger must not fire; many rows cost a DELETE more than a new file.
            if profile.deleteTriggerTables.contains(table) || probe.estimatedRows[table] ?? .max > rowsDeletedRatherThanTruncated {
                // TRUNCATE restarts a counter at 1, not at a start value the schema set.
                var truncate = ["TRUNCATE TABLE \(target)"]
                if let restart, counter != 1 { truncate.append(restart) }
                return truncate
            }
            return ["DELETE FROM \(target)"] + setBack
        }
    }

    /// Restores a reference table whose rows are distinct (it has a primary key): removes the rows
    /// that differ from the template's and puts back the template's that are missing. Plain DML, no DDL: on a durable server a `TRUNCATE` costs milliseconds of
    /// file work. Rows match on equal keys first (the join's index), then on every writable column,
    /// byte for byte where it has a collation.
    private static func refillByDifference(
        _ table: String, keys: [String], in database: String, from template: String, profile: DatabaseProfile
    ) -> [String] {
        let (target, source) = (qualified(table, in: database), qualified(table, in: template))
        let columns = profile.writableColumns[table] ?? []
        let text = profile.textColumns[table] ?? []
        let first = quotedName(keys[0])
        let same = { (t: String) in
            (keys.map(quotedName).map { "\(t).\($0) = s.\($0)" }
                + columns.map { column in
                    let name = quotedName(column)
                    return text.contains(column) ? "BINARY \(t).\(name) <=> BINARY s.\(name)" : "\(t).\(name) <=> s.\(name)"
                }).joined(separator: " AND ")
        }
        let names = columns.map(quotedName)
        return [
            // A multi-table DELETE without a default database takes no alias for its target.
            "DELETE \(target) FROM \(target) LEFT JOIN \(source) s ON \(same(target)) WHERE s.\(first) IS NULL",
            "INSERT INTO \(target) (\(names.joined(separator: ", "))) SELECT \(names.map { "s.\($0)" }.joined(separator: ", ")) FROM \(source) s LEFT JOIN \(target) t ON \(same("t")) WHERE t.\(first) IS NULL",
        ]
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

    static func quotedName(_ name: String) -> String {
        "`\(name.replacingOccurrences(of: "`", with: "``"))`"
    }

    /// `text` as a MySQL string literal.
    static func literal(_ text: String) -> String {
        "'\(text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "''"))'"
    }
}
