import TestEnvKitTesting
import TestEnvTestSupport
import Testing

@testable import TestEnvKit

/// The manager of this suite only, so the leak check looks at exactly the databases it created.
private let parallelManager = KitTests.manager()

/// After every test of the suite has run, asserts that the manager tracks no live environment and,
/// once its pools are shut down, that none of the databases it created is left on the server.
struct NoLeftoverDatabasesTrait: SuiteTrait, TestScoping {
    let manager: TestEnvironmentManager

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        try await function()
        #expect(await manager.liveEnvironments.isEmpty, "environments left live after the suite")
        await manager.shutdown()
        let created = await manager.createdDatabases
        if manager.configuration.backend == .mysql, await MySQLTestServer.shouldRun() {
            let reused = await manager.statistics.reused
            #expect(created.count + reused >= 100, "the suite should have created or reused its databases on the server")
            let leftovers = try await KitTests.existingDatabases(created)
            #expect(leftovers.isEmpty, "databases left on the server: \(leftovers.sorted())")
            let admin = try await MySQLTestServer.connect()
            let records = try await admin.all("SELECT db_name FROM \(DatabaseRegistry.table)").map { try $0.decode(String.self, 0) }
            await admin.close()
            #expect(created.isDisjoint(with: records), "tracking records left behind")
        }
    }
}

@Suite(.isolatedDatabase(schema: .example, manager: parallelManager), NoLeftoverDatabasesTrait(manager: parallelManager))
struct ParallelIsolationTests {
    @Test("100 tests in parallel each get their own database and see only their own rows", arguments: 0..<100)
    func eachTestSeesOnlyItsOwnRows(index: Int) async throws {
        let env = try IsolatedEnvironment.requireCurrent()
        KitTests.expectRequestedBackend(env)
        let db = env.connection
        let merchant = try await db.run("INSERT INTO merchants (name) VALUES (?)", [.text("merchant \(index)")])
        let merchantID = try #require(merchant.lastInsertID)
        #expect(merchantID == 1, "a fresh database starts its ids at 1")
        try await db.run(
            "INSERT INTO users (merchant_id, email) VALUES (?, ?), (?, ?), (?, ?)",
            [
                .integer(merchantID), .text("a\(index)@example.com"), .integer(merchantID), .text("b\(index)@example.com"),
                .integer(merchantID), .text("c\(index)@example.com"),
            ])
        let emails = try await db.all("SELECT email FROM users ORDER BY email").map { try $0.decode(String.self, "email") }
        #expect(emails == ["a\(index)@example.com", "b\(index)@example.com", "c\(index)@example.com"])
        let merchants = try await db.all("SELECT name FROM merchants").map { try $0.decode(String.self, "name") }
        #expect(merchants == ["merchant \(index)"])
    }
}
