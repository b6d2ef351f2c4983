import Foundation
import Synchronization
import TestEnvCore
import TestEnvMySQL
import TestEnvSQLite
import TestEnvTestSupport
import Testing

@testable import TestEnvKit

/// Other connections and drivers reach an environment: connection details, a second connection,
/// shared in-memory SQLite databases; and the per-test isolation mode.
@Suite struct InteropTests {
    static let table = Schema(
        mysql: [.text("CREATE TABLE accounts (id INT PRIMARY KEY, balance INT NOT NULL)", name: "accounts.sql")],
        sqlite: [.text("CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL)", name: "accounts.sql")])

    @Test("connectionInfo describes the environment: a driver of its own, given only those details, sees the test's rows")
    func connectionInfoReachesTheDatabase() async throws {
        try await withIsolatedEnvironment(schema: Self.table, manager: KitTests.manager()) { env in
            _ = try await env.connection.run("INSERT INTO accounts VALUES (1, 100)")
            let info = try await env.connectionInfo
            #expect(info.backend == env.backend)
            let other: any DatabaseConnection
            switch info.backend {
            case .mysql:
                #expect(info.database == env.databaseName)
                #expect(info.url.hasPrefix("mysql://"))
                #expect(!info.description.contains(info.password ?? "no password"))
                let url = try #require(URLComponents(string: info.url))
                #expect(url.path == "/" + env.databaseName)
                other = try await MySQLConnection.connect(
                    MySQLConfiguration(
                        host: info.host ?? "", port: info.port ?? 0, user: info.user ?? "", password: info.password ?? "",
                        database: info.database, unixSocket: info.socket))
            case .sqlite:
                let path = try #require(info.path)
                #expect(info.url == path)
                if env.sqliteFile == nil { #expect(path.hasPrefix("file:/") && path.hasSuffix("?vfs=memdb")) }
                other = try await SQLiteConnection.open(SQLiteConfiguration(path: path))
            }
            #expect(try await other.get("SELECT balance FROM accounts WHERE id = 1")?.decode(Int.self, 0) == 100)
            _ = try await other.run("INSERT INTO accounts VALUES (2, 5)")
            #expect(try await env.connection.get("SELECT COUNT(*) FROM accounts")?.decode(Int.self, 0) == 2)
            await other.close()
        }
    }

    @Test("After a fallback, connectionInfo describes the SQLite environment, not the MySQL configuration")
    func connectionInfoAfterFallback() async throws {
        let manager = KitTests.manager {
            $0.backend = .mysql
            $0.mysql.host = "127.0.0.1"
            $0.mysql.port = 1
            $0.mysql.unixSocket = nil
            $0.requiresRequestedBackend = false
            $0.probeTimeout = .seconds(1)
        }
        try await withIsolatedEnvironment(schema: Self.table, manager: manager) { env in
            #expect(env.isFallback)
            let info = try await env.connectionInfo
            #expect(info.backend == .sqlite)
            #expect(info.host == nil && info.port == nil && info.user == nil)
            #expect(info.path != nil)
        }
    }

    @Test(
        "An in-memory SQLite environment cloned from its template becomes shareable on demand, and both connections see each other's rows")
    func sharedInMemorySQLite() async throws {
        let manager = KitTests.manager {
            $0.backend = .sqlite
            $0.sqlitePath = ":memory:"
        }
        try await withIsolatedEnvironment(schema: Self.table, manager: manager) { _ in }  // builds the template
        try await withIsolatedEnvironment(schema: Self.table, manager: manager) { env in
            #expect(env.fingerprint != nil, "cloned from the template image")
            _ = try await env.connection.run("INSERT INTO accounts VALUES (1, 100)")
            let other = try await env.connect()
            #expect(try await other.get("SELECT balance FROM accounts WHERE id = 1")?.decode(Int.self, 0) == 100)
            _ = try await other.run("UPDATE accounts SET balance = 7 WHERE id = 1")
            #expect(try await env.connection.get("SELECT balance FROM accounts WHERE id = 1")?.decode(Int.self, 0) == 7)
            // Two writers: the second waits for the first's lock, then fails busy (its timeout is short here).
            let third = try await SQLiteConnection.open(
                SQLiteConfiguration(path: try #require(try await env.connectionInfo.path), busyTimeout: .milliseconds(50)))
            try await env.connection.beginTransaction()
            _ = try await env.connection.run("UPDATE accounts SET balance = 8 WHERE id = 1")
            let busy = await #expect(throws: SQLiteError.self) { try await third.run("UPDATE accounts SET balance = 9 WHERE id = 1") }
            #expect(busy?.kind == .busy)
            try await env.connection.commit()
            #expect(try await third.get("SELECT balance FROM accounts WHERE id = 1")?.decode(Int.self, 0) == 8)
            await third.close()
        }
    }

    @Test("env.connect() on MySQL: a row lock taken by the test's connection holds the second connection back", .mysqlServer)
    func secondConnectionOnMySQL() async throws {
        let manager = KitTests.manager { $0.backend = .mysql }
        try await withIsolatedEnvironment(schema: Self.table, manager: manager) { env in
            _ = try await env.connection.run("INSERT INTO accounts VALUES (1, 100)")
            let other = try await env.connect()
            try await other.executeScript("SET SESSION innodb_lock_wait_timeout = 1")
            try await env.connection.beginTransaction()
            #expect(try await env.connection.get("SELECT balance FROM accounts WHERE id = 1 FOR UPDATE")?.decode(Int.self, 0) == 100)
            let blocked = await #expect(throws: MySQLError.self) { try await other.run("UPDATE accounts SET balance = 0 WHERE id = 1") }
            #expect(blocked?.kind == .lockWaitTimeout)
            try await env.connection.commit()
            _ = try await other.run("UPDATE accounts SET balance = 0 WHERE id = 1")
            #expect(try await env.connection.get("SELECT balance FROM accounts WHERE id = 1")?.decode(Int.self, 0) == 0)
        }
        await manager.shutdown()
    }

    @Test("withTransaction(retries:) runs the body again after the server chose it as a deadlock victim, and then succeeds", .mysqlServer)
    func deadlockRetried() async throws {
        let manager = KitTests.manager { $0.backend = .mysql }
        try await withIsolatedEnvironment(schema: Self.table, manager: manager) { env in
            _ = try await env.connection.run("INSERT INTO accounts VALUES (1, 0), (2, 0)")
            _ = try await env.connection.run("CREATE TABLE ballast (i INT)")
            let other = try await env.connect()
            // The other transaction holds row 2 and has done more work, so the server picks the test's as the victim.
            try await other.executeScript(
                "BEGIN; INSERT INTO ballast VALUES (1), (2), (3), (4), (5), (6), (7), (8); UPDATE accounts SET balance = balance + 1 WHERE id = 2"
            )
            let attempts = Atomic<Int>(0)
            let transfer = Task {
                try await env.connection.withTransaction(retries: 3) { tx in
                    attempts.add(1, ordering: .relaxed)
                    _ = try tx.run("UPDATE accounts SET balance = balance + 1 WHERE id = 1")
                    _ = try tx.run("UPDATE accounts SET balance = balance + 1 WHERE id = 2")  // waits for the other
                }
            }
            try await Task.sleep(for: .milliseconds(300))
            _ = try await other.run("UPDATE accounts SET balance = balance + 1 WHERE id = 1")  // closes the cycle: deadlock
            try await other.commit()
            try await transfer.value
            #expect(attempts.load(ordering: .relaxed) == 2)
            let balances = try await env.connection.all("SELECT balance FROM accounts ORDER BY id").map { try $0.decode(Int.self, 0) }
            #expect(balances == [2, 2])
        }
        await manager.shutdown()
    }

    @Test("mode: picks the isolation of one environment, whatever TEST_DB_ISOLATION says")
    func modePerEnvironment() async throws {
        let manager = KitTests.manager { $0.isolation = .pooled }
        for mode in [IsolationMode.fresh, .pooled, .transaction] {
            try await withIsolatedEnvironment(schema: Self.table, mode: mode, manager: manager) { env in
                #expect(env.isolation == mode)
                _ = try await env.connection.run("INSERT INTO accounts VALUES (1, 1)")
            }
        }
        try await withIsolatedEnvironment(schema: Self.table, manager: manager) { env in #expect(env.isolation == .pooled) }
        await manager.shutdown()
    }

    @Test("In transaction mode a deadlock or lock wait says that tests share one database and must not write the same rows", .mysqlServer)
    func transactionModeLockNote() async throws {
        let manager = KitTests.manager { $0.backend = .mysql }
        try await withIsolatedEnvironment(schema: Self.table, mode: .transaction, manager: manager) { first in
            try await withIsolatedEnvironment(schema: Self.table, mode: .transaction, manager: manager) { second in
                #expect(first.databaseName == second.databaseName)
                try await second.connection.executeScript("SET SESSION innodb_lock_wait_timeout = 1")
                _ = try await first.connection.run("INSERT INTO accounts VALUES (42, 1)")
                let error = await #expect(throws: MySQLError.self) {
                    try await second.connection.run("INSERT INTO accounts VALUES (42, 2)")
                }
                #expect(error?.kind == .lockWaitTimeout)
                #expect(error?.description.contains("must not write the same rows") == true)
            }
        }
        await manager.shutdown()
    }

    @Test("A Date bound as a parameter comes back equal, and a row decodes into a Decodable struct, on the backend of the run")
    func dateAndDecodableRoundTrip() async throws {
        struct Event: Decodable, Equatable {
            let eventId: Int64
            let happenedAt: Date
            let endedAt: Date?
        }
        let schema = Schema(
            mysql: [
                .text("CREATE TABLE events (event_id BIGINT PRIMARY KEY, happened_at DATETIME(6) NOT NULL, ended_at DATETIME(6) NULL)")
            ],
            sqlite: [.text("CREATE TABLE events (event_id INTEGER PRIMARY KEY, happened_at TEXT NOT NULL, ended_at TEXT)")])
        try await withIsolatedEnvironment(schema: schema, manager: KitTests.manager()) { env in
            let when = Date(timeIntervalSince1970: 1_795_944_605.123456)
            _ = try await env.connection.run("INSERT INTO events VALUES (1, ?, NULL)", [when.databaseValue])
            let row = try #require(try await env.connection.get("SELECT * FROM events"))
            let event = try row.decode(Event.self, keys: .convertFromSnakeCase)
            #expect(event.eventId == 1)
            #expect(abs(event.happenedAt.timeIntervalSince(when)) < 0.000_001)
            #expect(event.endedAt == nil)
        }
    }

    @Test("On SQLite, withTransaction(retries:) waits out another connection's write lock (busy) and then commits")
    func busyRetriedOnSQLite() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("testenv-busy-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/busy.sqlite"
        let holder = try await SQLiteConnection.open(SQLiteConfiguration(path: path))
        try await holder.executeScript(
            "CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL); INSERT INTO accounts VALUES (1, 0)")
        let writer = try await SQLiteConnection.open(SQLiteConfiguration(path: path, busyTimeout: .milliseconds(20)))
        try await holder.executeScript("BEGIN IMMEDIATE")
        let attempts = Atomic<Int>(0)
        let release = Task {
            try await Task.sleep(for: .milliseconds(150))
            try await holder.executeScript("COMMIT")
        }
        try await writer.withTransaction(retries: 8) { tx in
            attempts.add(1, ordering: .relaxed)
            _ = try tx.run("UPDATE accounts SET balance = balance + 1 WHERE id = 1")
        }
        try await release.value
        #expect(attempts.load(ordering: .relaxed) > 1, "the first attempt met the lock")
        #expect(try await writer.get("SELECT balance FROM accounts")?.decode(Int.self, 0) == 1)
        await writer.close()
        await holder.close()
    }
}
