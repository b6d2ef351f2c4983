import Foundation
import TestEnvTestSupport
import Testing

@testable import TestEnvKit

/// Runs the built `testenv` executable, as a user would. Waiting for a process blocks, so it
/// happens on a dispatch thread, never on the cooperative pool the other tests share.
func testenv(_ arguments: [String], environment changes: [String: String?] = [:]) async throws -> (
    status: Int32, output: String, error: String
) {
    var inherited = ProcessInfo.processInfo.environment
    for (name, value) in changes { inherited[name] = value }
    let environment = inherited
    let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    let candidates = [directory, directory.deletingLastPathComponent()].map { $0.appendingPathComponent("testenv").path }
    let path = try #require(candidates.first { FileManager.default.isExecutableFile(atPath: $0) }, "testenv is not built next to the tests")
    return try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(with: Result { try runToEnd(path, arguments, environment) })
        }
    }
}

private func runToEnd(_ path: String, _ arguments: [String], _ environment: [String: String]) throws -> (
    status: Int32, output: String, error: String
) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    process.environment = environment
    let output = Pipe()
    let error = Pipe()
    process.standardOutput = output
    process.standardError = error
    try process.run()
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    let errorData = error.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: outputData, as: UTF8.self), String(decoding: errorData, as: UTF8.self))
}

@Suite struct CheckSchemaCommandTests {
    var backend: String { KitTests.configuration.backend.rawValue }

    @Test(
        "check-schema --json loads Chinook and reports its tables and rows",
        .enabled(if: FixturePaths.chinook("Chinook_Sqlite.sql") != nil, "../shared/fixtures/chinook is not beside the repository"))
    func chinookJSON() async throws {
        let file = try #require(FixturePaths.chinook(backend == "mysql" ? "Chinook_MySql.sql" : "Chinook_Sqlite.sql"))
        let run = try await testenv(["check-schema", "--type", backend, "--skip-database-statements", "--json", file])
        #expect(run.status == 0, "\(run.error)")
        let inventory = try JSONDecoder().decode(SchemaInventory.self, from: Data(run.output.utf8))
        #expect(inventory.backend == backend)
        #expect(inventory.tables == 11)
        #expect(inventory.rows["Track"] == 3503)
        let keys = try #require(try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any]).keys
        #expect(Set(keys) == ["backend", "database", "tables", "views", "triggers", "routines", "indexes", "rows"])
    }

    @Test("check-schema prints counts as text for the example schema")
    func exampleText() async throws {
        let run = try await testenv(["check-schema", "--type", backend, FixturePaths.exampleSchema(backend)])
        #expect(run.status == 0, "\(run.error)")
        #expect(run.output.contains("tables: 2"))
        #expect(run.output.contains("users"))
    }

    @Test("check-schema exits non-zero and names file:line when a statement fails")
    func failureNamesLine() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("testenv-bad-\(UUID().uuidString).sql")
        try "CREATE TABLE a (id INT);\n\nINSERT INTO nope VALUES (1);\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let run = try await testenv(["check-schema", "--type", backend, file.path])
        #expect(run.status != 0)
        #expect(run.error.contains("\(file.path):3"))
    }

    @Test("check-schema lists every refused statement with its file:line, loads nothing, and exits non-zero")
    func listsEveryRefusal() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("testenv-hostile-\(UUID().uuidString).sql")
        let script =
            backend == "mysql"
            ? "CREATE TABLE a (id INT);\nSET GLOBAL max_connections = 11;\nCREATE TABLE b (id INT);\nGRANT ALL ON *.* TO nobody;\nSHUTDOWN;\n"
            : "CREATE TABLE a (id INT);\nATTACH 'x.db' AS x;\nCREATE TABLE b (id INT);\nVACUUM INTO 'y.db';\nSELECT load_extension('z');\n"
        try script.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let run = try await testenv(["check-schema", "--type", backend, file.path])
        #expect(run.status != 0)
        for line in [2, 4, 5] { #expect(run.error.contains("\(file.path):\(line):"), "line \(line) in \(run.error)") }
        #expect(!run.error.contains("\(file.path):1:"))
        #expect(run.error.contains("3 statement(s) refused"))
    }
}

@Suite struct BenchCommandTests {
    private static let lifecycleKeys: Set<String> = [
        "acquire_p50_ms", "acquire_p99_ms", "release_p50_ms", "wall_s", "environments", "concurrency",
    ]
    private static let backendKeys: Set<String> = ["naive", "fast", "speedup", "acquire_speedup", "workload_tables"]
    private static let suiteModes: Set<String> = ["floor", "fresh", "pooled_cold", "pooled_warm", "transaction"]

    /// `testenv bench` with small numbers; `extra` replaces the example schema's `--fixtures` when it names a schema.
    private func bench(_ extra: [String]) async throws -> (object: [String: Any], figures: [String: Any]) {
        let backend = KitTests.configuration.backend.rawValue
        let fixtures = FixturePaths.repositoryRoot.appendingPathComponent("Fixtures").path
        let source = extra.contains("--schema") ? [] : ["--fixtures", fixtures]
        let run = try await testenv(
            ["bench", "--type", backend, "--environments", "6", "--concurrency", "2", "--tests", "6", "--json"] + source + extra)
        #expect(run.status == 0, "\(run.error)")
        #expect(!run.error.contains("\r"), "no progress line when standard error is not a terminal")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any])
        return (object, object[backend] as? [String: Any] ?? [:])
    }

    @Test("testenv bench --json prints the documented keys for the backend it ran (a smoke test, not a speed test)")
    func jsonShape() async throws {
        let backend = KitTests.configuration.backend.rawValue
        let (object, figures) = try await bench([])
        #expect(Set(object.keys) == ["machine", "server", backend])
        #expect(Set(figures.keys) == Self.backendKeys)
        for path in ["naive", "fast"] {
            let lifecycles = try #require(figures[path] as? [String: Any])
            #expect(Set(lifecycles.keys) == Self.lifecycleKeys)
            #expect(lifecycles["environments"] as? Int == 6)
            #expect(lifecycles["concurrency"] as? Int == 2)
        }
        #expect(figures["workload_tables"] as? [String] == ["merchants", "users"])
        let machine = try #require(object["machine"] as? [String: Any])
        #expect(Set(machine.keys) == ["cores", "memory_gib", "os"])
        let server = try #require(object["server"] as? [String: Any])
        #expect(server["version"] is String)
    }

    @Test("testenv bench --workload suite --json prints every mode's wall time, overhead per test and errors")
    func suiteJSONShape() async throws {
        let backend = KitTests.configuration.backend.rawValue
        let (object, _) = try await bench(["--workload", "suite"])
        let suites = try #require(object["suite"] as? [String: Any])
        let suite = try #require(suites[backend] as? [String: Any])
        #expect(suite["tests"] as? Int == 6)
        #expect(Self.suiteModes.isSubset(of: Set(suite.keys)))
        for mode in Self.suiteModes {
            let figures = try #require(suite[mode] as? [String: Any])
            #expect(Set(figures.keys) == ["wall_s", "overhead_per_test_ms", "errors"])
            #expect((figures["errors"] as? [String: Int])?.isEmpty == true, "\(mode): \(figures)")
        }
    }

    @Test(
        "testenv bench runs on the user's own schema files (Chinook) alone, writing three of its tables",
        .enabled(if: FixturePaths.chinook("Chinook_MySql.sql") != nil, "../shared/fixtures/chinook is not beside the repository"))
    func ownSchema() async throws {
        let mysql = try #require(FixturePaths.chinook("Chinook_MySql.sql"), "the Chinook fixture (../shared/fixtures/chinook) is missing")
        let sqlite = try #require(FixturePaths.chinook("Chinook_Sqlite.sql"))
        let (_, figures) = try await bench(["--schema", mysql, "--sqlite-schema", sqlite, "--skip-database-statements"])
        let tables = try #require(figures["workload_tables"] as? [String])
        #expect(tables.count == 3)
    }
}
