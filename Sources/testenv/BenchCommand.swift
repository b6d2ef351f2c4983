import ArgumentParser
import Foundation
import TestEnvKit

/// `testenv bench`: what isolation costs, measured on the user's own schema — lifecycles the naive
/// way and the fast way side by side, or whole suites of tests started at once in every mode.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure what isolating tests costs on your schema: lifecycles (naive against pooled/cloned) or whole suites.",
        discussion: """
            A lifecycle acquires an environment, inserts a few rows into up to three of its tables and reads them \
            back, and releases it: once creating, loading and dropping a database each time (naive), once with the \
            warm pool (MySQL) or template clones (SQLite). --workload suite starts --tests tests at once in each \
            mode against the floor (the same tests on one shared database). Only databases the bench creates are \
            touched, and all are removed. Without --schema it uses the example schema under --fixtures. Ideally \
            from a release build: swift run -c release testenv bench.
            """
    )

    @Option(name: .customLong("type"), help: "mysql, sqlite or both (default: TEST_DB_TYPE, else sqlite).")
    var backend: String?

    @Option(name: .customLong("schema"), help: "A schema script to benchmark (repeatable; default: the example schema).")
    var schemaFiles: [String] = []

    @Option(name: .customLong("sqlite-schema"), help: "A script for SQLite when --schema holds MySQL scripts (repeatable).")
    var sqliteSchemaFiles: [String] = []

    @Flag(help: "Skip USE, CREATE DATABASE and similar statements in the scripts instead of refusing them.")
    var skipDatabaseStatements = false

    @Option(help: "lifecycle (one after another, naive against pooled/cloned) or suite (N tests at once in every mode, against the floor).")
    var workload = "lifecycle"

    @Option(help: "Tests started at once, for --workload suite.")
    var tests = 300

    @Option(help: "Environment lifecycles per path.")
    var environments = 1_000

    @Option(help: "Concurrent workers.")
    var concurrency = 2

    @Option(help: "The directory holding the example schema, used without --schema.")
    var fixtures = "Fixtures"

    @Flag(help: "Print one JSON object: {\"machine\", \"server\", \"mysql\", \"sqlite\"} (see the README).")
    var json = false

    func run() async throws {
        guard environments > 0, concurrency > 0, tests > 0 else {
            throw ValidationError("--environments, --concurrency and --tests must be positive")
        }
        guard ["lifecycle", "suite"].contains(workload) else {
            throw ValidationError("--workload must be lifecycle or suite, not \(String(reflecting: workload))")
        }
        let base = try TestEnvConfiguration.fromEnvironment()
        let backends: [DatabaseBackend]
        switch backend?.lowercased() ?? base.backend.rawValue {
        case "both": backends = [.mysql, .sqlite]
        case let name:
            guard let chosen = DatabaseBackend(rawValue: name) else {
                throw ValidationError("--type must be mysql, sqlite or both, not \(String(reflecting: name))")
            }
            backends = [chosen]
        }
        let root = URL(fileURLWithPath: fixtures).deletingLastPathComponent().path
        var report = BenchReport(machine: .current)
        for backend in backends {
            var configuration = base
            configuration.backend = backend
            configuration.requiresRequestedBackend = true  // a benchmark must measure what it names
            if workload == "suite" {
                let schema = schema(root: root.isEmpty ? "." : root)
                let result = try await SuiteBenchmark(configuration: configuration, schema: schema, tests: tests).run()
                report.suite[backend.rawValue] = result
                report.server = try await describeServer(configuration, schema: schema, current: report.server)
                continue
            }
            let schema = schema(root: root.isEmpty ? "." : root)
            let lifecycles = try await LifecycleBenchmark(
                configuration: configuration, schema: schema, environments: environments, concurrency: concurrency
            ).run()
            let figures = BenchReport.Figures(
                naive: lifecycles.naive, fast: lifecycles.fast, speedup: lifecycles.naive.wall / lifecycles.fast.wall,
                acquireSpeedup: lifecycles.naive.acquireP50 / lifecycles.fast.acquireP50, tables: lifecycles.tables)
            report.server = try await describeServer(configuration, schema: schema, current: report.server)
            if backend == .mysql { report.mysql = figures } else { report.sqlite = figures }
        }
        print(json ? try sortedJSON(report) : report.text)
    }

    /// The server's description, from a throwaway environment; MySQL's wins over SQLite's.
    private func describeServer(_ configuration: TestEnvConfiguration, schema: Schema, current: BenchReport.Server?) async throws
        -> BenchReport.Server?
    {
        guard configuration.backend == .mysql || current == nil else { return current }
        var settings = configuration
        settings.isolation = .fresh
        return try await withIsolatedEnvironment(manager: TestEnvironmentManager(configuration: settings)) { env in
            try await BenchReport.Server.describe(env)
        }
    }

    private func schema(root: String) -> Schema {
        let policy: DatabaseStatementPolicy = skipDatabaseStatements ? .skip : .refuse
        guard !schemaFiles.isEmpty else {
            return Schema(
                mysql: [.file("\(root)/Fixtures/mysql/schema.sql")], sqlite: [.file("\(root)/Fixtures/sqlite/schema.sql")],
                databaseStatements: policy)
        }
        let sqlite = sqliteSchemaFiles.isEmpty ? schemaFiles : sqliteSchemaFiles
        return Schema(mysql: schemaFiles.map(SchemaScript.file), sqlite: sqlite.map(SchemaScript.file), databaseStatements: policy)
    }
}

/// What `testenv bench` prints; the JSON keys are stable and documented in the README.
struct BenchReport: Encodable {
    struct Machine: Encodable {
        let cores: Int
        let memoryGiB: Double
        let os: String

        static var current: Machine {
            Machine(
                cores: ProcessInfo.processInfo.activeProcessorCount,
                memoryGiB: (Double(ProcessInfo.processInfo.physicalMemory) / 1_073_741_824 * 10).rounded() / 10,
                os: ProcessInfo.processInfo.operatingSystemVersionString)
        }

        enum CodingKeys: String, CodingKey {
            case cores
            case memoryGiB = "memory_gib"
            case os
        }
    }

    struct Server: Encodable {
        let version: String
        let settings: [String: String]

        static func describe(_ env: IsolatedEnvironment) async throws -> Server {
            guard env.backend == .mysql else {
                let version = try await env.connection.get("SELECT sqlite_version()", [])?.decode(String.self, 0) ?? "?"
                return Server(version: "SQLite \(version)", settings: ["database": env.databaseName])
            }
            let row = try await env.connection.get(
                "SELECT VERSION(), @@innodb_flush_log_at_trx_commit, @@innodb_doublewrite, @@datadir, @@sync_binlog, @@log_bin, @@max_connections",
                [])
            let names = [
                "version", "innodb_flush_log_at_trx_commit", "innodb_doublewrite", "datadir", "sync_binlog", "log_bin", "max_connections",
            ]
            var settings: [String: String] = [:]
            for (index, name) in names.enumerated().dropFirst() {
                switch row?[index] {
                case .integer(let value): settings[name] = String(value)
                case .unsignedInteger(let value): settings[name] = String(value)
                case .text(let value): settings[name] = value
                default: settings[name] = "NULL"
                }
            }
            if let setting = try await userstat(env.connection) { settings["userstat"] = setting }
            return Server(version: try row?.decode(String.self, 0) ?? "?", settings: settings)
        }
    }

    /// One path's lifecycles.
    struct Lifecycles: Encodable {
        let acquireP50: Double
        let acquireP99: Double
        let releaseP50: Double
        let wall: Double
        let environments: Int
        let concurrency: Int

        enum CodingKeys: String, CodingKey {
            case acquireP50 = "acquire_p50_ms"
            case acquireP99 = "acquire_p99_ms"
            case releaseP50 = "release_p50_ms"
            case wall = "wall_s"
            case environments
            case concurrency
        }
    }

    /// One backend's lifecycle figures.
    struct Figures: Encodable {
        let naive: Lifecycles
        let fast: Lifecycles
        let speedup: Double
        let acquireSpeedup: Double
        let tables: [String]

        enum CodingKeys: String, CodingKey {
            case naive, fast, speedup
            case acquireSpeedup = "acquire_speedup"
            case tables = "workload_tables"
        }
    }

    let machine: Machine
    var server: Server?
    var mysql: Figures?
    var sqlite: Figures?
    /// `--workload suite`: per backend.
    var suite: [String: SuiteBenchmark.Result] = [:]

    enum CodingKeys: String, CodingKey {
        case machine, server, mysql, sqlite, suite
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(machine, forKey: .machine)
        try container.encodeIfPresent(server, forKey: .server)
        try container.encodeIfPresent(mysql, forKey: .mysql)
        try container.encodeIfPresent(sqlite, forKey: .sqlite)
        if !suite.isEmpty { try container.encode(suite, forKey: .suite) }
    }

    init(machine: Machine) { self.machine = machine }

    var text: String {
        var lines = [
            "machine: \(machine.cores) cores, \(machine.memoryGiB) GiB, \(machine.os)",
            "server: \(server?.version ?? "?") \(server?.settings.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ") ?? "")",
        ]
        for (name, figures) in [("mysql", mysql), ("sqlite", sqlite)] {
            guard let figures else { continue }
            let fastName = name == "mysql" ? "pooled" : "cloned"
            lines += [
                "\(name): \(figures.naive.environments) lifecycles, \(figures.naive.concurrency) workers, writing \(figures.tables.joined(separator: ", "))",
                "  path     acquire p50   acquire p99   release p50      wall",
                row("naive", figures.naive), row(fastName, figures.fast),
                "  \(fastName) is \(String(format: "%.1f", figures.speedup))× faster than naive in wall time, "
                    + "\(String(format: "%.1f", figures.acquireSpeedup))× at acquire p50",
            ]
        }
        for (name, result) in suite.sorted(by: { $0.key < $1.key }) {
            lines += [
                "\(name) suite: \(result.tests) tests started at once, writing \(result.tables.joined(separator: ", "))",
                "  mode           wall   overhead per test   errors",
            ]
            for (mode, figures) in [
                ("floor", result.floor), ("fresh", result.fresh), ("pooled cold", result.pooledCold), ("pooled warm", result.pooledWarm),
                ("transaction", result.transaction),
            ] {
                let errors =
                    figures.errors.isEmpty
                    ? "none" : figures.errors.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                lines.append(
                    "  " + mode.padding(toLength: 12, withPad: " ", startingAt: 0)
                        + String(format: "%7.2f s %14.2f ms   ", figures.wall, figures.overheadPerTest) + errors)
            }
            for (mode, figures) in [("pooled warm", result.pooledWarm), ("pooled cold", result.pooledCold)]
            where figures.overheadPerTest > 0 && result.fresh.overheadPerTest > 0 {
                lines.append(
                    "  fresh's overhead per test is \(String(format: "%.1f", result.fresh.overheadPerTest / figures.overheadPerTest))× \(mode)'s"
                )
            }
        }
        return lines.joined(separator: "\n")
    }

    private func row(_ name: String, _ lifecycles: Lifecycles) -> String {
        "  " + name.padding(toLength: 7, withPad: " ", startingAt: 0)
            + String(
                format: "%10.3f ms %10.3f ms %10.3f ms %8.2f s", lifecycles.acquireP50, lifecycles.acquireP99, lifecycles.releaseP50,
                lifecycles.wall)
    }
}
