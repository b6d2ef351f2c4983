import TestEnvCore
import TestEnvMySQL

/// What a freshly loaded MySQL database of one schema looks like, taken once per fingerprint:
/// its tables and views, each table's auto-increment counter, the checksums of tables the schema
/// fills with reference rows, and which tables have triggers. ``DatabaseReset`` compares a used
/// database against it.
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

    var hasReferenceRows: Bool { !referenceChecksums.isEmpty }

    /// Reads the profile of `database`, which was just loaded and nobody has used.
    static func take(of database: String, admin: MySQLConnection) async throws -> DatabaseProfile {
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
        let filled = try await DatabaseReset.tablesWithRows(profile.tables, in: database, admin: admin)
        profile.referenceChecksums = try await DatabaseReset.checksums(of: filled.sorted(), in: database, admin: admin)
        for row in try await admin.all(
            "SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND EXTRA NOT LIKE '%GENERATED%' ORDER BY TABLE_NAME, ORDINAL_POSITION",
            [.text(database)])
        where filled.contains(try row.decode(String.self, 0)) {
            profile.writableColumns[try row.decode(String.self, 0), default: []].append(try row.decode(String.self, 1))
        }
        for row in try await admin.all(
            "SELECT EVENT_OBJECT_TABLE, EVENT_MANIPULATION FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?", [.text(database)])
        {
            profile.hasTriggers = true
            if try row.decode(String.self, 1) == "DELETE" { profile.deleteTriggerTables.insert(try row.decode(String.self, 0)) }
        }
        return profile
    }
}

/// Brings a used pooled database back to the state of a fresh one, doing only what the test
/// dirtied: one probe query finds the tables that hold rows or whose counter moved, the objects
/// that exist and the connections still using the database; then empty tables are emptied
/// (`DELETE`, or `TRUNCATE` where the counter moved or a delete trigger exists) and tables with
/// reference rows are refilled from the template. `DELETE` alone would leave counters moved.
enum DatabaseReset {
    enum Outcome: Equatable {
        /// The database is as fresh; `resetTables` tables were reset.
        case clean(resetTables: Int)
        /// It cannot be reused: drop it.
        case discard(reason: String)
    }

    /// Resets `database` to `profile`. Runs on the admin connection, whose session has foreign
    /// key checks off and short lock waits (see ``TestEnvironmentManager``). `closedConnection`
    /// is the test's connection, closed already but perhaps still in the process list for a moment;
    /// it counts as using the database only while a statement of it still runs on the server.
    static func reset(_ database: String, to profile: DatabaseProfile, closedConnection: UInt, admin: MySQLConnection) async throws
        -> Outcome
    {
        let probe = try await self.probe(database, profile: profile, ignoring: closedConnection, admin: admin)
        if probe.otherConnections > 0 { return .discard(reason: "another connection still uses it") }
        if probe.objects != profile.objects { return .discard(reason: "its tables or views differ from the schema's") }
        let dirty = try await dirtyTables(probe, database: database, profile: profile, admin: admin)
        guard !dirty.isEmpty else { return .clean(resetTables: 0) }
        let reset = statements(resetting: dirty, in: database, profile: profile, counters: probe.counters)
        try await admin.executeScript(reset.joined(separator: ";\n"))
        if profile.hasTriggers {
            let again = try await self.probe(database, profile: profile, ignoring: closedConnection, admin: admin)
            if try await !dirtyTables(again, database: database, profile: profile, admin: admin).isEmpty {
                return .discard(reason: "a trigger wrote rows while it was reset")
            }
        }
        return .clean(resetTables: dirty.count)
    }

    struct Probe {
        var objects: [String: String] = [:]
        var counters: [String: Int64] = [:]
        var tablesWithRows: Set<String> = []
        var otherConnections = 0
    }

    /// One round trip: objects and counters, other connections, and which tables without reference rows hold one.
    static func probe(_ database: String, profile: DatabaseProfile, ignoring closedConnection: UInt, admin: MySQLConnection)
        async throws -> Probe
    {
        var sql = """
            SELECT 'o', TABLE_NAME, TABLE_TYPE, CAST(AUTO_INCREMENT AS SIGNED) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?
            UNION ALL SELECT 'c', CAST(ID AS CHAR), NULL, NULL FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID() AND NOT (ID = ? AND COMMAND IN ('Sleep', 'Quit'))
            """
        for table in profile.tables where profile.referenceChecksums[table] == nil {
            sql += "\nUNION ALL (SELECT 'r', \(literal(table)), NULL, NULL FROM \(qualified(table, in: database)) LIMIT 1)"
        }
        var probe = Probe()
        for row in try await admin.all(sql, [.text(database), .text(database), .unsignedInteger(UInt64(closedConnection))]) {
            let name = try row.decode(String.self, 1)
            switch try row.decode(String.self, 0) {
            case "o":
                probe.objects[name] = try row.decode(String.self, 2)
                if let counter = try row.decode(Int64?.self, 3) { probe.counters[name] = counter }
            case "c": probe.otherConnections += 1
            default: probe.tablesWithRows.insert(name)
            }
        }
        return probe
    }

    private static func dirtyTables(_ probe: Probe, database: String, profile: DatabaseProfile, admin: MySQLConnection) async throws
        -> [String]
    {
        var dirty = Set(probe.tablesWithRows)
        for (table, counter) in profile.counters where probe.counters[table] != counter { dirty.insert(table) }
        let reference = profile.referenceChecksums.keys.filter { !dirty.contains($0) }.sorted()
        if !reference.isEmpty {
            for (table, checksum) in try await checksums(of: reference, in: database, admin: admin)
            where profile.referenceChecksums[table] != checksum {
                dirty.insert(table)
            }
        }
        return dirty.sorted()
    }

    private static func statements(
        resetting tables: [String], in database: String, profile: DatabaseProfile, counters: [String: Int64]
    ) -> [String] {
        tables.flatMap { table -> [String] in
            let target = qualified(table, in: database)
            if let template = profile.template, profile.referenceChecksums[table] != nil {
                let columns = (profile.writableColumns[table] ?? []).map(quotedName).joined(separator: ", ")
                var refill = [
                    "TRUNCATE TABLE \(target)",
                    "INSERT INTO \(target) (\(columns)) SELECT \(columns) FROM \(qualified(table, in: template))",
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
