import Foundation
import TestEnvTestSupport
import Testing

@testable import TestEnvKit

struct ExpectedFailure: Error {}

@Suite struct EnvironmentLifecycleTests {
    @Test("An environment has the requested backend, the schema loaded, and a connection to it")
    func createsWithSchema() async throws {
        let manager = KitTests.manager()
        let environment = try await manager.createIsolatedEnvironment(schema: .example)
        KitTests.expectRequestedBackend(environment)
        let inventory = try await SchemaInventory.take(of: environment)
        #expect(inventory.tables == 2)
        #expect(inventory.rows == ["merchants": 0, "users": 0])
        if environment.backend == .mysql {
            #expect(DatabaseName.isValid(environment.databaseName))
        }
        try await manager.cleanupEnvironment(environment)
    }

    @Test("The example schema enforces its ENUM/CHECK, UNIQUE and foreign key rules on both backends")
    func exampleSchemaRules() async throws {
        try await withIsolatedEnvironment(schema: .example, manager: KitTests.manager()) { env in
            let db = env.connection
            let merchant = try await db.run(
                "INSERT INTO merchants (name, settings) VALUES (?, ?)", ["Shop", .json(#"{"currency":"EUR"}"#)])
            let merchantID = try #require(merchant.lastInsertID)
            try await db.run(
                "INSERT INTO users (merchant_id, email, user_type) VALUES (?, ?, ?)", [.integer(merchantID), "a@example.com", "admin"])
            let duplicate = await driverError {
                try await db.run("INSERT INTO users (email) VALUES (?)", ["a@example.com"])
            }
            #expect(duplicate?.kind == .uniqueViolation)
            let badType = await driverError {
                try await db.run("INSERT INTO users (email, user_type) VALUES (?, ?)", ["b@example.com", "superuser"])
            }
            #expect(badType != nil)
            let orphan = await driverError {
                try await db.run("INSERT INTO users (merchant_id, email) VALUES (?, ?)", [999, "c@example.com"])
            }
            #expect(orphan?.kind == .constraintViolation)
        }
    }

    @Test("Cleanup removes the database (fresh) or gives it back to the pool, is idempotent, and the manager forgets the environment")
    func cleanupIsIdempotent() async throws {
        let manager = KitTests.manager()
        let environment = try await manager.createIsolatedEnvironment()
        try await manager.cleanupEnvironment(environment)
        try await manager.cleanupEnvironment(environment)
        await manager.shutdown()
        #expect(await manager.liveEnvironments.isEmpty)
        #expect(await environment.connection.isReady() == false)
        if environment.backend == .mysql {
            #expect(try await KitTests.existingDatabases([environment.databaseName]).isEmpty)
        }
        #expect(await manager.statistics.removed == 1)
    }

    @Test("cleanupAll removes every live environment")
    func cleanupAll() async throws {
        let manager = KitTests.manager()
        var names: Set<String> = []
        for _ in 0..<3 { names.insert(try await manager.createIsolatedEnvironment().databaseName) }
        #expect(await manager.liveEnvironments.count == 3)
        try await manager.cleanupAll()
        await manager.shutdown()
        #expect(await manager.liveEnvironments.isEmpty)
        if KitTests.configuration.backend == .mysql, !names.contains(":memory:") {
            #expect(try await KitTests.existingDatabases(names).isEmpty)
        }
    }

    @Test("A manager never removes an environment it did not create")
    func neverRemovesForeignEnvironment() async throws {
        let owner = KitTests.manager()
        let stranger = KitTests.manager()
        let environment = try await owner.createIsolatedEnvironment(schema: .example)
        try await stranger.cleanupEnvironment(environment)
        #expect(await environment.connection.isReady())
        #expect(try await environment.connection.get("SELECT COUNT(*) FROM users") != nil)
        try await owner.cleanupEnvironment(environment)
    }

    @Test("withIsolatedEnvironment cleans up when the body throws")
    func cleanupOnThrow() async throws {
        let manager = KitTests.manager()
        var seen: IsolatedEnvironment?
        await #expect(throws: ExpectedFailure.self) {
            try await withIsolatedEnvironment(manager: manager) { env in
                seen = env
                throw ExpectedFailure()
            }
        }
        let environment = try #require(seen)
        await manager.shutdown()
        #expect(await manager.liveEnvironments.isEmpty)
        #expect(await environment.connection.isReady() == false)
        if environment.backend == .mysql {
            #expect(try await KitTests.existingDatabases([environment.databaseName]).isEmpty)
        }
    }

    @Test("withIsolatedEnvironment cleans up when the task is cancelled")
    func cleanupOnCancellation() async throws {
        let manager = KitTests.manager()
        let task = Task {
            try await withIsolatedEnvironment(manager: manager) { _ in
                try await Task.sleep(for: .seconds(60))
            }
        }
        var environment: IsolatedEnvironment?
        for _ in 0..<500 where environment == nil {
            environment = await manager.liveEnvironments.first
            try await Task.sleep(for: .milliseconds(10))
        }
        let created = try #require(environment, "the environment was never created")
        task.cancel()
        let outcome = await task.result
        #expect(throws: CancellationError.self) { try outcome.get() }
        await manager.shutdown()
        #expect(await manager.liveEnvironments.isEmpty)
        #expect(await created.connection.isReady() == false)
        if created.backend == .mysql {
            #expect(try await KitTests.existingDatabases([created.databaseName]).isEmpty)
        }
    }

    @Test("A schema error fails fast with file and line, retries nothing, and leaves no half-created database")
    func schemaErrorCleansUp() async throws {
        let manager = KitTests.manager()
        let schema = Schema(
            mysql: [.text("CREATE TABLE a (id INT);\nCREATE TABLEE b (id INT);", name: "broken.sql")],
            sqlite: [.text("CREATE TABLE a (id INT);\nCREATE TABLEE b (id INT);", name: "broken.sql")])
        let error = await #expect(throws: TestEnvError.self) { try await manager.createIsolatedEnvironment(schema: schema) }
        #expect(error?.code == .schemaStatementFailed)
        #expect(error?.location == "broken.sql:2")
        #expect(error?.statement == "CREATE TABLEE b (id INT)")
        #expect(error?.driverErrorKind == .syntax)
        let statistics = await manager.statistics
        #expect(statistics.retries == 0)
        #expect(statistics.errorsByKind == ["syntax": 1])
        #expect(await manager.liveEnvironments.isEmpty)
        let created = await manager.createdDatabases
        if KitTests.configuration.backend == .mysql, !created.isEmpty {
            #expect(try await KitTests.existingDatabases(created).isEmpty)
        }
    }

    @Test("An unreadable schema file is an error naming the file")
    func unreadableSchema() async throws {
        let missing = "/nonexistent/\(UUID().uuidString).sql"
        let error = await #expect(throws: TestEnvError.self) {
            try await KitTests.manager().createIsolatedEnvironment(schema: Schema(mysql: [.file(missing)], sqlite: [.file(missing)]))
        }
        #expect(error?.code == .schemaFileUnreadable)
        #expect(error?.message.contains(missing) == true)
    }

    @Test("With DB_TEST_PATH a directory, each SQLite environment is its own file, deleted on cleanup")
    func sqliteFiles() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("testenv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let manager = KitTests.manager {
            $0.backend = .sqlite
            $0.sqlitePath = directory.path
        }
        let first = try await manager.createIsolatedEnvironment(schema: .example)
        let second = try await manager.createIsolatedEnvironment(schema: .example)
        #expect(first.databaseName != second.databaseName)
        #expect(first.databaseName.hasPrefix(directory.path))
        #expect(FileManager.default.fileExists(atPath: first.databaseName))
        try await manager.cleanupAll()
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }
}
