import Foundation
import Synchronization
import Testing

@testable import TestEnvKit

/// The pool's rules, without a server: ``PoolState`` as a value, and ``DatabasePool`` driving it
/// with operations that make names in memory.
@Suite struct PoolStateTests {
    @Test("Within the bound a request builds; beyond it, it waits")
    func admissionBound() {
        var state = PoolState<String>(limit: 2)
        #expect(state.request(UUID()) == .build)
        #expect(state.request(UUID()) == .build)
        let third = UUID()
        #expect(state.request(third) == .wait)
        #expect(state.waiting == [third])
        #expect(state.total == 2)
    }

    @Test("A released database is reset and handed to the longest waiter, in order")
    func fifoHandOver() {
        var state = PoolState<String>(limit: 1)
        #expect(state.request(UUID()) == .build)
        state.built("a")
        let (first, second) = (UUID(), UUID())
        #expect(state.request(first) == .wait)
        #expect(state.request(second) == .wait)
        #expect(state.released("a", reusable: true) == [.reset("a")])
        #expect(state.resetFinished("a", clean: true) == [.handOver(first, "a")])
        #expect(state.released("a", reusable: true) == [.reset("a")])
        #expect(state.resetFinished("a", clean: true) == [.handOver(second, "a")])
        #expect(state.released("a", reusable: true) == [.reset("a")])
        #expect(state.resetFinished("a", clean: true) == [])
        #expect(state.ready == ["a"])
        #expect(state.request(UUID()) == .take("a"))
    }

    @Test("A request from inside another environment never waits: it builds beyond the bound")
    func nestedRequestBuilds() {
        var state = PoolState<String>(limit: 1)
        #expect(state.request(UUID()) == .build)
        state.built("outer")
        #expect(state.request(UUID(), beyondLimit: true) == .build)
        state.built("inner")
        #expect(state.total == 2)
        _ = state.released("inner", reusable: true)
        _ = state.resetFinished("inner", clean: true)
        #expect(state.request(UUID(), beyondLimit: true) == .take("inner"))
    }

    @Test("A database that cannot be reused is dropped, and the waiter it was meant for builds instead")
    func failedResetWakesWaiterToBuild() {
        var state = PoolState<String>(limit: 1)
        _ = state.request(UUID())
        state.built("a")
        let waiter = UUID()
        #expect(state.request(waiter) == .wait)
        #expect(state.released("a", reusable: true) == [.reset("a")])
        #expect(state.resetFinished("a", clean: false) == [.drop("a"), .wakeToBuild(waiter)])
        #expect(state.building == 1)
    }

    @Test("A database whose schema changed is dropped at once and a starved waiter builds")
    func schemaChangedDrops() {
        var state = PoolState<String>(limit: 1)
        _ = state.request(UUID())
        state.built("a")
        let waiter = UUID()
        _ = state.request(waiter)
        #expect(state.released("a", reusable: false) == [.drop("a"), .wakeToBuild(waiter)])
    }

    @Test("A failed build lets the longest waiter try")
    func failedBuildWakesWaiter() {
        var state = PoolState<String>(limit: 1)
        #expect(state.request(UUID()) == .build)
        let waiter = UUID()
        #expect(state.request(waiter) == .wait)
        #expect(state.buildFailed() == [.wakeToBuild(waiter)])
    }

    @Test("A cancelled waiter leaves the queue; a database meant for it goes to the next")
    func cancelledWaiter() {
        var state = PoolState<String>(limit: 1)
        _ = state.request(UUID())
        state.built("a")
        let (gone, next) = (UUID(), UUID())
        _ = state.request(gone)
        _ = state.request(next)
        let cancelled = state.cancel(gone)
        let cancelledAgain = state.cancel(gone)
        #expect(cancelled && !cancelledAgain)
        _ = state.released("a", reusable: true)
        #expect(state.resetFinished("a", clean: true) == [.handOver(next, "a")])
        #expect(state.returnUnused("a") == [])
        #expect(state.ready == ["a"])
    }

    @Test("Draining returns the ready databases to park and the waiters to fail")
    func drainForParking() {
        var state = PoolState<String>(limit: 2)
        _ = state.request(UUID())
        state.built("a")
        _ = state.released("a", reusable: true)
        _ = state.resetFinished("a", clean: true)
        let drained = state.drain()
        #expect(drained.ready == ["a"])
        #expect(state.ready.isEmpty)
    }

    @Test("300 requests at once on a pool of 4: never more than 4 built, none held twice, all served in order")
    func manyRequestsAtOnce() async throws {
        let log = OperationLog()
        let pool = DatabasePool(limit: 4, operations: log.operations(parked: []))
        let holders = Holders()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<300 {
                group.addTask {
                    let (name, _) = try await pool.acquire()
                    await holders.enter(name)
                    await Task.yield()
                    await holders.leave(name)
                    await pool.release(name, reusable: true)
                }
            }
            try await group.waitForAll()
        }
        await pool.waitForBackgroundWork()
        #expect(log.built.withLock { $0 } <= 4)
        #expect(log.resets.withLock { $0 } == 300)
        #expect(await holders.collisions.isEmpty)
        #expect(await pool.counts.inUse == 0)
    }

    @Test("A pool claims parked databases before it builds, and drains its ready ones for parking")
    func claimsBeforeBuilding() async throws {
        let log = OperationLog()
        let pool = DatabasePool(limit: 3, operations: log.operations(parked: ["parked1", "parked2"]))
        let a = try await pool.acquire()
        let b = try await pool.acquire()
        let c = try await pool.acquire()
        #expect(Set([a.database, b.database]) == ["parked1", "parked2"])
        #expect(c.database.hasPrefix("built"))
        #expect(log.built.withLock { $0 } == 1)
        for name in [a.database, b.database, c.database] { await pool.release(name, reusable: true) }
        let ready = await pool.drain()
        #expect(Set(ready) == Set([a.database, b.database, c.database]))
        await #expect(throws: TestEnvError.self) { _ = try await pool.acquire() }
    }

    @Test("A nested acquire on a full pool does not deadlock")
    func nestedAcquireOnFullPool() async throws {
        let pool = DatabasePool(limit: 1, operations: OperationLog().operations(parked: []))
        let outer = try await pool.acquire()
        let inner = try await pool.acquire(beyondLimit: true)
        #expect(outer.database != inner.database)
        await pool.release(inner.database, reusable: true)
        await pool.release(outer.database, reusable: true)
        await pool.waitForBackgroundWork()
        #expect(await pool.counts.ready == 2)
    }

    @Test("The exit handler parks ready databases and templates, drops those mid-reset, and leaves builds alone")
    func exitStatements() {
        let fingerprint = String(repeating: "ab", count: 32)
        let (ready, template, busy, building) = (DatabaseName.make(), DatabaseName.make(), DatabaseName.make(), DatabaseName.make())
        let script = ExitParking.statements(
            for: [
                ready: .ready(fingerprint: fingerprint, readyAt: 1_764_000_000), template: .template(fingerprint: fingerprint),
                busy: .resetting,
                building: .building,
            ], parkSeconds: 60
        ).joined(separator: "\n")
        #expect(script.contains("state = 'parked'") && script.contains("db_name = '\(ready)'"))
        #expect(script.contains("ready_at = 1764000000"), "the next process's first reset compares only tables written since")
        #expect(script.contains("state = 'parked_template'") && script.contains("db_name = '\(template)'"))
        #expect(script.contains("DROP DATABASE IF EXISTS `\(busy)`"))
        #expect(!script.contains(building), "a database still being built must not be dropped or parked")
        let noParking = ExitParking.statements(for: [ready: .ready(fingerprint: fingerprint, readyAt: nil)], parkSeconds: 0)
        #expect(noParking.first == "DROP DATABASE IF EXISTS `\(ready)`")
    }
}

/// In-memory operations for a ``DatabasePool``: names instead of databases.
final class OperationLog: Sendable {
    let built = Mutex(0)
    let resets = Mutex(0)
    let claimable = Mutex<[String]>([])

    func operations(parked: [String]) -> DatabasePool.Operations {
        claimable.withLock { $0 = parked }
        return DatabasePool.Operations(
            build: {
                if let claimed = self.claimable.withLock({ $0.popLast() }) { return claimed }
                let number = self.built.withLock { value in
                    value += 1
                    return value
                }
                try await Task.sleep(for: .milliseconds(2))
                return "built\(number)"
            },
            reset: { _ in
                self.resets.withLock { $0 += 1 }
                await Task.yield()
                return true
            },
            drop: { _ in })
    }
}
