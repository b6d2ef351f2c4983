import ArgumentParser
import Foundation
import TestEnvKit

/// `testenv gc`: removes test databases whose owner is gone, and says why for each.
struct GCCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Remove test databases whose owner is gone (a crashed or killed test run).",
        discussion: """
            Only databases named test_<32 hex digits> that have a record in testenv_tracking._testenv_databases \
            are considered. One is removed when its owner is gone — on this host the process no longer runs, \
            on another host its lease expired — and no connection uses it. Connection settings come from TEST_DB_*.
            """
    )

    @Flag(help: "List what would be removed and why, and remove nothing.")
    var dryRun = false

    @Flag(help: "Print a JSON array of {database, owner, action, reason, databaseExists}.")
    var json = false

    func run() async throws {
        var configuration = try TestEnvConfiguration.fromEnvironment()
        configuration.backend = .mysql
        configuration.requiresRequestedBackend = true
        configuration.reapsAtStart = false
        let progress = TerminalProgress(dryRun ? "checking recorded databases" : "removing orphaned databases")
        let decisions = try await TestEnvironmentManager(configuration: configuration).reap(dryRun: dryRun) { _, _ in progress.advance() }
        progress.finish()
        if json {
            print(try sortedJSON(decisions))
            return
        }
        let verb = dryRun ? "would remove" : "removed"
        for decision in decisions {
            let what =
                decision.databaseExists ? decision.database : "the tracking row of \(decision.database) (the database is already gone)"
            let action = ["remove": verb, "keep": "kept", "failed": "could not remove"][decision.action] ?? decision.action
            print("\(action): \(what) — \(decision.reason) (owner: \(decision.owner))")
        }
        let removed = decisions.filter { $0.action == "remove" }
        let databases = removed.filter(\.databaseExists).count
        print(
            "\(databases) database\(databases == 1 ? "" : "s") and \(removed.count - databases) stale tracking row\(removed.count - databases == 1 ? "" : "s") \(verb), "
                + "\(decisions.filter { $0.action == "keep" }.count) kept, \(decisions.filter { $0.action == "failed" }.count) failed")
    }
}
