import Foundation
import TestEnvKit
import TestEnvMySQL

/// `testenv bench --workload suite`: what a test runner does — N tests started at once in one
/// process, each the usual lifecycle (acquire, write a few rows, read them back, release) — in
/// each isolation mode, against the floor: the same tests on one shared database (on MySQL through
/// as many connections as the other modes hold environments), run first and again last; the faster
/// of the two counts, since noise (a server still purging the last mode's drops) only ever slows a
/// run down. Overhead per test = (wall − floor wall) / N.
///
/// `pooled_cold` starts with nothing parked for the schema; `pooled_warm` is a second manager after
/// the first parked its databases, as a second `swift test` finds them. Errors are counted per mode
/// (lock waits, busy databases, timeouts) instead of stopping the run.
struct SuiteBenchmark {
    let configuration: TestEnvConfiguration
    let schema: Schema
    let tests: Int

    struct Mode: Encodable {
        let wall: Double
        let overheadPerTest: Double
        let errors: [String: Int]

        enum CodingKeys: String, CodingKey {
            case wall = "wall_s"
            case overheadPerTest = "overhead_per_test_ms"
            case errors
        }
    }

    struct Result: Encodable {
        let tests: Int
        let tables: [String]
        let floor: Mode
        let fresh: Mode
        let pooledCold: Mode
        let pooledWarm: Mode
        let transaction: Mode

        enum CodingKeys: String, CodingKey {
            case tests, floor, fresh, transaction
            case tables = "workload_tables"
            case pooledCold = "pooled_cold"
            case pooledWarm = "pooled_warm"
        }
    }

    func run() async throws -> Result {
        let workload = try await plan()
        let first = try await measureFloor(workload)
        let fresh = try await measure(manager(.fresh), workload)
        try await drainParked()
        let cold = manager(.pooled)
        let pooledCold = try await measure(cold, workload, parking: true)
        let pooledWarm = try await measure(manager(.pooled), workload)
        let transaction = try await measure(manager(.transaction), workload)
        let floor = min(first, try await measureFloor(workload))
        let overhead = { (wall: Double, errors: [String: Int]) in
            Mode(wall: wall, overheadPerTest: (wall - floor) / Double(tests) * 1000, errors: errors)
        }
        return Result(
            tests: tests, tables: workload.steps.map(\.table), floor: overhead(floor, [:]), fresh: overhead(fresh.wall, fresh.errors),
            pooledCold: overhead(pooledCold.wall, pooledCold.errors), pooledWarm: overhead(pooledWarm.wall, pooledWarm.errors),
            transaction: overhead(transaction.wall, transaction.errors))
    }

    private func manager(_ isolation: IsolationMode) -> TestEnvironmentManager {
        var settings = configuration
        settings.isolation = isolation
        settings.reapsAtStart = false
        return TestEnvironmentManager(configuration: settings)
    }

    private func plan() async throws -> BenchWorkload {
        try await withIsolatedEnvironment(schema: schema, manager: manager(.fresh)) { env in try await BenchWorkload.plan(on: env) }
    }

    /// Nothing of this schema is parked when the cold run starts (an earlier bench's leftovers would make it warm).
    private func drainParked() async throws {
        guard configuration.backend == .mysql else { return }
        let probe = try await MySQLConnection.connect(configuration.mysql)
        let fingerprint = try SchemaFingerprint(schema, backend: .mysql, serverVersion: probe.serverVersion)
        await probe.close()
        _ = try await manager(.pooled).drainParkedDatabases(fingerprint: fingerprint.value)
    }

    /// The same tests on one shared database: no isolation at all. On MySQL the tests share as many
    /// connections as the other modes hold environments at once, the way an application's connection
    /// pool would serve them (one connection would queue every statement behind the others', and a
    /// mode doing more work could beat it); SQLite writes one at a time anyway, through one connection.
    private func measureFloor(_ workload: BenchWorkload) async throws -> Double {
        let manager = manager(.pooled)
        let env = try await manager.createIsolatedEnvironment(schema: schema)
        var connections = [env.connection]
        if env.backend == .mysql {
            // As many as the server gives, up to the bound: the other modes' bound also yields to a busy server.
            let count = configuration.maxConcurrentEnvironments ?? TestEnvConfiguration.defaultEnvironmentLimit
            for _ in 1..<max(1, count) {
                guard let connection = try? await env.connect() else { break }
                connections.append(connection)
            }
        }
        let shared = SharedConnections(connections)
        let progress = TerminalProgress("\(configuration.backend) suite: floor", total: tests)
        let clock = ContinuousClock()
        let start = clock.now
        // The extra connections are the environment's: its cleanup closes them, after a failure too.
        let cleanup = {
            try await manager.cleanupEnvironment(env)
            await manager.shutdown()
        }
        do {
            try await runAll(workload, on: shared, progress: progress)
        } catch {
            try? await cleanup()
            throw error
        }
        let wall = (clock.now - start).seconds
        progress.finish()
        try await cleanup()
        return wall
    }

    /// Every test at once, each on a connection of `shared` while it runs.
    private func runAll(_ workload: BenchWorkload, on shared: SharedConnections, progress: TerminalProgress) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for test in 0..<tests {
                group.addTask {
                    let connection = await shared.take()
                    do {
                        try await workload.run(on: connection, seed: test, checked: false)
                    } catch {
                        await shared.put(connection)
                        throw error
                    }
                    await shared.put(connection)
                    progress.advance()
                }
            }
            try await group.waitForAll()
        }
    }

    /// All tests at once, each in its own environment; with `parking`, the pool is parked afterwards
    /// for the next manager, as a process exit would.
    private func measure(_ manager: TestEnvironmentManager, _ workload: BenchWorkload, parking: Bool = false) async throws
        -> (wall: Double, errors: [String: Int])
    {
        let isolation = manager.configuration.isolation
        let progress = TerminalProgress("\(configuration.backend) suite: \(isolation)", total: tests)
        let clock = ContinuousClock()
        let start = clock.now
        let errors = await withTaskGroup(of: String?.self) { group in
            for test in 0..<tests {
                group.addTask {
                    defer { progress.advance() }
                    do {
                        try await withIsolatedEnvironment(schema: schema, manager: manager) { env in
                            try await workload.run(on: env.connection, seed: test, checked: isolation != .transaction)
                        }
                        return nil
                    } catch let error as TestEnvError {
                        return error.code.name
                    } catch let error as any DatabaseDriverError {
                        return error.kind.name
                    } catch {
                        return String(describing: type(of: error))
                    }
                }
            }
            return await group.reduce(into: [String: Int]()) { counts, kind in
                if let kind { counts[kind, default: 0] += 1 }
            }
        }
        // Resets still running belong to the run's cost, as a process exit waits for them.
        await manager.waitForBackgroundWork()
        let wall = (clock.now - start).seconds
        progress.finish()
        await manager.shutdown(parking: parking)
        return (wall, errors)
    }
}

/// Connections the floor's tests take in turn: each test has one to itself while it runs, as from
/// an application's connection pool.
private actor SharedConnections {
    private var free: [any DatabaseConnection]
    private var waiting: [CheckedContinuation<any DatabaseConnection, Never>] = []

    init(_ connections: [any DatabaseConnection]) { free = connections }

    func take() async -> any DatabaseConnection {
        if let connection = free.popLast() { return connection }
        return await withCheckedContinuation { waiting.append($0) }
    }

    func put(_ connection: any DatabaseConnection) {
        if waiting.isEmpty {
            free.append(connection)
        } else {
            waiting.removeFirst().resume(returning: connection)
        }
    }
}
