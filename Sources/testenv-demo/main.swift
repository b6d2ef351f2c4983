// The README's first command runs this: the ExecutionService scenario in an isolated environment
// on the default backend (SQLite in memory), and on MySQL too when TEST_DB_TYPE=mysql. Each step
// prints how many rows it wrote and how long it took; the end shows that cleanup left nothing.
import Foundation
import TestEnvExamples
import TestEnvKit

let clock = ContinuousClock()

func report(_ label: String, rows: Int?, took elapsed: Duration) {
    let milliseconds = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
    let written = rows.map { "\($0) rows" } ?? ""
    let columns =
        label.padding(toLength: 58, withPad: " ", startingAt: 0) + " " + written.padding(toLength: 11, withPad: " ", startingAt: 0)
    print("  ✓ \(columns) \(String(format: "%7.1f ms", milliseconds))")
}

func step<T>(_ label: String, rows: (T) -> Int? = { _ in nil }, _ work: () async throws -> T) async rethrows -> T {
    let start = clock.now
    let value = try await work()
    report(label, rows: rows(value), took: clock.now - start)
    return value
}

func scenario(on backend: DatabaseBackend, configuration base: TestEnvConfiguration) async throws {
    var configuration = base
    configuration.backend = backend
    let manager = TestEnvironmentManager(configuration: configuration)
    let root = FileManager.default.currentDirectoryPath
    var databaseName = ""
    let creation = clock.now
    try await withIsolatedEnvironment(schema: .executionService(root: root), manager: manager) { env in
        databaseName = env.databaseName
        print(
            "\nbackend \(env.backend)\(env.isFallback ? " (fallback: \(env.fallbackReason ?? ""))" : "") — environment \(env.databaseName)")
        report("created the environment and loaded the schema (4 tables)", rows: nil, took: clock.now - creation)
        let cases = try await step("seeded test cases with DataFactory.createList", rows: { $0.count }) {
            try await DataFactory(env).createList(.testCase, count: 1_000).map { try $0.decode(Int64.self, "id") }
        }
        let service = ExecutionService(database: env.connection)
        let execution = try await step("triggered an execution of every case", rows: { $0.totalCases + 1 }) {
            try await service.triggerTestExecution(caseIds: cases, triggeredBy: "demo")
        }
        let results = cases.enumerated().map { CaseResult(caseId: $0.element, passed: $0.offset % 10 != 0, durationMs: 40) }
        let run = try await step("completed it: results, detail statuses, run counters", rows: { _ in results.count * 2 + 1 }) {
            try await service.completeBatchExecution(executionId: execution.executionId, results: results)
        }
        let record = try await step("looked the execution up by its id") { try await service.execution(byId: execution.executionId) }
        let statuses = (record?.casesByStatus ?? [:]).sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        print(
            "    run \(run.id): \(run.status), \(run.passedCases) passed, \(run.failedCases) failed; cases by status: \(statuses)"
        )
    }
    print("  ✓ removed the environment: \(try await leftovers(of: databaseName, backend: backend, manager: manager))")
}

/// Shows that cleanup left nothing: the manager tracks no environment and, on MySQL, the server has no such database.
func leftovers(of name: String, backend: DatabaseBackend, manager: TestEnvironmentManager) async throws -> String {
    let live = await manager.liveEnvironments.count
    guard backend == .mysql else { return "\(live) environments live, the in-memory database is gone with its connection" }
    let admin = try await MySQLConnection.connect(manager.configuration.mysql)
    let found = try await admin.get("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", [.text(name)])?.decode(
        Int.self, 0)
    await admin.close()
    return "\(live) environments live, \(found ?? -1) databases named \(name) on the server"
}

do {
    let configuration = try TestEnvConfiguration.fromEnvironment()
    print("TestEnvKit demo — the ExecutionService scenario, each step in an isolated environment")
    for backend in configuration.backend == .mysql ? [DatabaseBackend.sqlite, .mysql] : [.sqlite] {
        try await scenario(on: backend, configuration: configuration)
    }
} catch {
    FileHandle.standardError.write(Data("testenv-demo failed: \(error)\n".utf8))
    exit(1)
}
