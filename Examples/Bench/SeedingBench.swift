// `testenv-seeding-bench`: seeding and service figures on the example schema, each against a
// baseline measured in the same run — `createList` of N users against one autocommit INSERT per row
// and against the server's ceiling for the same work (the same multi-row `INSERT … RETURNING *`
// statements, pre-built and sent straight through the driver) — and the ExecutionService's flow on
// N cases (trigger, callbacks for half, completion with the other half) in cases per minute, with
// the p99 of its results lookup against the same query sent straight through the driver. Run it from the repository's directory (it loads Fixtures/), ideally from a
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

    @Option(help: "Test cases in the ExecutionService's run.")
    var cases = 10_000

    @Option(help: "Results lookups to time (p50 and p99 are reported).")
    var lookups = 100

    @Option(help: "Rounds of createList and the server's ceiling, interleaved (medians are reported).")
    var repeats = 3

    @Option(help: "The repository's directory, which holds Fixtures/.")
    var root = "."

    @Flag(help: "Print one JSON object: {\"mysql\": {…}, \"sqlite\": {…}} with the keys of Figures.")
    var json = false

    func run() async throws {
        guard rows > 0, cases > 1, lookups > 0, repeats > 0 else {
            throw ValidationError("--rows, --lookups and --repeats must be positive, --cases at least 2")
        }
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
            report[name] = try await seeding.run(rows: rows, cases: cases, lookups: lookups, repeats: repeats)
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
    let service: ServiceFigures

    enum CodingKeys: String, CodingKey {
        case server, rows, service
        case createListRowsPerSecond = "create_list_rows_per_s"
        case perRowRowsPerSecond = "per_row_rows_per_s"
        case serverCeilingRowsPerSecond = "create_list_server_ceiling_rows_per_s"
        case seedSpeedup = "seed_speedup"
        case ceilingShare = "create_list_share_of_ceiling"
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
        try container.encode(service, forKey: .service)
    }

    var text: String {
        "\(server); seeding \(rows) users: one autocommit INSERT per row \(String(format: "%.0f", perRowRowsPerSecond)) rows/s, "
            + "createList (median) \(String(format: "%.0f", createListRowsPerSecond)) rows/s (\(String(format: "%.1f", seedSpeedup))×), "
            + "the server's ceiling for the same statements \(String(format: "%.0f", serverCeilingRowsPerSecond)) rows/s "
            + "(createList at \(String(format: "%.0f", ceilingShare * 100)) %)\n  " + service.text
    }
}

/// The ExecutionService's flow on one run, and its results lookup.
struct ServiceFigures: Encodable {
    let cases: Int
    let triggerSeconds: Double
    let callbacks: Int
    let callbackSeconds: Double
    let completionSeconds: Double
    let lookupP50Seconds: Double
    let lookupP99Seconds: Double
    let queryP99Seconds: Double

    enum CodingKeys: String, CodingKey {
        case cases
        case triggerMilliseconds = "trigger_ms"
        case callbacks
        case callbackMilliseconds = "callbacks_ms"
        case completionMilliseconds = "completion_ms"
        case casesPerMinute = "cases_per_minute"
        case lookupP50Milliseconds = "lookup_p50_ms"
        case lookupP99Milliseconds = "lookup_p99_ms"
        case queryP99Milliseconds = "lookup_query_only_p99_ms"
    }

    /// Cases through trigger, callbacks and completion, per minute.
    var casesPerMinute: Double { Double(cases) / (triggerSeconds + callbackSeconds + completionSeconds) * 60 }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(cases, forKey: .cases)
        try container.encode(triggerSeconds * 1000, forKey: .triggerMilliseconds)
        try container.encode(callbacks, forKey: .callbacks)
        try container.encode(callbackSeconds * 1000, forKey: .callbackMilliseconds)
        try container.encode(completionSeconds * 1000, forKey: .completionMilliseconds)
        try container.encode(casesPerMinute, forKey: .casesPerMinute)
        try container.encode(lookupP50Seconds * 1000, forKey: .lookupP50Milliseconds)
        try container.encode(lookupP99Seconds * 1000, forKey: .lookupP99Milliseconds)
        try container.encode(queryP99Seconds * 1000, forKey: .queryP99Milliseconds)
    }

    var text: String {
        "ExecutionService on \(cases) cases: trigger \(String(format: "%.0f", triggerSeconds * 1000)) ms, \(callbacks) callbacks "
            + "\(String(format: "%.0f", callbackSeconds * 1000)) ms, completion with the rest \(String(format: "%.0f", completionSeconds * 1000)) ms: "
            + "\(String(format: "%.0f", casesPerMinute)) cases/min; results lookup p50 \(String(format: "%.1f", lookupP50Seconds * 1000)) ms, "
            + "p99 \(String(format: "%.1f", lookupP99Seconds * 1000)) ms (the query alone, straight through the driver: p99 "
            + "\(String(format: "%.1f", queryP99Seconds * 1000)) ms)"
    }
}
