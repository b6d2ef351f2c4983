import ArgumentParser
import Foundation
import Logging
import TestEnvExamples
import TestEnvKit

/// The measurements behind `testenv-seeding-bench`.
struct SeedingBenchmark {
    let manager: TestEnvironmentManager
    let root: String
    private let clock = ContinuousClock()

    /// `repeats` rounds of `createList` and the ceiling, interleaved (their order alternating), so
    /// that the share compares medians measured under the same conditions.
    func run(rows: Int, cases: Int, lookups: Int, repeats: Int) async throws -> Figures {
        let perRow = try await timeOneInsertPerRow(rows)
        var createLists: [Double] = []
        var ceilings: [Double] = []
        for round in 0..<repeats {
            for measuresCreateList in round % 2 == 0 ? [true, false] : [false, true] {
                // The last measurement's database is reset in the background: not during this one.
                await manager.waitForBackgroundWork()
                if measuresCreateList {
                    createLists.append(try await timeCreateList(rows))
                } else {
                    ceilings.append(try await timeServerCeiling(rows))
                }
            }
        }
        let createList = percentile(createLists, 0.5)
        let ceiling = percentile(ceilings, 0.5)
        let (service, server) = try await timeService(cases: cases, lookups: lookups)
        await manager.shutdown()
        return Figures(
            server: server, rows: rows, createListRowsPerSecond: Double(rows) / createList, perRowRowsPerSecond: Double(rows) / perRow,
            serverCeilingRowsPerSecond: Double(rows) / ceiling, service: service)
    }

    /// The naive baseline: the same users, one autocommit INSERT each.
    private func timeOneInsertPerRow(_ rows: Int) async throws -> Double {
        try await withIsolatedEnvironment(schema: .example(root: root), manager: manager) { env in
            let factory = DataFactory(env)
            var values: [[String: DatabaseValue]] = []
            for _ in 0..<rows { values.append(try await factory.build(.user, traits: ["independent"])) }
            let columns = values[0].keys.sorted()
            let sql = "INSERT INTO users (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))"
            return try await seconds {
                for row in values { try await env.connection.run(sql, columns.map { row[$0]! }) }
            }
        }
    }

    private func timeCreateList(_ rows: Int) async throws -> Double {
        try await withIsolatedEnvironment(schema: .example(root: root), manager: manager) { env in
            let factory = DataFactory(env)
            return try await seconds { _ = try await factory.createList(.user, count: rows, traits: ["independent"]) }
        }
    }

    /// The same work without the factory: the users' values built beforehand, sent as the multi-row
    /// `INSERT … RETURNING *` statements of 1,000 rows that `createList` sends, straight through the driver.
    private func timeServerCeiling(_ rows: Int) async throws -> Double {
        try await withIsolatedEnvironment(schema: .example(root: root), manager: manager) { env in
            let factory = DataFactory(env)
            var values: [[String: DatabaseValue]] = []
            for _ in 0..<rows { values.append(try await factory.build(.user, traits: ["independent"])) }
            let columns = values[0].keys.sorted()
            let row = "(" + SQLText.placeholders(columns.count) + ")"
            let chunks = stride(from: 0, to: rows, by: 1000).map { values[$0..<min($0 + 1000, rows)] }
            let statements = chunks.map { chunk in
                (
                    "INSERT INTO users (\(columns.joined(separator: ", "))) VALUES "
                        + Array(repeating: row, count: chunk.count).joined(separator: ", ") + " RETURNING *",
                    chunk.flatMap { user in columns.map { user[$0]! } }
                )
            }
            return try await seconds {
                for (sql, bindings) in statements { _ = try await env.connection.all(sql, bindings) }
            }
        }
    }

    /// The service's whole flow on `cases` cases: trigger, one callback for each of the first half,
    /// completion with the second half's results; then the results lookup, timed `lookups` times,
    /// against the same query sent straight through the driver (the ceiling: no decoding, no run).
    private func timeService(cases: Int, lookups: Int) async throws -> (ServiceFigures, String) {
        try await withIsolatedEnvironment(schema: .executionService(root: root), manager: manager) { env in
            let ids = try await DataFactory(env).createList(.testCase, count: cases).map { try $0.decode(Int64.self, "id") }
            let service = ExecutionService(database: env.connection, logger: Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() })
            var triggered: TriggeredExecution?
            let trigger = try await seconds {
                triggered = try await service.trigger(TriggerRequest(caseIds: ids, projectId: 1, triggerType: .ci, triggeredBy: "bench"))
            }
            guard let triggered else { throw CleanExit.message("the trigger returned nothing") }
            let half = ids.count / 2
            let callbacks = try await seconds {
                for caseId in ids[..<half] {
                    try await service.report(CaseReport(caseId: caseId, status: .passed, durationMs: 5), executionId: triggered.executionId)
                }
            }
            let completion = try await seconds {
                let results = ids[half...].map { CaseReport(caseId: $0, status: $0 % 10 == 0 ? .failed : .passed, durationMs: 5) }
                _ = try await service.complete(runId: triggered.runId, results: results)
            }
            var lookupTimes: [Double] = []
            var queryTimes: [Double] = []
            for _ in 0..<lookups {
                lookupTimes.append(try await seconds { _ = try await service.results(ofExecution: triggered.executionId) })
                queryTimes.append(
                    try await seconds {
                        _ = try await env.connection.all(
                            "SELECT * FROM Auto_TestRunResults WHERE execution_id = ? ORDER BY case_id", [.integer(triggered.executionId)])
                    })
            }
            let version = try await env.connection.get(env.backend == .mysql ? "SELECT VERSION()" : "SELECT sqlite_version()", [])
            let figures = ServiceFigures(
                cases: cases, triggerSeconds: trigger, callbacks: half, callbackSeconds: callbacks, completionSeconds: completion,
                lookupP50Seconds: percentile(lookupTimes, 0.5), lookupP99Seconds: percentile(lookupTimes, 0.99),
                queryP99Seconds: percentile(queryTimes, 0.99))
            return (figures, "\(env.backend) \(try version?.decode(String.self, 0) ?? "?")")
        }
    }

    private func percentile(_ samples: [Double], _ fraction: Double) -> Double {
        let sorted = samples.sorted()
        return sorted[min(sorted.count - 1, Int((Double(sorted.count) * fraction).rounded(.up)) - 1)]
    }

    private func seconds(_ work: () async throws -> Void) async throws -> Double {
        let start = clock.now
        try await work()
        let elapsed = (clock.now - start).components
        return Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
    }
}
