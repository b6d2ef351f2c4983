import Foundation
import Logging
import Synchronization
import TestEnvTestSupport
import Testing

@testable import TestEnvKit

extension Schema {
    /// The project's example schema (`Fixtures/`): merchants and users, in both dialects.
    static let example = Schema(
        mysql: [.file(FixturePaths.exampleSchema("mysql"))], sqlite: [.file(FixturePaths.exampleSchema("sqlite"))])
}

enum KitTests {
    /// The configuration the test run was started with (scripts/test.sh exports TEST_DB_*).
    static let configuration = (try? TestEnvConfiguration.fromEnvironment()) ?? TestEnvConfiguration()

    /// A fresh manager with the run's configuration, so counters and created names are the test's own.
    static func manager(_ change: (inout TestEnvConfiguration) -> Void = { _ in }, logger: Logger? = nil) -> TestEnvironmentManager {
        var configuration = configuration
        change(&configuration)
        return TestEnvironmentManager(configuration: configuration, logger: logger ?? Logger(label: "TestEnvKitTests"))
    }

    /// Asserts the environment has the backend the run asked for, or is an allowed, reported fallback.
    static func expectRequestedBackend(_ environment: IsolatedEnvironment, sourceLocation: SourceLocation = #_sourceLocation) {
        if environment.isFallback {
            #expect(!configuration.requiresRequestedBackend, "fell back although fallback is off", sourceLocation: sourceLocation)
            #expect(environment.backend == .sqlite, sourceLocation: sourceLocation)
        } else {
            #expect(environment.backend == configuration.backend, sourceLocation: sourceLocation)
        }
    }

    /// Which of `names` still exist as databases on the test server.
    static func existingDatabases(_ names: Set<String>) async throws -> Set<String> {
        guard !names.isEmpty else { return [] }
        let admin = try await MySQLTestServer.connect()
        let rows = try await admin.all("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'test\\_%'")
        await admin.close()
        return names.intersection(try rows.map { try $0.decode(String.self, 0) })
    }

    /// Waits (up to five seconds) until no connection is in `names` any more: a closed connection can
    /// linger in the process list on a loaded machine, and the reaper and resets leave a database
    /// another connection uses alone — as a later run would not find it.
    static func waitUntilUnused(_ names: [String]) async throws {
        guard !names.isEmpty else { return }
        let admin = try await MySQLTestServer.connect()
        for _ in 0..<100 {
            let users = try await admin.get(
                "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB IN (\(SQLText.placeholders(names.count)))",
                names.map(DatabaseValue.text))
            if try users?.decode(Int.self, 0) == 0 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        await admin.close()
    }
}
