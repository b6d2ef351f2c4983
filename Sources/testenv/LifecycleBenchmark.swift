import Foundation
import TestEnvKit

/// `testenv bench`'s main figure: N environment lifecycles — acquire, a few writes and reads,
/// release — with C workers, once the naive way (create, load, drop) and once the fast way
/// (MySQL: the warm pool; SQLite: template clones), in the same run.
struct LifecycleBenchmark {
    let configuration: TestEnvConfiguration
    let schema: Schema
    let environments: Int
    let concurrency: Int

    struct Result {
        let naive: BenchReport.Lifecycles
        let fast: BenchReport.Lifecycles
        let tables: [String]
    }

    func run() async throws -> Result {
        let workload = try await plan()
        let naive = try await measure(.fresh, workload)
        let fast = try await measure(.pooled, workload)
        return Result(naive: naive, fast: fast, tables: workload.steps.map(\.table))
    }

    private func plan() async throws -> BenchWorkload {
        var settings = configuration
        settings.isolation = .fresh
        let manager = TestEnvironmentManager(configuration: settings)
        return try await withIsolatedEnvironment(schema: schema, manager: manager) { env in try await BenchWorkload.plan(on: env) }
    }

    private func measure(_ isolation: IsolationMode, _ workload: BenchWorkload) async throws -> BenchReport.Lifecycles {
        var settings = configuration
        settings.isolation = isolation
        let manager = TestEnvironmentManager(configuration: settings)
        let progress = TerminalProgress(
            "\(configuration.backend) \(isolation == .fresh ? "naive" : "fast") lifecycles", total: environments)
        defer { progress.finish() }
        let clock = ContinuousClock()
        let start = clock.now
        let timings = try await withThrowingTaskGroup(of: [(acquire: Duration, release: Duration)].self) { group in
            for worker in 0..<concurrency {
                let share = environments / concurrency + (worker < environments % concurrency ? 1 : 0)
                group.addTask {
                    var timings: [(acquire: Duration, release: Duration)] = []
                    for index in 0..<share {
                        let acquireStart = clock.now
                        let env = try await manager.createIsolatedEnvironment(schema: schema)
                        let acquired = clock.now
                        do {
                            try await workload.run(on: env.connection, seed: worker * environments + index)
                        } catch {
                            try? await manager.cleanupEnvironment(env)
                            throw error
                        }
                        let releaseStart = clock.now
                        try await manager.cleanupEnvironment(env)
                        timings.append((acquired - acquireStart, clock.now - releaseStart))
                        progress.advance()
                    }
                    return timings
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        // Resets still running belong to the fast path's cost.
        await manager.waitForBackgroundWork()
        let wall = clock.now - start
        await manager.shutdown()
        return BenchReport.Lifecycles(
            acquireP50: percentile(timings.map(\.acquire), 0.50), acquireP99: percentile(timings.map(\.acquire), 0.99),
            releaseP50: percentile(timings.map(\.release), 0.50), wall: wall.seconds, environments: environments,
            concurrency: concurrency)
    }

    private func percentile(_ durations: [Duration], _ fraction: Double) -> Double {
        let sorted = durations.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted[min(sorted.count - 1, Int((Double(sorted.count) * fraction).rounded(.up)) - 1)].seconds * 1000
    }
}

extension Duration {
    /// The duration in seconds, for the CLI's figures.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
