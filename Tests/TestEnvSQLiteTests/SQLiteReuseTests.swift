import Foundation
import TestEnvCore
@_spi(TestEnvDrivers) import TestEnvSQLite
import Testing

/// `recordChangesForReuse()` and `reclaim()`: a reused connection's database must equal a new copy
/// of the template — every row, rowids and value types included — whatever the test wrote.
@Suite struct SQLiteReuseTests {
    /// Every kind of table the undo log meets: an INTEGER PRIMARY KEY, a rowid table keyed by
    /// something else, one without a key, AUTOINCREMENT, cascades, a trigger writing elsewhere,
    /// a unique column, a self-reference and a WITHOUT ROWID table.
    static let schema = """
        CREATE TABLE artist (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, score REAL);
        CREATE TABLE album (id INTEGER PRIMARY KEY, artist_id INTEGER NOT NULL REFERENCES artist(id) ON DELETE CASCADE ON UPDATE CASCADE, title TEXT);
        CREATE TABLE playlist_track (playlist INTEGER NOT NULL, track INTEGER NOT NULL, PRIMARY KEY (playlist, track));
        CREATE TABLE note (body TEXT, data BLOB);
        CREATE TABLE note_archive (body TEXT, data BLOB);
        CREATE TABLE event (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT);
        CREATE TABLE audit (what TEXT);
        CREATE TABLE employee (id INTEGER PRIMARY KEY, boss INTEGER REFERENCES employee(id));
        CREATE TABLE setting (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
        CREATE TRIGGER artist_audit AFTER DELETE ON artist BEGIN INSERT INTO audit (what) VALUES ('deleted ' || old.name); END;
        CREATE TRIGGER event_audit AFTER INSERT ON event BEGIN UPDATE note SET body = body || '!' WHERE rowid = 1; END;
        INSERT INTO artist (id, name, score) VALUES (1, 'AC/DC', 9.5), (2, 'Accept', 7), (3, 'Aerosmith', NULL);
        INSERT INTO album (id, artist_id, title) VALUES (1, 1, 'Back in Black'), (2, 1, 'Highway to Hell'), (3, 2, 'Balls to the Wall');
        INSERT INTO playlist_track (playlist, track) VALUES (1, 10), (1, 11), (2, 10), (3, 30);
        INSERT INTO note (body, data) VALUES ('first', x'00ff'), ('second', NULL), ('third', x'');
        INSERT INTO note_archive (body, data) VALUES ('archived', x'01');
        INSERT INTO event (kind) VALUES ('a'), ('b');
        DELETE FROM event WHERE kind = 'b';
        INSERT INTO employee (id, boss) VALUES (1, NULL), (2, 1), (3, 2);
        INSERT INTO setting (key, value) VALUES ('mode', 'test');
        """

    /// The same tables without triggers: rows a test only added are then undone with foreign keys on.
    static let schemaWithoutTriggers = schema.split(separator: "\n").filter { !$0.contains("TRIGGER") }.joined(separator: "\n")

    private func copy(confined: Bool = true, schema: String = schema) async throws -> SQLiteConnection {
        let template = try await SQLiteConnection.open()
        try await template.executeScript(schema)
        let image = try await template.image()
        await template.close()
        let db = try await SQLiteConnection.open(SQLiteConfiguration(confinesToDatabase: confined), copying: image)
        #expect(await db.recordChangesForReuse())
        return db
    }

    /// Each table's rows in rowid order with their rowids (key order for WITHOUT ROWID), and the schema version.
    private func contents(_ db: SQLiteConnection) async throws -> [String] {
        var lines: [String] = []
        let tables = try await db.all(
            "SELECT name, (SELECT wr FROM pragma_table_list WHERE name = m.name) FROM sqlite_schema AS m WHERE type = 'table' ORDER BY name"
        )
        for table in tables {
            let name = try table.decode(String.self, 0)
            let withoutRowid = try table.decode(Int.self, 1) == 1
            let rows = try await db.all(withoutRowid ? "SELECT * FROM \"\(name)\"" : "SELECT rowid, * FROM \"\(name)\" ORDER BY rowid")
            lines.append("\(name): " + rows.map { "\($0.values)" }.joined(separator: " | "))
        }
        let version = try await db.get("PRAGMA schema_version")
        lines.append("schema_version \(String(describing: version?.values))")
        return lines
    }

    private func expectRestored(_ writes: String, schema: String = schema, sourceLocation: SourceLocation = #_sourceLocation)
        async throws
    {
        let expected = try await contents(try await copy(schema: schema))
        let db = try await copy(schema: schema)
        try await db.executeScript(writes)
        #expect(
            try await contents(db) != expected, "the writes changed nothing, so the test proves nothing", sourceLocation: sourceLocation)
        let successor = try #require(await db.reclaim(), "the connection was not reclaimed", sourceLocation: sourceLocation)
        #expect(try await contents(successor) == expected, sourceLocation: sourceLocation)
        // A second round on the same connection starts from the template too.
        try await successor.executeScript(writes)
        let third = try #require(await successor.reclaim(), sourceLocation: sourceLocation)
        #expect(try await contents(third) == expected, sourceLocation: sourceLocation)
        await third.close()
    }

    @Test(
        "Reclaiming undoes every kind of row change exactly, rowids included",
        arguments: [
            "INSERT INTO artist (name) VALUES ('new'); INSERT INTO album (artist_id, title) VALUES (last_insert_rowid(), 'x')",
            "UPDATE artist SET score = score + 1, name = name || '!'",
            "DELETE FROM artist WHERE id = 1",  // cascades to album, the trigger writes audit
            "DELETE FROM artist",  // no WHERE: not the truncate shortcut, which would bypass the hook
            "UPDATE artist SET id = 10 WHERE id = 2",  // a row moves to another rowid, its albums follow
            "DELETE FROM playlist_track WHERE playlist = 1; INSERT INTO playlist_track VALUES (1, 10)",  // same key, new rowid
            "DELETE FROM note WHERE rowid = 2; INSERT INTO note (body) VALUES ('fourth')",
            "UPDATE note SET data = x'0102', body = 42 WHERE rowid = 3",  // a value changes type
            "DELETE FROM note; INSERT INTO note SELECT * FROM note_archive",  // SQLite copies identical tables record by record
            "INSERT INTO artist (id, name) VALUES (1, 'again') ON CONFLICT (id) DO UPDATE SET score = -1",
            "INSERT INTO event (kind) VALUES ('c'), ('d')",  // AUTOINCREMENT, and a trigger updating note
            "INSERT INTO employee (id, boss) VALUES (5, 6), (6, NULL)",  // a child added before its parent
            "INSERT INTO artist (name) VALUES ('n'); INSERT INTO album (artist_id, title) VALUES (last_insert_rowid(), 'a'), (last_insert_rowid(), 'b')",
            "UPDATE sqlite_sequence SET seq = 100",
            "DELETE FROM event",  // undoing inserts into event, whose trigger must not fire then
            "REPLACE INTO artist (id, name) VALUES (2, 'AC/DC')",  // replaces two rows: by key and by the unique name
            "UPDATE artist SET name = 'tmp' WHERE id = 1; UPDATE artist SET name = 'AC/DC' WHERE id = 2; UPDATE artist SET name = 'Accept' WHERE id = 1",
            "PRAGMA foreign_keys; INSERT INTO employee (id, boss) VALUES (4, 3); DELETE FROM employee WHERE id = 4; UPDATE employee SET boss = NULL; DELETE FROM employee WHERE id < 3",
            "BEGIN; DELETE FROM note; SAVEPOINT s; INSERT INTO note VALUES ('x', NULL); ROLLBACK TO s; RELEASE s; COMMIT",
            "BEGIN; DELETE FROM artist WHERE id = 3; ROLLBACK; UPDATE artist SET score = 0 WHERE id = 3",
            "BEGIN; INSERT INTO artist (name) VALUES ('left open'); DELETE FROM album",  // the test never commits
        ])
    func restoresRows(writes: String) async throws {
        try await expectRestored(writes)
    }

    @Test(
        "Rows a test only added are undone too when foreign keys must stay on, also a parent added after its child",
        arguments: [
            "INSERT INTO artist (name) VALUES ('n'); INSERT INTO album (artist_id, title) VALUES (last_insert_rowid(), 'a'), (last_insert_rowid(), 'b')",
            "INSERT INTO employee (id, boss) VALUES (4, 3), (5, 4)",
            "INSERT INTO employee (id, boss) VALUES (5, 6), (6, NULL)",  // newest first would delete the parent first
            "INSERT INTO event (kind) VALUES ('c'); INSERT INTO note_archive VALUES ('x', NULL)",
            "BEGIN; INSERT INTO artist (name) VALUES ('rolled back'); ROLLBACK; INSERT INTO artist (name) VALUES ('kept')",
        ])
    func restoresInsertions(writes: String) async throws {
        try await expectRestored(writes, schema: Self.schemaWithoutTriggers)
    }

    @Test("A reference the test kept is closed after reclaiming, and cannot reach the next test's database")
    func staleReference() async throws {
        let db = try await copy()
        try await db.run("INSERT INTO artist (name) VALUES ('mine')")
        let successor = try #require(await db.reclaim())
        await #expect(throws: SQLiteError.self) { try await db.run("DELETE FROM artist") }
        #expect(try await successor.get("SELECT COUNT(*) FROM artist")?.decode(Int.self, 0) == 3)
        await successor.close()
    }

    @Test("Prepared statements survive reclaiming: the schema is not parsed again")
    func keepsStatements() async throws {
        let db = try await copy()
        _ = try await db.all("SELECT * FROM artist WHERE id = ?", [.integer(1)])
        try await db.run("INSERT INTO artist (name) VALUES (?)", ["cached"])
        let successor = try #require(await db.reclaim())
        #expect(await successor.cachedStatementCount == 2)
        #expect(try await successor.all("SELECT * FROM artist WHERE id = ?", [.integer(1)]).count == 1)
        await successor.close()
    }

    @Test(
        "What rows cannot express is not reused: the connection is closed instead",
        arguments: [
            "CREATE TABLE extra (x)", "DROP TABLE audit", "ALTER TABLE note ADD COLUMN extra", "CREATE INDEX note_body ON note (body)",
            "CREATE TEMP TABLE scratch (x)", "CREATE TEMP TRIGGER t AFTER INSERT ON note BEGIN SELECT 1; END",
            "CREATE VIEW v AS SELECT 1", "PRAGMA foreign_keys = OFF", "PRAGMA user_version = 7", "PRAGMA recursive_triggers = 1",
            "ANALYZE", "VACUUM", "INSERT INTO setting VALUES ('other', 'x')", "UPDATE setting SET value = 'prod'",
        ])
    func unrestorable(writes: String) async throws {
        let db = try await copy(confined: false)  // VACUUM attaches, which a confined connection refuses
        try await db.executeScript(writes)
        #expect(await db.reclaim() == nil)
        await #expect(throws: SQLiteError.self) { try await db.run("SELECT 1") }
    }

    @Test("Reading a WITHOUT ROWID table, reading pragmas and failed statements keep the connection reusable")
    func harmless() async throws {
        let db = try await copy()
        _ = try await db.all("SELECT * FROM setting")
        _ = try await db.all("PRAGMA table_info(artist)")
        _ = try await db.all("SELECT * FROM pragma_foreign_key_list('album')")
        await #expect(throws: SQLiteError.self) { try await db.run("INSERT INTO artist (id, name) VALUES (1, 'duplicate')") }
        let reason = await db.unrestorableBecause
        #expect(reason == nil)
        let successor = try #require(await db.reclaim())
        await successor.close()
    }

    @Test("A database shared with other connections is not reused: their writes are not recorded")
    func shared() async throws {
        let db = try await copy()
        _ = try await db.shareInMemory(as: "reuse-\(UUID().uuidString)")
        #expect(await db.reclaim() == nil)
    }

    @Test("More changed rows than undoing is worth: the connection is closed instead")
    func tooManyRows() async throws {
        let db = try await copy()
        try await db.run(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20001) INSERT INTO note (body) SELECT i FROM n")
        #expect(await db.unrestorableBecause != nil)
        #expect(await db.reclaim() == nil)
    }

    @Test("Schemas with virtual tables are not recorded: their state is more than rows")
    func virtualTables() async throws {
        let template = try await SQLiteConnection.open()
        try await template.executeScript("CREATE VIRTUAL TABLE docs USING fts5(body); INSERT INTO docs VALUES ('hello');")
        let image = try await template.image()
        await template.close()
        let db = try await SQLiteConnection.open(SQLiteConfiguration(), copying: image)
        #expect(await db.recordChangesForReuse() == false)
        #expect(await db.reclaim() == nil)
    }
}
