import TestEnvCore
import TestEnvMySQL

extension MySQLProvider {
    /// Decides, for every database in the tracking table, whether its owner is gone; unless
    /// `dryRun`, removes those databases and their records. Runs on a connection of its own whose
    /// drops wait at most a second for a lock: a database someone holds is reported, not waited for.
    func reap(dryRun: Bool, progress: (@Sendable (Int, Int) -> Void)?) async throws -> [ReaperDecision] {
        try await withReaperConnection { [registry, configuration] connection in
            try await Reaper.run(
                admin: connection, registry: registry, apply: !dryRun, parkedCap: configuration.parkedPerSchema, progress: progress)
        }
    }

    /// Runs `work` on a connection of its own whose drops wait at most a second for a lock, and closes it.
    private func withReaperConnection<T: Sendable>(_ work: @Sendable (MySQLConnection) async throws -> T) async throws -> T {
        let connection = try await serverConnection(lockWait: .seconds(1))
        do {
            let result = try await work(connection)
            await connection.close()
            return result
        } catch {
            await connection.close()
            throw error
        }
    }

    /// The databases parked on the server, by every process.
    func parkedDatabases() async throws -> [ParkedDatabase] {
        let admin = try await admin()
        try await ensureRegistry(admin)
        return try await ParkedDatabase.list(admin)
    }

    /// Drops the parked databases (of the schema whose fingerprint starts with `fingerprint`, or all).
    func drainParked(fingerprint: String?) async throws -> [ReaperDecision] {
        try await withReaperConnection { [registry] connection in
            try await Reaper.drainParked(fingerprint: fingerprint, admin: connection, registry: registry)
        }
    }

    /// Runs the reaper once, in the background, at the first MySQL use: the first environment does
    /// not wait for someone else's leftovers, and a failure is logged, not thrown.
    func startReaping() {
        guard configuration.reapsAtStart, startReaper == nil else { return }
        startReaper = Task {
            do {
                let decisions = try await self.reap(dryRun: false, progress: nil)
                let removed = decisions.filter { $0.action == "remove" }
                if !removed.isEmpty {
                    self.logger.notice(
                        "Removed \(removed.count) orphaned test databases: \(removed.map { "\($0.database) (\($0.reason))" }.joined(separator: "; "))"
                    )
                }
                for failure in decisions where failure.action == "failed" {
                    self.logger.warning("Could not remove orphaned test database \(failure.database): \(failure.reason)")
                }
            } catch {
                self.logger.error("TestEnvKit could not check for orphaned test databases: \(error)")
            }
        }
    }
}
