import TestEnvCore
import TestEnvTestSupport
import Testing

@testable import TestEnvKit

/// Factories on a schema whose keys are not `id` and whose tables reference each other, as Sakila's do.
@Suite struct FactoryKeyTests {
    static let schema: Schema = {
        let tables = """
            CREATE TABLE language (language_id INTEGER PRIMARY KEY AUTO_INCREMENT, name VARCHAR(20) NOT NULL);
            CREATE TABLE film (film_id INTEGER PRIMARY KEY AUTO_INCREMENT, title VARCHAR(50) NOT NULL,
                language_id INTEGER NOT NULL REFERENCES language (language_id), FOREIGN KEY (language_id) REFERENCES language (language_id));
            CREATE TABLE store (store_id INTEGER PRIMARY KEY AUTO_INCREMENT, manager_staff_id INTEGER NOT NULL);
            CREATE TABLE staff (staff_id INTEGER PRIMARY KEY AUTO_INCREMENT, name VARCHAR(20) NOT NULL,
                store_id INTEGER NOT NULL, FOREIGN KEY (store_id) REFERENCES store (store_id));
            ALTER TABLE store ADD FOREIGN KEY (manager_staff_id) REFERENCES staff (staff_id);
            CREATE TABLE pair (a INTEGER NOT NULL, b INTEGER NOT NULL, PRIMARY KEY (a, b));
            CREATE TABLE pair_note (id INTEGER PRIMARY KEY AUTO_INCREMENT, a INTEGER NOT NULL);
            """
        let sqlite = """
            CREATE TABLE language (language_id INTEGER PRIMARY KEY, name TEXT NOT NULL);
            CREATE TABLE film (film_id INTEGER PRIMARY KEY, title TEXT NOT NULL, language_id INTEGER NOT NULL REFERENCES language (language_id));
            CREATE TABLE store (store_id INTEGER PRIMARY KEY, manager_staff_id INTEGER NOT NULL REFERENCES staff (staff_id));
            CREATE TABLE staff (staff_id INTEGER PRIMARY KEY, name TEXT NOT NULL, store_id INTEGER NOT NULL REFERENCES store (store_id));
            CREATE TABLE pair (a INTEGER NOT NULL, b INTEGER NOT NULL, PRIMARY KEY (a, b));
            CREATE TABLE pair_note (id INTEGER PRIMARY KEY, a INTEGER NOT NULL);
            """
        return Schema(mysql: [.text(tables, name: "sakila-like.sql")], sqlite: [.text(sqlite, name: "sakila-like.sql")])
    }()

    static let language = Factory("language", ["name": .sequence { .text("Language \($0)") }])
    static let film = Factory("film", ["title": .sequence { .text("Film \($0)") }, "language_id": .association(language)])
    static let pair = Factory("pair", ["a": .sequence { .integer(Int64($0)) }, "b": 1])

    @Test("An association takes the parent table's primary key (language_id), read from the schema, without key:")
    func associationUsesPrimaryKey() async throws {
        try await withIsolatedEnvironment(schema: Self.schema, manager: KitTests.manager()) { env in
            let film = try await DataFactory(env).create(Self.film)
            let language = try film.decode(Int64.self, "language_id")
            #expect(
                try await env.connection.get("SELECT name FROM language WHERE language_id = ?", [.integer(language)])?.decode(
                    String.self, 0) == "Language 1")
        }
    }

    @Test("A wrong key, or a parent with a composite key and no key:, fails before any parent row is written")
    func wrongKeyWritesNothing() async throws {
        // `async throws` spelt out: Swift decides whether a closure throws from its text, before `#expect` expands.
        try await withIsolatedEnvironment(schema: Self.schema, manager: KitTests.manager()) { env async throws in
            let factory = DataFactory(env)
            let misspelt = Factory("film", ["title": "x", "language_id": .association(Self.language, key: "languag_id")])
            let error = await #expect(throws: TestEnvError.self) { _ = try await factory.create(misspelt) }
            #expect(error?.code == .unknownColumn)
            #expect(error?.message.contains("language_id") == true, "suggests the closest column")
            let composite = Factory("pair_note", ["a": .association(Self.pair)])
            let refused = await #expect(throws: TestEnvError.self) { _ = try await factory.create(composite) }
            #expect(refused?.message.contains("key:") == true)
            #expect(try await env.connection.get("SELECT COUNT(*) FROM language")?.decode(Int.self, 0) == 0)
            #expect(try await env.connection.get("SELECT COUNT(*) FROM pair")?.decode(Int.self, 0) == 0)
        }
    }

    @Test(
        "Rows that reference each other (a store managed by its own staff) are written with foreign-key checks off for a moment, then on again"
    )
    func circularReferences() async throws {
        try await withIsolatedEnvironment(schema: Self.schema, manager: KitTests.manager()) { env in
            let factory = DataFactory(env)
            let store = Factory("store", ["manager_staff_id": 1])
            let staff = Factory("staff", ["name": .sequence { .text("Staff \($0)") }])
            let (storeID, staffID) = try await factory.withoutForeignKeyChecks { factory in
                let storeID = try await factory.create(store).decode(Int64.self, "store_id")
                let staffID = try await factory.create(staff, ["store_id": .integer(storeID)]).decode(Int64.self, "staff_id")
                _ = try await factory.connection.run(
                    "UPDATE store SET manager_staff_id = ? WHERE store_id = ?", [.integer(staffID), .integer(storeID)])
                return (storeID, staffID)
            }
            #expect(
                try await env.connection.get("SELECT manager_staff_id FROM store WHERE store_id = ?", [.integer(storeID)])?.decode(
                    Int64.self, 0) == staffID)
            // Checks are on again: a dangling reference is refused.
            await #expect(throws: (any Error).self) { _ = try await factory.create(staff, ["store_id": 999]) }
        }
    }
}
