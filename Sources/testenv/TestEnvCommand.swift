import ArgumentParser
import Foundation
import TestEnvKit

/// `testenv`: the command-line companion of TestEnvKit.
@main
struct TestEnvCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "testenv",
        abstract: "Isolated test databases for Swift: inspect schemas and environments.",
        discussion:
            "Connection settings come from TEST_DB_TYPE, TEST_DB_HOST, TEST_DB_PORT, TEST_DB_USER, TEST_DB_PASSWORD, TEST_DB_SOCKET and DB_TEST_PATH.",
        version: "0.1.0",
        subcommands: [ServerCommand.self, DoctorCommand.self, CheckSchemaCommand.self, BenchCommand.self, GCCommand.self, PoolCommand.self]
    )

    static func main() async {
        // Run reports describe test processes; a CLI run inside a test run must not overwrite the test's.
        unsetenv("TEST_DB_REPORT")
        await main(nil)
    }
}
