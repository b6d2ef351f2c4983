import Foundation
import TestEnvTestSupport
import Testing

@testable import TestEnvKit

@Suite struct KeepOnFailureTests {
    func keepingManager(_ backend: DatabaseBackend, logs: CapturedLogs, _ change: (inout TestEnvConfiguration) -> Void = { _ in })
        -> TestEnvironmentManager
    {
        KitTests.manager(
            {
                $0.backend = backend
                $0.keepsFailedEnvironments = true
                change(&$0)
            }, logger: logs.logger)
    }

    func failingTest(_ manager: TestEnvironmentManager) async -> IsolatedEnvironment? {
        var seen: IsolatedEnvironment?
        await #expect(throws: ExpectedFailure.self) {
            try await withIsolatedEnvironment(schema: .example, manager: manager) { env in
                seen = env
                try await env.connection.run("INSERT INTO merchants (name) VALUES (?)", ["evidence"])
                throw ExpectedFailure()
            }
        }
        return seen
    }

    @Test("A failed test's MySQL database is kept, marked, and a connect command without the password is logged", .mysqlServer)
    func keepsMySQL() async throws {
        let logs = CapturedLogs()
        let manager = keepingManager(.mysql, logs: logs)
        let environment = try #require(await failingTest(manager))
        let name = environment.databaseName
        #expect(try await KitTests.existingDatabases([name]) == [name])
        let admin = try await manager.admin()
        let state = try await admin.get("SELECT state FROM \(DatabaseRegistry.table) WHERE db_name = ?", [.text(name)])?.decode(
            String.self, 0)
        #expect(state == "kept")
        let warning = try #require(logs.all.first { $0.level == .warning && $0.message.contains(name) })
        #expect(warning.message.contains("mariadb "))
        #expect(warning.message.contains(" -p \(name)"))
        #expect(!warning.message.contains(manager.configuration.mysql.password) || manager.configuration.mysql.password.isEmpty)
        #expect(await manager.keptEnvironments.map(\.database) == [name])
        let evidence = try await admin.get("SELECT name FROM \(DatabaseName.quoted(name)).merchants", [])?.decode(String.self, 0)
        #expect(evidence == "evidence")
        let decision = try await manager.reap(dryRun: true).first { $0.database == name }
        #expect(decision?.action == "keep")
        #expect(decision?.reason.contains("kept after a failed test") == true)
        try await admin.executeScript("DROP DATABASE \(DatabaseName.quoted(name))")
        try await manager.registry.unregister(name, admin)
    }

    @Test("A kept database whose time to live has ended is removed by the reaper", .mysqlServer)
    func expiredKeptIsReaped() async throws {
        let manager = keepingManager(.mysql, logs: CapturedLogs()) { $0.keptTimeToLive = .seconds(-60) }
        let environment = try #require(await failingTest(manager))
        // Any reaper of this run may remove it from now on, so check that it was kept, not that it is still there.
        #expect(await manager.statistics.kept == 1)
        try await KitTests.waitUntilUnused([environment.databaseName])  // the failed test's connection, closed
        _ = try await manager.reap(dryRun: false)
        #expect(try await KitTests.existingDatabases([environment.databaseName]).isEmpty)
    }

    @Test("Passing tests are cleaned up as usual, and no more than the cap is kept", .mysqlServer)
    func capAndPassing() async throws {
        let manager = keepingManager(.mysql, logs: CapturedLogs()) { $0.maxKeptEnvironments = 1 }
        let passing = try await withIsolatedEnvironment(manager: manager) { env in env.databaseName }
        let first = try #require(await failingTest(manager))
        let second = try #require(await failingTest(manager))
        await manager.shutdown()  // drops the passing test's database if it went back to a pool
        let existing = try await KitTests.existingDatabases([passing, first.databaseName, second.databaseName])
        #expect(existing == [first.databaseName])
        #expect(await manager.statistics.kept == 1)
        let admin = try await manager.admin()
        try await admin.executeScript("DROP DATABASE \(DatabaseName.quoted(first.databaseName))")
        try await manager.registry.unregister(first.databaseName, admin)
    }

    @Test("In keep mode a SQLite environment is a file, and a failed test's file stays with its path logged")
    func keepsSQLiteFile() async throws {
        let logs = CapturedLogs()
        let manager = keepingManager(.sqlite, logs: logs) { $0.sqlitePath = ":memory:" }
        let environment = try #require(await failingTest(manager))
        let file = environment.databaseName
        defer { try? FileManager.default.removeItem(atPath: file) }
        #expect(file.hasSuffix(".sqlite"))
        #expect(FileManager.default.fileExists(atPath: file))
        #expect(logs.all.contains { $0.level == .warning && $0.message.contains("sqlite3 \(file)") })
    }
}
