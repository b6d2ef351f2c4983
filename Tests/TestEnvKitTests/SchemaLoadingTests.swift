import Foundation
import TestEnvTestSupport
import Testing

@testable import TestEnvKit

@Suite struct SchemaLoadingTests {
    static var chinook: Schema? {
        guard let mysql = FixturePaths.chinook("Chinook_MySql.sql"), let sqlite = FixturePaths.chinook("Chinook_Sqlite.sql") else {
            return nil
        }
        return Schema(mysql: [.file(mysql)], sqlite: [.file(sqlite)], databaseStatements: .skip)
    }

    @Test(
        "Chinook loads through the manager: 11 tables and 3503 tracks",
        .enabled(if: chinook != nil, "../shared/fixtures/chinook is not beside the repository"))
    func chinookThroughManager() async throws {
        let schema = try #require(Self.chinook)
        try await withIsolatedEnvironment(schema: schema, manager: KitTests.manager()) { env in
            KitTests.expectRequestedBackend(env)
            let inventory = try await SchemaInventory.take(of: env)
            #expect(inventory.tables == 11)
            #expect(inventory.rows["Track"] == 3503)
            let name = try await env.connection.get("SELECT Name FROM Artist WHERE ArtistId = 88")?.decode(String.self, 0)
            #expect(name == "Guns N' Roses")
        }
    }

    @Test(
        "Chinook's MySQL script is refused without skipping database statements, naming file and line",
        .enabled(if: FixturePaths.chinook("Chinook_MySql.sql") != nil, "../shared/fixtures/chinook is not beside the repository"))
    func chinookRefusedByDefault() async throws {
        let path = try #require(FixturePaths.chinook("Chinook_MySql.sql"))
        var statementGuard = SchemaStatementGuard(isolatedDatabase: "test_x", policy: .refuse, dialect: .mysql, otherDatabases: [])
        let statements = SQLScriptSplitter.split(try SchemaScript.file(path).contents(), dialect: .mysql)
        let error = #expect(throws: TestEnvError.self) {
            for statement in statements { _ = try statementGuard.review(statement, location: "\(path):\(statement.line)") }
        }
        #expect(error?.location == "\(path):19")
        #expect(error?.statement == "DROP DATABASE IF EXISTS `Chinook`")
    }

    @Test(
        "A whole mariadb-dump (DEFINER triggers, routines and views, saved and restored modes, LOCK TABLES) loads under the restricted account and works",
        .mysqlServer)
    func mariadbDumpLoads() async throws {
        let dump = FixturePaths.repositoryRoot.appendingPathComponent("Fixtures/mysql/mariadb-dump.sql").path
        let manager = KitTests.manager { $0.backend = .mysql }
        let schema = Schema(mysql: [.file(dump)], databaseStatements: .skip)
        try await withIsolatedEnvironment(schema: schema, manager: manager) { env in
            let inventory = try await SchemaInventory.take(of: env)
            #expect([inventory.tables, inventory.views, inventory.triggers, inventory.routines] == [Int]([2, 1, 1, 2]))
            #expect(inventory.rows == ["customer": 3, "orders": 2])
            #expect(try await env.connection.get("SELECT name FROM customer WHERE id = 2")?.decode(String.self, 0) == "back\\slash")
            _ = try await env.connection.run("INSERT INTO orders (customer_id, total) VALUES (3, 7)")
            #expect(try await env.connection.get("SELECT balance FROM customer WHERE id = 3")?.decode(Double.self, 0) == 7)
            #expect(try await env.connection.get("SELECT order_count(3)")?.decode(Int.self, 0) == 1)
            #expect(try await env.connection.all("SELECT id FROM big_orders").count == 2)
        }
        await manager.shutdown()
    }

    @Test("A script that creates its own database never touches a real database of that name", .mysqlServer)
    func neverTouchesRealDatabase() async throws {
        let real = "testenv_guard_\(UUID().uuidString.prefix(8).lowercased())"
        let admin = try await MySQLTestServer.connect()
        try await admin.executeScript(
            "CREATE DATABASE `\(real)`; CREATE TABLE `\(real)`.marker (v INT); INSERT INTO `\(real)`.marker VALUES (42)")
        let script = """
            DROP DATABASE IF EXISTS `\(real)`;
            CREATE DATABASE `\(real)`;
            USE `\(real)`;
            CREATE TABLE film (id INT PRIMARY KEY, title TEXT);
            CREATE VIEW film_titles AS SELECT f.title FROM \(real).film f;
            INSERT INTO `\(real)`.film VALUES (1, 'Alien');
            """
        let schema = Schema(mysql: [.text(script, name: "own-database.sql")], databaseStatements: .skip)
        let result = await capture {
            try await withIsolatedEnvironment(schema: schema, manager: KitTests.manager { $0.backend = .mysql }) { env in
                try await env.connection.get("SELECT title FROM film_titles")?.decode(String.self, 0)
            }
        }
        let marker = try await admin.all("SELECT v FROM `\(real)`.marker").map { try $0.decode(Int.self, 0) }
        let realTables = try await admin.get("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?", [.text(real)])
        try await admin.executeScript("DROP DATABASE `\(real)`")
        await admin.close()
        #expect(try result.get() == "Alien")
        #expect(marker == [42])
        #expect(try realTables?.decode(Int.self, 0) == 1)
    }

    @Test("A reference to another existing database is refused even when skipping database statements", .mysqlServer)
    func otherDatabaseRefused() async throws {
        let schema = Schema(
            mysql: [.text("CREATE TABLE t (id INT);\nCREATE VIEW v AS SELECT * FROM mysql.user;", name: "sneaky.sql")],
            databaseStatements: .skip)
        let error = await #expect(throws: TestEnvError.self) {
            try await KitTests.manager { $0.backend = .mysql }.createIsolatedEnvironment(schema: schema)
        }
        #expect(error?.code == .schemaStatementRefused)
        #expect(error?.location == "sneaky.sql:2")
    }

    @Test("A lost admin connection is retried and counted; the environment is still created", .mysqlServer)
    func retriesLostConnection() async throws {
        let manager = KitTests.manager {
            $0.backend = .mysql
            $0.isolation = .fresh  // every creation uses the admin connection, with no background work
        }
        let first = try await manager.createIsolatedEnvironment()
        let adminID = try await manager.admin().connectionID
        let killer = try await MySQLTestServer.connect()
        try await killer.run("KILL CONNECTION \(adminID)")
        await killer.close()
        let second = try await manager.createIsolatedEnvironment()
        let statistics = await manager.statistics
        #expect(statistics.retries == 1)
        #expect(statistics.errorsByKind == ["connectionLost": 1])
        #expect(statistics.created == 2)
        try await manager.cleanupAll()
        await manager.shutdown()
        #expect(try await KitTests.existingDatabases([first.databaseName, second.databaseName]).isEmpty)
    }
}

func capture<T>(_ body: () async throws -> T) async -> Result<T, any Error> {
    do { return .success(try await body()) } catch { return .failure(error) }
}
