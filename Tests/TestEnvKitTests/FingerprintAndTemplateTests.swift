import Foundation
import TestEnvCore
import TestEnvSQLite
import TestEnvTestSupport
import Testing

@testable import TestEnvKit

@Suite struct SchemaFingerprintTests {
    @Test("SHA-256 matches the FIPS 180-4 test vectors")
    func sha256Vectors() {
        var empty = SHA256()
        #expect(empty.finalizeHex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        var abc = SHA256()
        abc.update("abc".utf8)
        #expect(abc.finalizeHex() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        var twoBlocks = SHA256()
        twoBlocks.update("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(twoBlocks.finalizeHex() == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test("The fingerprint ignores line endings but not text, backend, server version or order")
    func whatTheFingerprintCovers() throws {
        let a = SchemaScript.text("CREATE TABLE a (id INT);\nCREATE TABLE b (id INT);")
        let crlf = SchemaScript.text("CREATE TABLE a (id INT);\r\nCREATE TABLE b (id INT);")
        let b = SchemaScript.text("CREATE TABLE b (id INT);")
        func print(_ scripts: [SchemaScript], _ backend: DatabaseBackend = .sqlite, version: String = "1") throws -> SchemaFingerprint {
            try SchemaFingerprint(Schema(mysql: scripts, sqlite: scripts), backend: backend, serverVersion: version)
        }
        #expect(try print([a]) == print([crlf]))
        #expect(try print([a]) != print([b]))
        #expect(try print([a, b]) != print([b, a]))
        #expect(try print([a]) != print([a], .mysql))
        #expect(try print([a]) != print([a], version: "2"))
    }

    @Test("Editing a schema file yields a new fingerprint, and the next environment has the new schema")
    func editedFileIsNotServedStale() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("testenv-fingerprint-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("schema.sql")
        try "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);".write(to: file, atomically: true, encoding: .utf8)
        let schema = Schema(mysql: [.file(file.path)], sqlite: [.file(file.path)])
        let manager = KitTests.manager()
        let before = try await withIsolatedEnvironment(schema: schema, manager: manager) { env in env.fingerprint }
        try "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT, pinned INTEGER);".write(to: file, atomically: true, encoding: .utf8)
        let (after, pinned) = try await withIsolatedEnvironment(schema: schema, manager: manager) { env in
            try await env.connection.run("INSERT INTO notes (id, body, pinned) VALUES (1, 'x', 1)")  // fails on the old schema
            return (env.fingerprint, try await env.connection.get("SELECT pinned FROM notes")?.decode(Int.self, 0))
        }
        #expect(before != nil)
        #expect(after != nil)
        #expect(before != after)
        #expect(pinned == 1)
        await manager.shutdown()
    }
}

@Suite struct SQLiteTemplateTests {
    private let schema = Schema(sqlite: [.file(FixturePaths.exampleSchema("sqlite")), .text(sqliteExtras, name: "extras.sql")])

    private func sqliteManager(_ isolation: IsolationMode) -> TestEnvironmentManager {
        KitTests.manager {
            $0.backend = .sqlite
            $0.isolation = isolation
            $0.sqlitePath = ":memory:"
        }
    }

    private func snapshot(_ db: any DatabaseConnection) async throws -> [String] {
        var lines = try await db.all("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name").map { "\($0.values)" }
        for table in ["merchants", "users", "colours"] {
            lines += try await db.all("SELECT * FROM \(table)").map { "\(table): \($0.values)" }
        }
        lines += try await db.all("SELECT * FROM sqlite_sequence ORDER BY name").map { "seq: \($0.values)" }
        return lines
    }

    @Test("A cloned SQLite environment is indistinguishable from one that ran the scripts, and independent of other clones")
    func cloneEqualsScripts() async throws {
        let cloning = sqliteManager(.pooled)
        let running = sqliteManager(.fresh)
        let clone = try await cloning.createIsolatedEnvironment(schema: schema)
        let built = try await running.createIsolatedEnvironment(schema: schema)
        #expect(clone.fingerprint != nil)
        #expect(built.fingerprint == nil)
        let expected = try await snapshot(built.connection)
        #expect(expected.contains { $0.hasPrefix("colours:") })
        #expect(try await snapshot(clone.connection) == expected)
        try await clone.connection.run("INSERT INTO merchants (name) VALUES ('one')")
        let second = try await cloning.createIsolatedEnvironment(schema: schema)
        #expect(try await snapshot(second.connection) == expected, "a clone must not see another clone's rows")
        let id = try await second.connection.run("INSERT INTO merchants (name) VALUES ('first')").lastInsertID
        #expect(id == 1)
        let foreignKeys = try await second.connection.get("PRAGMA foreign_keys")?.decode(Int.self, 0)
        #expect(foreignKeys == 1)
        for env in [clone, second] { try await cloning.cleanupEnvironment(env) }
        try await running.cleanupEnvironment(built)
    }

    @Test("The next test of the schema reuses a finished test's connection, its rows undone; one whose schema a test changed is not reused")
    func reusedConnections() async throws {
        let manager = sqliteManager(.pooled)
        let running = sqliteManager(.fresh)
        let built = try await running.createIsolatedEnvironment(schema: schema)
        let expected = try await snapshot(built.connection)
        try await running.cleanupEnvironment(built)
        func cachedStatements(_ env: IsolatedEnvironment) async throws -> Int {
            try await #require(env.connection as? SQLiteConnection).cachedStatementCount
        }

        let first = try await manager.createIsolatedEnvironment(schema: schema)
        #expect(try await cachedStatements(first) == 0)
        try await first.connection.run("INSERT INTO merchants (name) VALUES ('one')")
        try await first.connection.run("UPDATE colours SET name = 'black' WHERE id = 1")
        try await manager.cleanupEnvironment(first)
        await #expect(throws: SQLiteError.self, "the finished test's connection must be closed") {
            try await first.connection.run("DELETE FROM merchants")
        }

        let second = try await manager.createIsolatedEnvironment(schema: schema)
        #expect(try await cachedStatements(second) == 2, "the first test's statements are still prepared: the connection was reused")
        #expect(try await snapshot(second.connection) == expected)
        #expect(try await second.connection.run("INSERT INTO merchants (name) VALUES ('first')").lastInsertID == 1)
        try await second.connection.run("CREATE TABLE scratch (x)")
        try await manager.cleanupEnvironment(second)

        let third = try await manager.createIsolatedEnvironment(schema: schema)
        #expect(try await cachedStatements(third) == 0, "a connection whose schema changed is not reused")
        #expect(try await snapshot(third.connection) == expected)
        try await manager.cleanupEnvironment(third)
        await manager.shutdown()
        await running.shutdown()
    }

    @Test("In keep mode a cloned environment is a file with the schema in it")
    func cloneToFile() async throws {
        let manager = KitTests.manager {
            $0.backend = .sqlite
            $0.isolation = .pooled
            $0.keepsFailedEnvironments = true
        }
        let env = try await manager.createIsolatedEnvironment(schema: schema)
        let file = try #require(env.sqliteFile)
        #expect(FileManager.default.fileExists(atPath: file))
        #expect(try await env.connection.get("SELECT COUNT(*) FROM colours")?.decode(Int.self, 0) == 3)
        try await env.connection.run("INSERT INTO users (email) VALUES ('a@example.com')")
        try await manager.cleanupEnvironment(env)
        #expect(!FileManager.default.fileExists(atPath: file))
    }
}

private let sqliteExtras = """
    CREATE TABLE colours (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL);
    INSERT INTO colours (name) VALUES ('red'), ('green'), ('blue');
    CREATE VIEW user_emails AS SELECT email FROM users;
    CREATE TRIGGER colours_guard BEFORE DELETE ON colours BEGIN SELECT RAISE(ABORT, 'colours are fixed'); END;
    """

@Suite struct TemplateImageCacheTests {
    @Test("A SQLite template is kept on disk per fingerprint, and the next manager copies it instead of running the scripts")
    func nextManagerReadsTheKeptTemplate() async throws {
        let schema = Schema(sqlite: [
            .text("CREATE TABLE kept_\(UInt32.random(in: 0...UInt32.max)) (id INTEGER PRIMARY KEY)", name: "kept.sql")
        ])
        let first = KitTests.manager { $0.backend = .sqlite }
        let env = try await first.createIsolatedEnvironment(schema: schema)
        let fingerprint = try #require(env.fingerprint)
        try await first.cleanupEnvironment(env)
        let file = TemplateImageCache.directory.appendingPathComponent("\(fingerprint.value).sqlite")
        #expect(FileManager.default.fileExists(atPath: file.path), "the template should be written beside the others")
        // Replace the kept image with one that has a marker table: a manager that reads it shows the marker.
        let marked = try await SQLiteConnection.open()
        try await marked.executeScript("CREATE TABLE marker (id INTEGER)")
        TemplateImageCache.write(try await marked.image(), for: fingerprint)
        await marked.close()
        let second = KitTests.manager { $0.backend = .sqlite }
        let reused = try await second.createIsolatedEnvironment(schema: schema)
        let tables = try await reused.connection.all("SELECT name FROM sqlite_master WHERE type = 'table'").map {
            try $0.decode(String.self, 0)
        }
        #expect(tables == ["marker"])
        try await second.cleanupEnvironment(reused)
        try? FileManager.default.removeItem(at: file)
    }

    @Test("A template directory others may write to is not read: another user could plant a database under a fingerprint")
    func sharedDirectoryIsNotTrusted() async throws {
        let fingerprint = try SchemaFingerprint(
            Schema(sqlite: [.text("SELECT 2", name: "shared.sql")]), backend: .sqlite, serverVersion: "x")
        let source = try await SQLiteConnection.open()
        try await source.executeScript("CREATE TABLE planted (id INTEGER)")
        TemplateImageCache.write(try await source.image(), for: fingerprint)
        await source.close()
        #expect(TemplateImageCache.read(fingerprint) != nil)
        let path = TemplateImageCache.directory.path
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: path)
        let readWhileShared = TemplateImageCache.read(fingerprint)
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: path)
        #expect(readWhileShared == nil)
        try? FileManager.default.removeItem(at: TemplateImageCache.directory.appendingPathComponent("\(fingerprint.value).sqlite"))
    }

    @Test("A kept file that is not a database is ignored")
    func garbageIsIgnored() throws {
        let fingerprint = try SchemaFingerprint(
            Schema(sqlite: [.text("SELECT 1", name: "garbage.sql")]), backend: .sqlite, serverVersion: "x")
        TemplateImageCache.write(SQLiteImage(bytes: Array("not a database".utf8)), for: fingerprint)
        #expect(TemplateImageCache.read(fingerprint) == nil)
        try? FileManager.default.removeItem(at: TemplateImageCache.directory.appendingPathComponent("\(fingerprint.value).sqlite"))
    }
}
