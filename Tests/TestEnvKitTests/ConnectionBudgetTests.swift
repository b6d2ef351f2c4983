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
        // Less than the stall window, after which a waiter is admitted beyond the bound.
        try await Task.sleep(for: Admission.stallWindow * 0.6)
        #expect(order.withLock { $0 }.isEmpty, "the third environment must wait while two are held")
        #expect(await manager.liveEnvironments.count == 2)
        order.withLock { $0.append(1) }
        try await manager.cleanupEnvironment(first)
        let thirdEnvironment = try await third.value
        #expect(order.withLock { $0 } == [1, 3])
        try await manager.cleanupEnvironment(second)
        try await manager.cleanupEnvironment(thirdEnvironment)
    }

    @Test("A request that waits longer than the wait timeout (shorter than the stall window) fails with a clear error, not error 1040")
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
        let limit = try await manager.mysql.environmentLimit()
        let admin = try await MySQLTestServer.connect()
        let maxConnections = try await admin.get("SELECT @@max_connections")?.decode(Int.self, 0) ?? 0
        await admin.close()
        #expect(limit >= 1)
        #expect(limit <= maxConnections / 2)
        #expect(limit <= TestEnvConfiguration.defaultEnvironmentLimit)
    }

    @Test("Bare calls that hold several environments beyond the bound never deadlock: a stalled waiter is admitted")
    func stalledWaiterIsAdmitted() async throws {
        let manager = KitTests.manager {
            $0.backend = .mysql
            $0.maxConcurrentEnvironments = 1
        }
        let start = ContinuousClock.now
        let first = try await manager.createIsolatedEnvironment()
        let second = try await manager.createIsolatedEnvironment()  // nothing will be released: admitted after the stall window
        #expect(ContinuousClock.now - start >= Admission.stallWindow)
        #expect(first.databaseName != second.databaseName)
        try await manager.cleanupEnvironment(first)
        try await manager.cleanupEnvironment(second)
        await manager.shutdown()
    }

    @Test("A request inside an environment's scope skips the queue: nested environments never wait for their own test")
    func nestedRequestSkipsTheQueue() async throws {
        // A wait timeout shorter than the stall window: a nested request that queued would fail.
        let manager = KitTests.manager {
            $0.backend = .mysql
            $0.maxConcurrentEnvironments = 1
            $0.connectionWaitTimeout = Admission.stallWindow / 5
        }
        try await withIsolatedEnvironment(manager: manager) { outer in
            try await withIsolatedEnvironment(manager: manager) { inner in
                #expect(inner.databaseName != outer.databaseName)
            }
        }
        await manager.shutdown()
    }
}
