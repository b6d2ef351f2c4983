import ArgumentParser
import TestEnvKit

/// The `--type` option every subcommand shares, applied over the `TEST_DB_*` configuration.
struct BackendOptions: ParsableArguments {
    @Option(name: .customLong("type"), help: "Backend: mysql or sqlite (default: TEST_DB_TYPE, else sqlite).")
    var backend: String?

    /// The configuration from the environment with `--type` applied. An explicit `--type mysql`
    /// means MySQL: it never falls back to SQLite.
    func configuration() throws -> TestEnvConfiguration {
        var configuration = try TestEnvConfiguration.fromEnvironment()
        guard let backend else { return configuration }
        guard let chosen = DatabaseBackend(rawValue: backend.lowercased()) else {
            throw ValidationError("--type must be mysql or sqlite, not \(String(reflecting: backend))")
        }
        configuration.backend = chosen
        configuration.requiresRequestedBackend = configuration.requiresRequestedBackend || chosen == .mysql
        return configuration
    }
}
