import TestEnvCore

extension TestEnvironmentManager {
    /// Keeps a failed test's database, if the cap allows, and says how to reach it. Returns whether it did.
    func keep(_ environment: IsolatedEnvironment) async -> Bool {
        guard statistics.kept < configuration.maxKeptEnvironments else {
            logger.notice("Not keeping \(environment.databaseName): \(configuration.maxKeptEnvironments) databases are kept already")
            return false
        }
        statistics.kept += 1  // reserved before any await, so concurrent failures cannot pass the cap
        do {
            let access: String
            switch environment.backend {
            case .mysql:
                // Without a record the reaper could never remove it: keep only what is tracked.
                guard trackingAvailable == true else {
                    statistics.kept -= 1
                    return false
                }
                try await registry.markKept(
                    environment.databaseName, timeToLive: configuration.keptTimeToLive, try await adminWaitingForSlot())
                access = connectCommand(for: environment.databaseName)
            case .sqlite:
                guard let file = environment.sqliteFile else {
                    statistics.kept -= 1
                    return false
                }
                access = "sqlite3 \(file)"
            }
            keptEnvironments.append(KeptEnvironment(database: environment.databaseName, access: access))
            RunRecorder.kept(KeptEnvironment(database: environment.databaseName, access: access))
            logger.warning(
                "Kept \(environment.databaseName) of a failed test for inspection (TEST_DB_KEEP_ON_FAILURE); connect with: \(access)")
            return true
        } catch {
            statistics.kept -= 1
            logger.error("Could not keep \(environment.databaseName), removing it instead: \(error)")
            return false
        }
    }

    /// A ready-to-paste client command; `-p` makes the client ask for the password, which is never printed.
    private func connectCommand(for database: String) -> String {
        let settings = configuration.mysql
        let place = settings.unixSocket.map { "--socket=\($0)" } ?? "--host=\(settings.host) --port=\(settings.port)"
        return "mariadb \(place) --user=\(settings.user) -p \(database)"
    }
}

/// A database kept after a failed test, and how to reach it.
public struct KeptEnvironment: Sendable, Hashable {
    /// The database's name, or the SQLite file.
    public let database: String
    /// A command line that opens it (never with the password).
    public let access: String
}
