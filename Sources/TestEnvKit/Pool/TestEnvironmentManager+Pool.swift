import Foundation
import TestEnvCore
import TestEnvMySQL
import TestEnvSQLite

// MARK: - Fingerprints and SQLite templates

extension TestEnvironmentManager {
    /// The fingerprint of `schema` on `backend`, recomputed (off the cooperative pool) only when one of its files changed.
    func fingerprint(_ schema: Schema, backend: DatabaseBackend, serverVersion: String) async throws -> SchemaFingerprint {
        let stamps = schema.scripts(for: backend).map(\.stamp)
        if let known = fingerprints.fingerprint(schema, backend: backend, serverVersion: serverVersion, stamps: stamps) { return known }
        let fingerprint = try await runOffPool { try SchemaFingerprint(schema, backend: backend, serverVersion: serverVersion) }
        fingerprints.store(fingerprint, schema, backend: backend, serverVersion: serverVersion, stamps: stamps)
        return fingerprint
    }

    /// The template of `schema` when in-memory SQLite environments are copies of one built already.
    func readySQLiteTemplate(for schema: Schema) async throws -> (image: SQLiteImage, fingerprint: SchemaFingerprint)? {
        guard configuration.isolation != .fresh, configuration.sqlitePath == ":memory:", !configuration.keepsFailedEnvironments,
            !schema.sqlite.isEmpty
        else { return nil }
        let fingerprint = try await fingerprint(schema, backend: .sqlite, serverVersion: SQLiteConnection.libraryVersion)
        return sqliteImages[fingerprint].map { ($0, fingerprint) }
    }

    /// The SQLite image of `schema`, built once per fingerprint.
    func sqliteTemplate(_ schema: Schema) async throws -> (image: SQLiteImage, fingerprint: SchemaFingerprint) {
        let fingerprint = try await fingerprint(schema, backend: .sqlite, serverVersion: SQLiteConnection.libraryVersion)
        let task =
            sqliteTemplates[fingerprint]
            ?? Task {
                let template = try await SQLiteConnection.open()
                do {
                    try await self.load(schema, backend: .sqlite, into: template, database: ":memory:", otherDatabases: [])
                    let image = try await template.image()
                    await template.close()
                    self.sqliteImages[fingerprint] = image
                    return image
                } catch {
                    await template.close()
                    throw error
                }
            }
        sqliteTemplates[fingerprint] = task
        do { return (try await task.value, fingerprint) } catch {
            if sqliteTemplates[fingerprint] == task { sqliteTemplates[fingerprint] = nil }
            throw error
        }
    }
}

// MARK: - MySQL: the warm pool

extension TestEnvironmentManager {
    /// Hands out a ready database of `schema`'s pool. When none is ready it waits for one being
    /// reset or built (a reset costs far less than a build), and builds one only when none is coming.
    func acquirePooled(_ schema: Schema, admin: MySQLConnection, slot: InterruptSlot) async throws -> IsolatedEnvironment {
        let fingerprint = try await fingerprint(schema, backend: .mysql, serverVersion: admin.serverVersion)
        _ = try await profile(of: fingerprint, schema: schema, admin: admin)
        var name = pools[fingerprint]?.ready.popLast()
        if name == nil {
            // None ready: the tests ask faster than the pool refills, so it aims higher.
            growTarget(fingerprint)
            if let pool = pools[fingerprint], pool.building + pool.recycling > pool.waiters.count {
                name = await nextReady(fingerprint)
            }
        }
        if let name {
            PoolExitSweep.release(name, on: configuration.mysql)
            refill(fingerprint)
            do {
                let connection = try await connectEnvironment(to: name, slot: slot)
                statistics.reused += 1
                return mysqlEnvironment(name, connection, isolation: .pooled, fingerprint: fingerprint)
            } catch {
                startBackground { try? await $0.dropMySQLDatabase(name) }
                throw error
            }
        }
        // Nothing ready or on its way: build one for this test.
        let database = try await buildMySQLDatabase(schema, fingerprint: fingerprint, admin: admin, slot: slot)
        await noteChangeCounts(of: database.name, fingerprint, admin: admin)
        refill(fingerprint)
        return mysqlEnvironment(database.name, database.connection, isolation: .pooled, fingerprint: fingerprint)
    }

    private func growTarget(_ fingerprint: SchemaFingerprint) {
        let target = min(configuration.poolSize, (pools[fingerprint]?.target ?? 0) + 1)
        pools[fingerprint]?.target = target
        refill(fingerprint)
    }

    /// Waits for the next database a reset or the filler makes ready; nil when none came (it was
    /// dropped, the pool shut down, or the task was cancelled).
    private func nextReady(_ fingerprint: SchemaFingerprint) async -> String? {
        let id = UUID()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<String?, Never>) in
                if pools[fingerprint] == nil || Task.isCancelled {
                    continuation.resume(returning: nil)
                } else {
                    pools[fingerprint]?.waiters.append((id, continuation))
                }
            }
        } onCancel: {
            Task { await self.stopWaiting(id, fingerprint) }
        }
    }

    private func stopWaiting(_ id: UUID, _ fingerprint: SchemaFingerprint) {
        guard let index = pools[fingerprint]?.waiters.firstIndex(where: { $0.id == id }) else { return }
        pools[fingerprint]?.waiters.remove(at: index).continuation.resume(returning: nil)
    }

    /// Lets waiters that nothing is on its way for build their own database.
    private func releaseStarvedWaiters(_ fingerprint: SchemaFingerprint) {
        while let pool = pools[fingerprint], pool.waiters.count > pool.building + pool.recycling {
            pools[fingerprint]?.waiters.removeLast().continuation.resume(returning: nil)
        }
    }

    /// The profile of a fresh database of `fingerprint`, taken once from the first database built;
    /// that database becomes the template when the schema ships reference rows, else the first ready one.
    private func profile(of fingerprint: SchemaFingerprint, schema: Schema, admin: MySQLConnection) async throws -> DatabaseProfile {
        if pools[fingerprint] == nil { pools[fingerprint] = DatabasePool(schema: schema) }
        let task =
            pools[fingerprint]?.profile
            ?? Task {
                let name = try await self.buildPoolDatabase(schema, fingerprint: fingerprint, admin: admin)
                var profile: DatabaseProfile
                do {
                    profile = try await DatabaseProfile.take(of: name, admin: admin, countingChanges: self.configuration.usesChangeCounts)
                } catch {
                    try? await self.dropMySQLDatabase(name)
                    throw error
                }
                self.adopt(name, into: fingerprint, asTemplate: profile.hasReferenceRows)
                if profile.hasReferenceRows { profile.template = name }
                return profile
            }
        pools[fingerprint]?.profile = task
        do { return try await task.value } catch {
            if pools[fingerprint]?.profile == task { pools[fingerprint]?.profile = nil }
            throw error
        }
    }

    private func adopt(_ name: String, into fingerprint: SchemaFingerprint, asTemplate: Bool) {
        PoolExitSweep.hold(name, on: configuration.mysql)
        guard pools[fingerprint] != nil else {
            // The pool was shut down meanwhile: nobody will hand this database out.
            startBackground { try? await $0.dropMySQLDatabase(name) }
            return
        }
        if asTemplate {
            pools[fingerprint]?.template = name
        } else if pools[fingerprint]?.waiters.isEmpty == false, let waiter = pools[fingerprint]?.waiters.removeFirst() {
            waiter.continuation.resume(returning: name)
        } else {
            pools[fingerprint]?.ready.append(name)
        }
    }

    /// Notes the changed-row counts of a database just built, when its pool's profile uses them;
    /// without them its first reset compares reference tables by checksum instead.
    private func noteChangeCounts(of name: String, _ fingerprint: SchemaFingerprint, admin: MySQLConnection) async {
        guard let profile = try? await pools[fingerprint]?.profile?.value, profile.countsChanges,
            let counts = try? await ChangeCounts.of(name, admin: admin)
        else { return }
        pools[fingerprint]?.changeCounts[name] = counts
    }

    /// Starts building databases until the pool's ready ones, with those being built, reach its target.
    private func refill(_ fingerprint: SchemaFingerprint) {
        guard !isShuttingDown, let pool = pools[fingerprint], let schema = pools[fingerprint]?.schema else { return }
        for _ in 0..<max(0, pool.target - pool.expected) {
            pools[fingerprint]?.building += 1
            startBackground { manager in
                await manager.fillOne(fingerprint, schema: schema)
            }
        }
    }

    /// Builds a database of `schema` for the pool — held for the exit handler from the start — and
    /// closes the connection that loaded it.
    private func buildPoolDatabase(_ schema: Schema, fingerprint: SchemaFingerprint, admin: MySQLConnection) async throws -> String {
        let database = try await buildMySQLDatabase(schema, fingerprint: fingerprint, admin: admin, slot: InterruptSlot(), forPool: true)
        await database.connection.close()
        return database.name
    }

    private func fillOne(_ fingerprint: SchemaFingerprint, schema: Schema) async {
        defer {
            pools[fingerprint]?.building -= 1
            releaseStarvedWaiters(fingerprint)
        }
        // The filler only uses a connection the budget has free now: tests come first.
        guard let budget = try? await connectionBudget(), await budget.tryAcquire() else { return }
        do {
            let admin = try await admin()
            let name = try await buildPoolDatabase(schema, fingerprint: fingerprint, admin: admin)
            await noteChangeCounts(of: name, fingerprint, admin: admin)
            await budget.release()
            if pools[fingerprint] == nil || isShuttingDown {
                try await dropMySQLDatabase(name)
            } else {
                adopt(name, into: fingerprint, asTemplate: false)
                statistics.prebuilt += 1
            }
        } catch {
            await budget.release()
            statistics.record(error)
            logger.debug("TestEnvKit could not build a database for the pool: \(error)")
        }
    }

    /// Takes back a pooled database after its test: reset in the background and made ready again,
    /// or dropped when its schema changed or the reset finds it cannot be reused.
    func giveBack(_ name: String, fingerprint: SchemaFingerprint, schemaChanged: Bool, closedConnection: UInt) {
        // From here until it is handed out again, the exit handler drops it if the process ends.
        PoolExitSweep.hold(name, on: configuration.mysql)
        guard !schemaChanged, pools[fingerprint] != nil else {
            pools[fingerprint]?.changeCounts[name] = nil
            if schemaChanged {
                statistics.discarded += 1
                logger.debug("Dropping \(name) instead of reusing it: its test changed the schema")
            }
            startBackground { try? await $0.dropMySQLDatabase(name) }
            return
        }
        pools[fingerprint]?.recycling += 1
        startBackground { await $0.recycle(name, fingerprint: fingerprint, closedConnection: closedConnection) }
    }

    private func recycle(_ name: String, fingerprint: SchemaFingerprint, closedConnection: UInt) async {
        defer {
            pools[fingerprint]?.recycling -= 1
            releaseStarvedWaiters(fingerprint)
        }
        let baseline = pools[fingerprint]?.changeCounts.removeValue(forKey: name)
        do {
            guard let profile = try await pools[fingerprint]?.profile?.value else { throw CancellationError() }
            let outcome = try await DatabaseReset.reset(
                name, to: profile, baseline: baseline, closedConnection: closedConnection, admin: try await resetConnection())
            let wanted = pools[fingerprint].map { $0.ready.count < configuration.poolSize || !$0.waiters.isEmpty } ?? false
            guard case .clean(let checksummed, let counts) = outcome, !isShuttingDown, wanted else {
                if case .discard(let reason) = outcome {
                    statistics.discarded += 1
                    logger.notice("Dropping \(name) instead of reusing it: \(reason)")
                }
                try await dropMySQLDatabase(name)
                return
            }
            statistics.recycled += 1
            referenceTablesChecksummed += checksummed
            pools[fingerprint]?.changeCounts[name] = counts
            adopt(name, into: fingerprint, asTemplate: false)
        } catch {
            // At process exit the exit handler drops pooled databases under a running reset: no news.
            guard !PoolExitSweep.isExiting.load(ordering: .sequentiallyConsistent) else { return }
            statistics.record(error)
            logger.warning("Dropping \(name): resetting it failed: \(error)")
            try? await dropMySQLDatabase(name)
        }
    }

    /// Runs `work` off the caller's path; ``shutdown()`` waits for it.
    private func startBackground(_ work: @escaping @Sendable (isolated TestEnvironmentManager) async -> Void) {
        let id = UUID()
        backgroundWork[id] = Task {
            await work(self)
            self.backgroundWork[id] = nil
        }
    }
}

// MARK: - MySQL: transaction mode

extension TestEnvironmentManager {
    /// A connection with an open, guarded transaction on the database `schema`'s tests share.
    func acquireShared(_ schema: Schema, admin: MySQLConnection, slot: InterruptSlot) async throws -> IsolatedEnvironment {
        let fingerprint = try await fingerprint(schema, backend: .mysql, serverVersion: admin.serverVersion)
        if pools[fingerprint] == nil { pools[fingerprint] = DatabasePool(schema: schema) }
        let task =
            pools[fingerprint]?.shared
            ?? Task {
                try await self.buildPoolDatabase(schema, fingerprint: fingerprint, admin: admin)
            }
        pools[fingerprint]?.shared = task
        let name: String
        do { name = try await task.value } catch {
            if pools[fingerprint]?.shared == task { pools[fingerprint]?.shared = nil }
            throw error
        }
        if pools[fingerprint]?.shared == task { pools[fingerprint]?.sharedName = name }
        let connection = try await connectEnvironment(to: name, slot: slot)
        do { try await connection.beginGuardedTransaction() } catch {
            await connection.close()
            throw error
        }
        statistics.reused += 1
        return mysqlEnvironment(name, connection, isolation: .transaction, fingerprint: fingerprint)
    }

    /// After a transaction-mode test: when it committed (its transaction was gone), the shared
    /// database holds its rows, so later tests get a new one.
    func leaveShared(_ name: String, fingerprint: SchemaFingerprint, committed: Bool) {
        guard committed, pools[fingerprint]?.sharedName == name else { return }
        logger.warning(
            "A test in transaction mode ended its transaction (COMMIT, or a statement that commits) on \(name); later tests get a new shared database."
        )
        pools[fingerprint]?.retired.append(name)
        pools[fingerprint]?.shared = nil
        pools[fingerprint]?.sharedName = nil
    }
}

// MARK: - Shutting down

extension TestEnvironmentManager {
    /// Waits until the pools' background work — resets, refills, drops — has finished, for
    /// benchmarks and tests that look at the server afterwards.
    public func waitForBackgroundWork() async {
        while let (_, work) = backgroundWork.first {
            await work.value
        }
    }

    /// Waits for background work, then drops every database the pools hold (ready, template and
    /// shared ones) and forgets the SQLite templates. Environments still in use are left alone.
    /// The manager stays usable; the next environment builds a new pool.
    ///
    /// At a normal process exit an exit handler drops pooled databases too, so calling this is
    /// optional; it is for long-lived processes and for tests that check what is left.
    ///
    /// ```swift
    /// await manager.shutdown()
    /// ```
    public func shutdown() async {
        isShuttingDown = true
        defer { isShuttingDown = false }
        await waitForBackgroundWork()
        // Taken before the next suspension, so work that starts meanwhile sees no pool.
        let pools = self.pools
        self.pools = [:]
        let resets = resetConnections
        resetConnections = []
        for task in resets { await (try? await task.value)?.close() }
        for pool in pools.values {
            for waiter in pool.waiters { waiter.continuation.resume(returning: nil) }
        }
        sqliteTemplates = [:]
        sqliteImages = [:]
        let inUse = Set(live.values.map(\.databaseName))
        for pool in pools.values {
            for name in pool.held where !inUse.contains(name) {
                do {
                    try await dropMySQLDatabase(name)
                } catch {
                    logger.error(
                        "TestEnvKit could not drop pooled database \(name); the exit handler or the next run's reaper will: \(error)")
                }
            }
        }
    }
}
