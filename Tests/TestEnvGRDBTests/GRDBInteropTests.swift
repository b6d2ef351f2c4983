import Foundation
import GRDB
import TestEnvKitTesting
import TestEnvTestSupport
import Testing

// Application code written with GRDB, as a user's app would have it.

/// A note, stored with GRDB's record protocols.
struct Note: Codable, FetchableRecord, PersistableRecord, Equatable {
    var id: Int64?
    var authorId: Int64
    var body: String

    static let databaseTableName = "notes"
    enum CodingKeys: String, CodingKey {
        case id, body
        case authorId = "author_id"
    }

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// The code under test: it knows only GRDB's `DatabaseWriter`.
struct NoteStore {
    let database: any DatabaseWriter

    func add(_ body: String, by author: Int64) async throws -> Note {
        try await database.write { db in
            try Note(id: nil, authorId: author, body: body).inserted(db)
        }
    }

    func notes(by author: Int64) async throws -> [Note] {
        try await database.read { db in
            try Note.filter(Column("author_id") == author).order(Column("id")).fetchAll(db)
        }
    }
}

// The tests: TestEnvKit makes the database and seeds it; GRDB runs the app code against it.

let notesSchema = Schema(sqlite: [
    .text(
        """
        CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
        CREATE TABLE notes (id INTEGER PRIMARY KEY, author_id INTEGER NOT NULL REFERENCES authors(id), body TEXT NOT NULL);
        """, name: "notes.sql")
])

extension Factory {
    static let author = Factory("authors", ["name": .sequence { .text("Author \($0)") }])
}

/// GRDB is SQLite's: these tests ask for SQLite whatever `TEST_DB_TYPE` says.
func sqliteManager(path: String = ":memory:") -> TestEnvironmentManager {
    var configuration = (try? TestEnvConfiguration.fromEnvironment()) ?? TestEnvConfiguration()
    configuration.backend = .sqlite
    configuration.sqlitePath = path
    return TestEnvironmentManager(configuration: configuration)
}

@Suite struct GRDBInteropTests {
    @Test(
        "GRDB's DatabaseQueue opens an in-memory environment: rows seeded by our factories and rows the GRDB app code writes are one database"
    )
    func inMemoryEnvironment() async throws {
        let manager = sqliteManager()
        try await withIsolatedEnvironment(schema: notesSchema, manager: manager) { _ in }  // the template, so the next one is a clone
        try await withIsolatedEnvironment(schema: notesSchema, manager: manager) { env in
            let author = try await DataFactory(env).create(.author)
            let authorId = try author.decode(Int64.self, "id")
            let queue = try DatabaseQueue(path: try #require(try await env.connectionInfo.path))
            let store = NoteStore(database: queue)
            let note = try await store.add("written through GRDB", by: authorId)
            let noteId = try #require(note.id)
            // Our connection sees GRDB's row; GRDB sees ours.
            #expect(
                try await env.connection.get("SELECT body FROM notes WHERE id = ?", [.integer(noteId)])?.decode(String.self, 0) == note.body
            )
            _ = try await env.connection.run("INSERT INTO notes (author_id, body) VALUES (?, 'written by the test')", [.integer(authorId)])
            #expect(try await store.notes(by: authorId).map(\.body) == ["written through GRDB", "written by the test"])
            // Foreign keys hold for GRDB too (GRDB turns them on).
            await #expect(throws: DatabaseError.self) { _ = try await store.add("orphan", by: 999) }
            try queue.close()
        }
    }

    @Test("Each environment is its own database for GRDB too: a note written in one is not in another")
    func environmentsStayApart() async throws {
        let manager = sqliteManager()
        try await withIsolatedEnvironment(schema: notesSchema, manager: manager) { first in
            try await withIsolatedEnvironment(schema: notesSchema, manager: manager) { second in
                let firstPath = try #require(try await first.connectionInfo.path)
                let secondPath = try #require(try await second.connectionInfo.path)
                #expect(firstPath != secondPath)
                let author = try await DataFactory(first).create(.author).decode(Int64.self, "id")
                _ = try await NoteStore(database: try DatabaseQueue(path: firstPath)).add("only in the first", by: author)
                #expect(try await DatabaseQueue(path: secondPath).read { db in try Note.fetchCount(db) } == 0)
            }
        }
    }

    @Test("With DB_TEST_PATH each environment is a file GRDB opens by its path, and it is deleted with the environment")
    func fileEnvironment() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("testenv-grdb-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = try await withIsolatedEnvironment(schema: notesSchema, manager: sqliteManager(path: directory)) { env in
            let path = try #require(try await env.connectionInfo.path)
            #expect(path.hasPrefix(directory))
            let author = try await DataFactory(env).create(.author).decode(Int64.self, "id")
            let pool = try DatabasePool(path: path)  // WAL mode, as an app would open it
            _ = try await NoteStore(database: pool).add("in a file", by: author)
            #expect(try await env.connection.get("SELECT COUNT(*) FROM notes")?.decode(Int.self, 0) == 1)
            try pool.close()
            return path
        }
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}
