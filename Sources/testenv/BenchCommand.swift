import ArgumentParser
import Foundation
import TestEnvExamples
import TestEnvKit

/// `testenv bench`: seeding and service figures, each against a naive baseline measured in the same run.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure seeding (createList against one autocommit INSERT per row) and triggering an execution.",
        discussion: """
            Runs in isolated environments on the chosen backend and removes them. Run it from the repository's \
            directory (it loads Fixtures/), ideally from a release build: swift run -c release testenv bench.
            """
    )

    @OptionGroup var backendOptions: BackendOptions

    @Option(help: "Rows to seed, both ways.")
    var rows = 10_000

    @Option(help: "Test cases in the triggered execution.")
    var cases = 1_000

    @Option(help: "Triggers to time (the median is reported).")
    var repeats = 5

    @Option(help: "The directory holding the example schemas.")
    var fixtures = "Fixtures"

    @Flag(help: "Print one JSON object: {\"server\": {\"version\", \"settings\"}, \"<backend>\": {figures}}.")
    var json = false

    func run() async throws {
        var configuration = try backendOptions.configuration()
        configuration.requiresRequestedBackend = true  // a benchmark must measure what it names
        guard rows > 0, cases > 0, repeats > 0 else { throw ValidationError("--rows, --cases and --repeats must be positive") }
        let root = URL(fileURLWithPath: fixtures).deletingLastPathComponent().path
        let bench = SeedingBenchmark(manager: TestEnvironmentManager(configuration: configuration), root: root.isEmpty ? "." : root)
        let report = try await bench.run(rows: rows, cases: cases, repeats: repeats)
        print(json ? try report.json() : report.text)
    }
}

/// The measurements behind `testenv bench`.
struct SeedingBenchmark {
    let manager: TestEnvironmentManager
    let root: String
    private let clock = ContinuousClock()

    func run(rows: Int, cases: Int, repeats: Int) async throws -> BenchReport {
        let perRow = try await timeOneInsertPerRow(rows)
        let createList = try await timeCreateList(rows)
        let (trigger, server) = try await timeTrigger(cases: cases, repeats: repeats)
        let backend = manager.configuration.backend
        let figures = BenchReport.Figures(
            rows: rows, createListRowsPerSecond: Double(rows) / createList, perRowRowsPerSecond: Double(rows) / perRow,
            seedSpeedup: perRow / createList, triggerCases: cases, triggerMedianMilliseconds: trigger * 1000)
        return BenchReport(backend: backend, server: server, figures: figures)
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

    private func timeTrigger(cases: Int, repeats: Int) async throws -> (Double, BenchReport.Server) {
        try await withIsolatedEnvironment(schema: .executionService(root: root), manager: manager) { env in
            let ids = try await DataFactory(env).createList(.testCase, count: cases).map { try $0.decode(Int64.self, "id") }
            let service = ExecutionService(database: env.connection)
            var timings: [Double] = []
            for _ in 0..<repeats {
                timings.append(try await seconds { _ = try await service.triggerTestExecution(caseIds: ids, triggeredBy: "bench") })
            }
            return (timings.sorted()[timings.count / 2], try await BenchReport.Server.describe(env))
        }
    }

    private func seconds(_ work: () async throws -> Void) async throws -> Double {
        let start = clock.now
        try await work()
        let elapsed = clock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}

/// What `testenv bench` prints.
struct BenchReport: Encodable {
    struct Server: Encodable {
        let version: String
        let settings: [String: String]

        static func describe(_ env: IsolatedEnvironment) async throws -> Server {
            guard env.backend == .mysql else {
                let version = try await env.connection.get("SELECT sqlite_version()", [])?.decode(String.self, 0) ?? "?"
                return Server(version: "SQLite \(version)", settings: ["database": env.databaseName])
            }
            let row = try await env.connection.get(
                "SELECT VERSION(), @@innodb_flush_log_at_trx_commit, @@innodb_doublewrite, @@datadir, @@sync_binlog, @@log_bin", [])
            let names = ["version", "innodb_flush_log_at_trx_commit", "innodb_doublewrite", "datadir", "sync_binlog", "log_bin"]
            var settings: [String: String] = [:]
            for (index, name) in names.enumerated().dropFirst() {
                switch row?[index] {
                case .integer(let value): settings[name] = String(value)
                case .text(let value): settings[name] = value
                default: settings[name] = "NULL"
                }
            }
            return Server(version: try row?.decode(String.self, 0) ?? "?", settings: settings)
        }
    }

    struct Figures: Encodable {
        let rows: Int
        let createListRowsPerSecond: Double
        let perRowRowsPerSecond: Double
        let seedSpeedup: Double
        let triggerCases: Int
        let triggerMedianMilliseconds: Double

        enum CodingKeys: String, CodingKey {
            case rows
            case createListRowsPerSecond = "create_list_rows_per_s"
            case perRowRowsPerSecond = "per_row_rows_per_s"
            case seedSpeedup = "seed_speedup"
            case triggerCases = "trigger_cases"
            case triggerMedianMilliseconds = "trigger_1000_cases_ms"
        }
    }

    let backend: DatabaseBackend
    let server: Server
    let figures: Figures

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: DynamicKey.self)
        try container.encode(server, forKey: DynamicKey("server"))
        try container.encode(figures, forKey: DynamicKey(backend.rawValue))
    }

    func json() throws -> String {
        try sortedJSON(self)
    }

    var text: String {
        """
        backend: \(backend) — \(server.version) \(server.settings.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
        seeding \(figures.rows) users:
          one autocommit INSERT per row   \(String(format: "%10.0f", figures.perRowRowsPerSecond)) rows/s
          DataFactory.createList          \(String(format: "%10.0f", figures.createListRowsPerSecond)) rows/s   \(String(format: "%.1f", figures.seedSpeedup))× faster
        triggering an execution of \(figures.triggerCases) cases: \(String(format: "%.1f", figures.triggerMedianMilliseconds)) ms (median)
        """
    }
}

private struct DynamicKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
