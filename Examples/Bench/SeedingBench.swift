// `testenv-seeding-bench`: seeding and service figures on the example schema, each against a
// baseline measured in the same run — `createList` of N users against one autocommit INSERT per row
// and against the server's ceiling for the same work (the same multi-row `INSERT … RETURNING *`
// statements, pre-built and sent straight through the driver), and triggering an ExecutionService
// run of N cases. Run it from the repository's directory (it loads Fixtures/), ideally from a
// release build: `swift run -c release testenv-seeding-bench --type both`.
import ArgumentParser
import Foundation
import TestEnvExamples
import TestEnvKit

@main
struct SeedingBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "testenv-seeding-bench",
        abstract: "Seeding (createList against one INSERT per row and the server's ceiling) and ExecutionService figures.")

    @Option(name: .customLong("type"), help: "mysql, sqlite or both (default: TEST_DB_TYPE, else sqlite).")
    var backend: String?

    @Option(help: "Rows to seed, each way.")
    var rows = 10_000

    @Option(help: "Test cases in the triggered execution.")
    var cases = 1_000

    @Option(help: "Triggers to time (the median is reported).")
    var repeats = 5

    @Option(help: "The repository's directory, which holds Fixtures/.")
    var root = "."

    @Flag(help: "Print one JSON object: {\"mysql\": {…}, \"sqlite\": {…}} with the keys of Figures.")
    var json = false

    func run() async throws {
        guard rows > 0, cases > 0, repeats > 0 else { throw ValidationError("--rows, --cases and --repeats must be positive") }
        let base = try TestEnvConfiguration.fromEnvironment()
        let names =
            (backend?.lowercased() ?? base.backend.rawValue) == "both"
            ? ["mysql", "sqlite"] : [backend?.lowercased() ?? base.backend.rawValue]
        var report: [String: Figures] = [:]
        for name in names {
            guard let chosen = DatabaseBackend(rawValue: name) else {
                throw ValidationError("--type must be mysql, sqlite or both, not \(String(reflecting: name))")
            }
            var configuration = base
            configuration.backend = chosen
            configuration.requiresRequestedBackend = true  // a benchmark must measure what it names
            let seeding = SeedingBenchmark(manager: TestEnvironmentManager(configuration: configuration), root: root)
            report[name] = try await seeding.run(rows: rows, cases: cases, repeats: repeats)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            for (name, figures) in report.sorted(by: { $0.key < $1.key }) { print("\(name): \(figures.text)") }
        }
    }
}

/// One backend's seeding and service figures.
struct Figures: Encodable {
    let server: String
    let rows: Int
    let createListRowsPerSecond: Double
    let perRowRowsPerSecond: Double
    let serverCeilingRowsPerSecond: Double
    let triggerCases: Int
    let triggerMedianMilliseconds: Double

    enum CodingKeys: String, CodingKey {
        case server, rows
        case createListRowsPerSecond = "create_list_rows_per_s"
        case perRowRowsPerSecond = "per_row_rows_per_s"
        case serverCeilingRowsPerSecond = "create_list_server_ceiling_rows_per_s"
        case seedSpeedup = "seed_speedup"
        case ceilingShare = "create_list_share_of_ceiling"
        case triggerCases = "trigger_cases"
        case triggerMedianMilliseconds = "trigger_1000_cases_ms"
    }

    /// `createList` against one INSERT per row.
    var seedSpeedup: Double { createListRowsPerSecond / perRowRowsPerSecond }
    /// `createList` as a fraction of the server's ceiling for the same statements.
    var ceilingShare: Double { createListRowsPerSecond / serverCeilingRowsPerSecond }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(server, forKey: .server)
        try container.encode(rows, forKey: .rows)
        try container.encode(createListRowsPerSecond, forKey: .createListRowsPerSecond)
        try container.encode(perRowRowsPerSecond, forKey: .perRowRowsPerSecond)
        try container.encode(serverCeilingRowsPerSecond, forKey: .serverCeilingRowsPerSecond)
        try container.encode(seedSpeedup, forKey: .seedSpeedup)
        try container.encode(ceilingShare, forKey: .ceilingShare)
        try container.encode(triggerCases, forKey: .triggerCases)
        try container.encode(triggerMedianMilliseconds, forKey: .triggerMedianMilliseconds)
    }

    var text: String {
        "\(server); seeding \(rows) users: one autocommit INSERT per row \(String(format: "%.0f", perRowRowsPerSecond)) rows/s, "
            + "createList \(String(format: "%.0f", createListRowsPerSecond)) rows/s (\(String(format: "%.1f", seedSpeedup))×), "
            + "the server's ceiling for the same statements \(String(format: "%.0f", serverCeilingRowsPerSecond)) rows/s "
            + "(createList at \(String(format: "%.0f", ceilingShare * 100)) %); triggering an execution of \(triggerCases) cases: "
            + "\(String(format: "%.1f", triggerMedianMilliseconds)) ms (median)"
    }
}
