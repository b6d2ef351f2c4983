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
