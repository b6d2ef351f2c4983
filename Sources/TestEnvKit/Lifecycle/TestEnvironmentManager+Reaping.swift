import TestEnvCore
import TestEnvMySQL

extension TestEnvironmentManager {
    /// Decides, for every database in the tracking table, whether its owner is gone; unless
    /// `dryRun`, removes those databases and their records. Touches nothing without a record.
    ///
    /// ```swift
    /// for decision in try await manager.reap(dryRun: true) { print(decision.database, decision.reason) }
    /// ```
    ///
    /// - Throws: the driver's error, or the connection errors of ``resolvedBackend()``.
    /// - Parameters:
    ///   - dryRun: decide and report, but remove nothing.
    ///   - progress: called after each database with how many are done and how many there are.
    public func reap(dryRun: Bool, progress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil) async throws -> [ReaperDecision] {
        let admin = try await admin()
        try await ensureRegistry(admin)
        return try await Reaper.run(admin: admin, registry: registry, apply: !dryRun, progress: progress)
    }

    /// Creates the tracking table once per manager.
    func ensureRegistry(_ admin: MySQLConnection) async throws {
        let task = registryReady ?? Task { [registry] in try await registry.ensureTable(admin) }
        registryReady = task
        do { try await task.value } catch {
            if registryReady == task { registryReady = nil }
            throw error
        }
    }

    /// Whether databases can be recorded. Without the rights to create `testenv_tracking`, tests
    /// still run, but nothing is recorded and the reaper cannot clean up after a crash: said once.
    func trackingIsAvailable(_ admin: MySQLConnection) async -> Bool {
        if let trackingAvailable { return trackingAvailable }
        do {
            try await ensureRegistry(admin)
            trackingAvailable = true
        } catch let error as any DatabaseDriverError where error.kind.isRetryable || error.kind == .connectionLost {
            return false  // passing trouble: not recorded this time, asked again next time
        } catch {
            trackingAvailable = false
            logger.warning(
                "TestEnvKit cannot use its tracking table \(DatabaseRegistry.table), so test databases are not recorded and a crashed run's databases are not cleaned up by the reaper. Grant CREATE, INSERT, UPDATE, DELETE and SELECT on testenv_tracking.* to fix this. Cause: \(error)"
            )
        }
        return trackingAvailable ?? false
    }

    /// Runs the reaper once, at the manager's first MySQL use; a failure is logged, not thrown,
    /// because a test run must not fail over someone else's leftovers.
    func reapAtStart() async {
        guard configuration.reapsAtStart else { return }
        do {
            let removed = try await reap(dryRun: false).filter { $0.action == "remove" }
            if !removed.isEmpty {
                logger.notice(
                    "Removed \(removed.count) orphaned test databases: \(removed.map { "\($0.database) (\($0.reason))" }.joined(separator: "; "))"
                )
            }
        } catch {
            logger.error("TestEnvKit could not check for orphaned test databases: \(error)")
        }
    }

    /// Keeps this process's leases fresh, every third of the lease, while the manager lives.
    func startLeaseRenewal() {
        guard leaseRenewal == nil else { return }
        let interval = configuration.lease / 3
        leaseRenewal = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                guard let self else { return }
                await self.renewLeases()
            }
        }
    }

    private func renewLeases() async {
        do {
            try await registry.renewLeases(try await admin())
        } catch {
            logger.error("TestEnvKit could not renew the leases of its test databases: \(error)")
        }
    }
}
