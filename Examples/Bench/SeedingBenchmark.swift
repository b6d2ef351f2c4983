import Foundation
import TestEnvExamples
import TestEnvKit

/// The measurements behind `testenv-seeding-bench`.
struct SeedingBenchmark {
    let manager: TestEnvironmentManager
    let root: String
    private let clock = ContinuousClock()

    func run(rows: Int, cases: Int, repeats: Int) async throws -> Figures {
        let perRow = try await timeOneInsertPerRow(rows)
        let createList = try await timeCreateList(rows)
        let ceiling = try await timeServerCeiling(rows)
        let (trigger, server) = try await timeTrigger(cases: cases, repeats: repeats)
        await manager.shutdown()
        return Figures(
            server: server, rows: rows, createListRowsPerSecond: Double(rows) / createList, perRowRowsPerSecond: Double(rows) / perRow,
            serverCeilingRowsPerSecond: Double(rows) / ceiling, triggerCases: cases, triggerMedianMilliseconds: trigger * 1000)
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

    private func timeTrigger(cases: Int, repeats: Int) async throws -> (Double, String) {
        try await withIsolatedEnvironment(schema: .executionService(root: root), manager: manager) { env in
            let ids = try await DataFactory(env).createList(.testCase, count: cases).map { try $0.decode(Int64.self, "id") }
            let service = ExecutionService(database: env.connection)
            var timings: [Double] = []
            for _ in 0..<repeats {
                timings.append(try await seconds { _ = try await service.triggerTestExecution(caseIds: ids, triggeredBy: "bench") })
            }
            let version = try await env.connection.get(env.backend == .mysql ? "SELECT VERSION()" : "SELECT sqlite_version()", [])
            return (timings.sorted()[timings.count / 2], "\(env.backend) \(try version?.decode(String.self, 0) ?? "?")")
        }
    }

    private func seconds(_ work: () async throws -> Void) async throws -> Double {
        let start = clock.now
        try await work()
        let elapsed = (clock.now - start).components
        return Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
    }
}
