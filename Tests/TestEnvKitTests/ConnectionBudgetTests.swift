import Foundation
import Synchronization
import TestEnvTestSupport
import Testing

@testable import TestEnvKit

@Suite(.mysqlServer) struct ConnectionBudgetTests {
    @Test("Requests beyond the cap wait in order and proceed as environments are released")
    func waitsInOrder() async throws {
        let manager = KitTests.manager {
            $0.backend = .mysql
            $0.maxConcurrentEnvironments = 2
        }
        let first = try await manager.createIsolatedEnvironment()
        let second = try await manager.createIsolatedEnvironment()
        let order = Mutex<[Int]>([])
        let third = Task {
            let environment = try await manager.createIsolatedEnvironment()
            order.withLock { $0.append(3) }
            return environment
        }
        try await Task.sleep(for: .milliseconds(300))
        #expect(order.withLock { $0 }.isEmpty, "the third environment must wait while two are held")
        #expect(await manager.liveEnvironments.count == 2)
        order.withLock { $0.append(1) }
        try await manager.cleanupEnvironment(first)
        let thirdEnvironment = try await third.value
        #expect(order.withLock { $0 } == [1, 3])
        try await manager.cleanupEnvironment(second)
        try await manager.cleanupEnvironment(thirdEnvironment)
    }

    @Test("A request that waits longer than the wait timeout fails with a clear error, not error 1040")
    func waitTimeout() async throws {
        let manager = KitTests.manager {
            $0.backend = .mysql
            $0.maxConcurrentEnvironments = 1
            $0.connectionWaitTimeout = .milliseconds(200)
        }
        let held = try await manager.createIsolatedEnvironment()
        let error = await #expect(throws: TestEnvError.self) { try await manager.createIsolatedEnvironment() }
        #expect(error?.code == .connectionBudgetExhausted)
        #expect(error?.message.contains("maxConcurrentEnvironments") == true)
        try await manager.cleanupEnvironment(held)
        let after = try await manager.createIsolatedEnvironment()
        try await manager.cleanupEnvironment(after)
    }

    @Test("Without a configured cap, the budget is a share of the server's free connections")
    func derivedFromServer() async throws {
        let manager = KitTests.manager { $0.backend = .mysql }
        let budget = try await manager.connectionBudget()
        let admin = try await MySQLTestServer.connect()
        let maxConnections = try await admin.get("SELECT @@max_connections")?.decode(Int.self, 0) ?? 0
        await admin.close()
        #expect(budget.limit >= 1)
        #expect(budget.limit <= maxConnections / 2)
    }
}
