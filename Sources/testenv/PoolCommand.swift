import ArgumentParser
import Foundation
import TestEnvKit

/// `testenv pool`: the MySQL databases test runs parked for the next run, per schema.
struct PoolCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pool",
        abstract: "List or drop the MySQL databases test runs parked for the next run.",
        discussion: """
            At a normal exit, a test process parks its pooled databases — reset, and recorded with the schema's \
            fingerprint — and the next run of the same schema claims them instead of building. They go after \
            TEST_DB_PARK_TTL seconds unused (the reaper and `testenv gc` remove them). Connection settings come from TEST_DB_*.
            """,
        subcommands: [Status.self, Drain.self]
    )

    static func manager() throws -> TestEnvironmentManager {
        var configuration = try TestEnvConfiguration.fromEnvironment()
        configuration.backend = .mysql
        configuration.requiresRequestedBackend = true
        configuration.reapsAtStart = false
        return TestEnvironmentManager(configuration: configuration)
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List parked databases per schema fingerprint.")

        @Flag(help: "Print a JSON array of {database, fingerprint, state, libraryVersion, parkedUntil}.")
        var json = false

        func run() async throws {
            let parked = try await PoolCommand.manager().parkedDatabases()
            if json {
                print(try sortedJSON(parked))
                return
            }
            guard !parked.isEmpty else {
                print("no parked databases")
                return
            }
            for (fingerprint, group) in Dictionary(grouping: parked, by: \.fingerprint).sorted(by: { $0.key < $1.key }) {
                let templates = group.filter { $0.state == "parked_template" }.count
                print(
                    "schema \(fingerprint.prefix(16)): \(group.count - templates) parked, \(templates) template(s), version \(group[0].libraryVersion)"
                )
                for database in group { print("  \(database.database)  \(database.state)  until \(database.parkedUntil)") }
            }
        }
    }

    struct Drain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Drop parked databases (all, or one schema's).")

        @Option(help: "Only the schema whose fingerprint starts with this.")
        var fingerprint: String?

        @Flag(help: "Print a JSON array of {database, owner, action, reason}.")
        var json = false

        func run() async throws {
            let decisions = try await PoolCommand.manager().drainParkedDatabases(fingerprint: fingerprint)
            if json {
                print(try sortedJSON(decisions))
            } else {
                for decision in decisions where decision.action != "remove" {
                    print("\(decision.action): \(decision.database) — \(decision.reason)")
                }
                print("\(decisions.filter { $0.action == "remove" }.count) parked databases dropped")
            }
            if decisions.contains(where: { $0.action == "failed" }) { throw ExitCode(1) }
        }
    }
}
