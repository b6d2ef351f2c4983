import Foundation
import TestEnvExamples
import TestEnvKit
import TestEnvTestSupport
import Testing

enum Examples {
    static let root = FixturePaths.repositoryRoot.path
    static let exampleSchema = Schema.example(root: root)
    static let executionSchema = Schema.executionService(root: root)

    static let configuration = (try? TestEnvConfiguration.fromEnvironment()) ?? TestEnvConfiguration()
    static let manager = TestEnvironmentManager(configuration: configuration)

    static func count(_ db: any DatabaseConnection, _ sql: String, _ bindings: [DatabaseValue] = []) async throws -> Int {
        try await db.get(sql, bindings)?.decode(Int.self, 0) ?? -1
    }
}

@Suite struct SeedingBenchTests {
    @Test("testenv-seeding-bench --json reports createList against one INSERT per row and against the server's ceiling")
    func jsonShape() async throws {
        let backend = Examples.configuration.backend.rawValue
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [directory, directory.deletingLastPathComponent()].map { $0.appendingPathComponent("testenv-seeding-bench").path }
        let path = try #require(candidates.first { FileManager.default.isExecutableFile(atPath: $0) }, "testenv-seeding-bench is not built")
        let output: Data = try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(
                    with: Result {
                        let process = Process()
                        process.executableURL = URL(fileURLWithPath: path)
                        process.arguments = [
                            "--type", backend, "--rows", "50", "--cases", "20", "--lookups", "3", "--repeats", "1", "--root", Examples.root,
                            "--json",
                        ]
                        let pipe = Pipe()
                        process.standardOutput = pipe
                        try process.run()
                        let data = pipe.fileHandleForReading.readDataToEndOfFile()
                        process.waitUntilExit()
                        return data
                    })
            }
        }
        let object = try #require(try JSONSerialization.jsonObject(with: output) as? [String: Any])
        let figures = try #require(object[backend] as? [String: Any])
        #expect(
            Set(figures.keys) == [
                "server", "rows", "create_list_rows_per_s", "per_row_rows_per_s", "create_list_server_ceiling_rows_per_s", "seed_speedup",
                "create_list_share_of_ceiling", "service",
            ])
        #expect(figures["rows"] as? Int == 50)
        #expect((figures["create_list_server_ceiling_rows_per_s"] as? Double ?? 0) > 0)
        let service = try #require(figures["service"] as? [String: Any])
        #expect(
            Set(service.keys) == [
                "cases", "trigger_ms", "callbacks", "callbacks_ms", "completion_ms", "cases_per_minute", "lookup_p50_ms", "lookup_p99_ms",
                "lookup_query_only_p99_ms",
            ])
        #expect(service["cases"] as? Int == 20)
        #expect(service["callbacks"] as? Int == 10)
        #expect((service["cases_per_minute"] as? Double ?? 0) > 0)
    }
}
