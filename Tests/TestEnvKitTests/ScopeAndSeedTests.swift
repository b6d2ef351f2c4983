import Foundation
import Synchronization
import TestEnvKitTesting
import TestEnvTestSupport
import Testing

@testable import TestEnvKit

/// Seeded templates: every environment starts from schema + seed, and a recycled one returns to it.
@Suite struct SeedTests {
    static let tables = Schema(
        mysql: [.text("CREATE TABLE genres (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(40) NOT NULL UNIQUE)", name: "genres.sql")],
        sqlite: [.text("CREATE TABLE genres (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)", name: "genres.sql")])

    static func sqlSeed(version: String = "") -> Schema {
        var schema = tables
        let rows = SchemaScript.text("INSERT INTO genres (name) VALUES ('Rock'), ('Jazz'), ('Blues');", name: "genres-seed.sql")
        schema.seed = .scripts(mysql: [rows], sqlite: [rows], version: version)
        return schema
    }

    @Test("A SQL seed: every environment starts with its rows, and a database a test emptied comes back with them")
    func sqlSeedRows() async throws {
        let manager = KitTests.manager()
        for _ in 0..<3 {
            try await withIsolatedEnvironment(schema: Self.sqlSeed(), manager: manager) { env in
                let names = try await env.connection.all("SELECT name FROM genres ORDER BY id").map { try $0.decode(String.self, 0) }
                #expect(names == ["Rock", "Jazz", "Blues"])
                _ = try await env.connection.run("DELETE FROM genres")
                _ = try await env.connection.run("INSERT INTO genres (name) VALUES ('Noise')")
            }
        }
        await manager.shutdown()
    }

    @Test("A factory seed runs once per template on SQLite, not once per test, and its rows are in every environment")
    func factorySeedRunsOnce() async throws {
        let runs = Atomic<Int>(0)
        var schema = Self.tables
        // A version of its own: a template of an earlier run's version would be reused from disk, not seeded again.
        schema.seed = .factory(version: UUID().uuidString) { factory in
            runs.add(1, ordering: .relaxed)
            _ = try await factory.createList(Factory("genres", ["name": .sequence { .text("Genre \($0)") }]), count: 50)
        }
        let manager = KitTests.manager {
            $0.backend = .sqlite
            $0.sqlitePath = ":memory:"
        }
        for _ in 0..<5 {
            try await withIsolatedEnvironment(schema: schema, manager: manager) { env async throws in
                #expect(try await env.connection.get("SELECT COUNT(*) FROM genres")?.decode(Int.self, 0) == 50)
            }
        }
        #expect(runs.load(ordering: .relaxed) == 1)
    }

    @Test("On MySQL a factory seed runs once per pooled database, which tests reuse", .mysqlServer)
    func factorySeedOnMySQL() async throws {
        let runs = Atomic<Int>(0)
        var schema = Self.tables
        schema.seed = .factory(version: UUID().uuidString) { factory in
            runs.add(1, ordering: .relaxed)
            _ = try await factory.create(Factory("genres", ["name": "Seeded"]))
        }
        let manager = KitTests.manager {
            $0.backend = .mysql
            $0.isolation = .pooled
        }
        for _ in 0..<6 {
            try await withIsolatedEnvironment(schema: schema, manager: manager) { env in
                #expect(try await env.connection.get("SELECT name FROM genres")?.decode(String.self, 0) == "Seeded")
                _ = try await env.connection.run("UPDATE genres SET name = 'Changed'")
            }
        }
        #expect(runs.load(ordering: .relaxed) < 6, "a recycled database is reset to the seed, not seeded again")
        await manager.shutdown()
    }

    @Test("The seed's version and text are in the fingerprint: a new version or new rows build anew")
    func seedInFingerprint() throws {
        let plain = try SchemaFingerprint(Self.tables, backend: .sqlite, serverVersion: "x")
        let seeded = try SchemaFingerprint(Self.sqlSeed(), backend: .sqlite, serverVersion: "x")
        let bumped = try SchemaFingerprint(Self.sqlSeed(version: "2"), backend: .sqlite, serverVersion: "x")
        var other = Self.tables
        other.seed = .factory(version: "2") { _ in }
        let factory = try SchemaFingerprint(other, backend: .sqlite, serverVersion: "x")
        #expect(Set([plain, seeded, bumped, factory]).count == 4)
    }

    @Test("Two factory seeds of the same version written in different places are different seeds, with different fingerprints")
    func seedsOfOneVersionApart() throws {
        var first = Self.tables
        first.seed = .factory(version: "1") { _ in }
        var second = Self.tables
        second.seed = .factory(version: "1") { _ in }
        #expect(first.seed != second.seed)
        #expect(
            try SchemaFingerprint(first, backend: .sqlite, serverVersion: "x")
                != SchemaFingerprint(second, backend: .sqlite, serverVersion: "x"))
    }

    @Test("A failing factory seed is a typed error naming the seed")
    func failingSeed() async throws {
        var schema = Self.tables
        schema.seed = .factory(version: "broken") { factory in
            _ = try await factory.create(Factory("genres", ["nmae": "x"]))
        }
        let error = await #expect(throws: TestEnvError.self) {
            try await withIsolatedEnvironment(schema: schema, manager: KitTests.manager()) { _ in }
        }
        #expect(error?.code == .unknownColumn || error?.location == "seed broken", "\(String(describing: error))")
    }
}

/// The environment the first test of a scope saw; the others must see the same one.
final class FirstEnvironment: Sendable {
    private let id = Mutex<UUID?>(nil)

    /// Remembers `environment` if it is the first, and says whether it is the one remembered.
    func isShared(_ environment: IsolatedEnvironment) -> Bool {
        id.withLock { first in
            if first == nil { first = environment.id }
            return first == environment.id
        }
    }
}

let suiteScoped = FirstEnvironment()
let processScoped = FirstEnvironment()

@Suite(.isolatedDatabase(schema: SeedTests.sqlSeed(), scope: .suite))
struct SuiteScopeTests {
    @Test("Tests of a suite with scope .suite share one environment (1)")
    func first() throws {
        #expect(suiteScoped.isShared(try IsolatedEnvironment.requireCurrent()))
    }

    @Test("Tests of a suite with scope .suite share one environment (2)")
    func second() throws {
        #expect(suiteScoped.isShared(try IsolatedEnvironment.requireCurrent()))
    }

    @Test("Tests of a suite with scope .suite share one environment (3, parameterized)", arguments: [1, 2])
    func parameterized(_ index: Int) async throws {
        let env = try IsolatedEnvironment.requireCurrent()
        #expect(suiteScoped.isShared(env))
        #expect(try await env.connection.get("SELECT COUNT(*) FROM genres WHERE name = 'Rock'")?.decode(Int.self, 0) == 1)
    }
}

@Suite(.isolatedDatabase(schema: SeedTests.tables, scope: .process))
struct ProcessScopeTestsA {
    @Test("Suites with scope .process and the same schema share one environment (A)")
    func a() throws { #expect(processScoped.isShared(try IsolatedEnvironment.requireCurrent())) }
}

@Suite(.isolatedDatabase(schema: SeedTests.tables, scope: .process))
struct ProcessScopeTestsB {
    @Test("Suites with scope .process and the same schema share one environment (B)")
    func b() throws { #expect(processScoped.isShared(try IsolatedEnvironment.requireCurrent())) }
}

@Suite(.isolatedDatabase(schema: SeedTests.tables))
struct TestScopeTests {
    static let seen = Mutex<Set<UUID>>([])

    @Test("By default each test gets its own environment", arguments: 0..<3)
    func ownEnvironment(_ index: Int) throws {
        let id = try IsolatedEnvironment.requireCurrent().id
        let inserted = Self.seen.withLock { $0.insert(id).inserted }
        #expect(inserted)
    }
}

@Suite(.isolatedDatabase(schema: SeedTests.tables, mode: .fresh))
struct TraitModeTests {
    @Test("The trait's mode: picks the isolation of its tests' environments")
    func freshFromTheTrait() throws {
        #expect(try IsolatedEnvironment.requireCurrent().isolation == .fresh)
    }
}
