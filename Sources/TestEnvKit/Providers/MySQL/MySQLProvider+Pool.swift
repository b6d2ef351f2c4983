import Foundation
import TestEnvCore
@_spi(TestEnvDrivers) import TestEnvMySQL

/// A schema's pool and what its resets compare against.
struct PoolEntry: Sendable {
    let pool: DatabasePool
    /// The profile of a fresh database; its `template` holds the reference rows resets restore.
    let profile: DatabaseProfile
    /// The database the profile was taken from, never handed to a test: the next process takes its
    /// profile from it again (parked as a template), not from a database a test had.
    let template: String
}

// MARK: - The warm pool

extension MySQLProvider {
    /// A ready database of the schema's pool: one reset after an earlier test, one a previous
    /// process parked, or one built now — never more built than the bound, except for callers
    /// that hold another environment already.
    func acquirePooled(_ prepared: PreparedSchema, request: ProviderRequest, admin: MySQLConnection) async throws -> ProvidedDatabase {
        let fingerprint = prepared.fingerprint
        let entry = try await poolsReady.value(for: fingerprint) {
            try await self.makePool(prepared, limit: request.limit, admin: admin)
        }
        pools[fingerprint] = entry
        let (name, isNew) = try await entry.pool.acquire(beyondLimit: request.beyondLimit)
        ExitParking.forget(name)  // in a test's hands: if the process ends now, the reaper removes it
        do {
            let connection: MySQLConnection
            if let idle = await idleConnection(to: name, slot: request.slot) {
                connection = idle
            } else {
                connection = try await connectEnvironment(to: name, slot: request.slot)
            }
            if !isNew { statistics.update { $0.reused += 1 } }
            return provided(name, connection, fingerprint: fingerprint)
        } catch {
            await entry.pool.release(name, reusable: false)
            throw error
        }
    }

    /// The connection the database's last test left, when it still answers.
    private func idleConnection(to name: String, slot: InterruptSlot) async -> MySQLConnection? {
        guard let connection = idleConnections.removeValue(forKey: name) else { return nil }
        // A server restart or wait_timeout may have ended it: a ping, unless it answered a moment ago (its reset at release).
        guard await connection.isReady(answeredWithin: MySQLProvider.recentAnswer) else {
            await connection.close()
            return nil
        }
        slot.set(killer(of: connection))
        return connection
    }

    /// A new pool for `prepared`, with the profile of its template: a database never handed to a
    /// test — the one a previous process parked, or one built now — so the profile is the schema's,
    /// not what a test left. When the schema ships reference rows, resets restore them from it.
    private func makePool(_ prepared: PreparedSchema, limit: Int, admin: MySQLConnection) async throws -> PoolEntry {
        let fingerprint = prepared.fingerprint
        let name: String
        if let parked = try await claimParked(fingerprint, template: true, admin: admin) {
            name = parked.name
        } else {
            name = try await buildForPool(prepared, admin: admin)
        }
        var profile: DatabaseProfile
        do {
            profile = try await DatabaseProfile.take(of: name, admin: admin, countingChanges: configuration.usesChangeCounts)
            profile.usesUpdateTimes = configuration.usesUpdateTimes
        } catch {
            await dropQuietly(name)
            throw error
        }
        if profile.hasReferenceRows { profile.template = name }
        let pool = DatabasePool(
            limit: limit,
            operations: .init(
                build: { [weak self] in
                    guard let self else { throw CancellationError() }
                    return try await self.claimOrBuild(prepared)
                },
                reset: { [weak self] name in await self?.recycle(name, fingerprint: fingerprint) ?? false },
                drop: { [weak self] name in await self?.dropQuietly(name) }))
        let entry = PoolEntry(pool: pool, profile: profile, template: name)
        pools[fingerprint] = entry
        ExitParking.set(name, .template(fingerprint: fingerprint.value), on: configuration.mysql, parkFor: parkFor)
        return entry
    }

    /// A database for the pool: one a previous process parked, checked like a recycled one, or a new one.
    private func claimOrBuild(_ prepared: PreparedSchema) async throws -> String {
        let admin = try await admin()
        let profile = pools[prepared.fingerprint]?.profile
        if let profile, let (claimed, readyAt) = try await claimParked(prepared.fingerprint, template: false, admin: admin) {
            // Parked is not proof of fresh: whatever touched it while it waited, a reset finds and undoes.
            // The parking process's clock says which reference tables were written since it was ready.
            if case .clean(let checksummed, let baseline) = try await DatabaseReset.reset(
                claimed, to: profile, baseline: readyAt.map { ChangeBaseline(readyAt: $0) }, closedConnection: nil,
                admin: try await resetConnection())
            {
                referenceTablesChecksummed += checksummed
                baselines[claimed] = baseline
                return claimed
            }
            statistics.update { $0.discarded += 1 }
            logger.notice("Dropping \(claimed), parked by an earlier run: it is no longer as its schema makes it")
            await dropQuietly(claimed)
        }
        let name = try await buildForPool(prepared, admin: admin)
        if let profile { await noteBaseline(of: name, profile: profile, admin: admin) }
        return name
    }

    /// Claims a database a previous process parked for `fingerprint`, when parking is on.
    private func claimParked(_ fingerprint: SchemaFingerprint, template: Bool, admin: MySQLConnection) async throws -> (
        name: String, readyAt: Int64?
    )? {
        guard configuration.parkTimeToLive > .zero, await trackingIsAvailable(admin) else { return nil }
        guard let claimed = try await registry.claimParked(fingerprint: fingerprint, template: template, admin),
            DatabaseName.isValid(claimed.name)
        else { return nil }
        createdDatabases.insert(claimed.name)
        startLeaseRenewal()
        statistics.update { $0.claimed += 1 }
        return claimed
    }

    /// Builds a database of `prepared` for the pool and closes the connection that loaded it.
    private func buildForPool(_ prepared: PreparedSchema, admin: MySQLConnection) async throws -> String {
        let database = try await build(prepared, fingerprint: prepared.fingerprint, admin: admin, slot: InterruptSlot(), forPool: true)
        await database.connection.close()
        statistics.update { $0.built += 1 }
        return database.name
    }

    /// Notes the ``ChangeBaseline`` of a fresh database; without one, its first reset compares
    /// every reference table by checksum instead.
    private func noteBaseline(of name: String, profile: DatabaseProfile, admin: MySQLConnection) async {
        baselines[name] = try? await ChangeBaseline.take(of: name, counting: profile.countsChanges, admin: admin)
    }

    /// Takes back a pooled database after its test: reset in the background and handed to the
    /// next test, or dropped when its schema changed.
    func giveBack(_ name: String, fingerprint: SchemaFingerprint, schemaChanged: Bool, closedConnection: UInt) async {
        guard let entry = pools[fingerprint] else {
            // The pool was shut down meanwhile: nobody will hand this database out.
            await dropQuietly(name)
            return
        }
        if schemaChanged {
            baselines[name] = nil
            statistics.update { $0.discarded += 1 }
            logger.debug("Dropping \(name) instead of reusing it: its test changed the schema")
        } else {
            closedConnections[name] = closedConnection
            ExitParking.set(name, .resetting, on: configuration.mysql, parkFor: parkFor)
        }
        await entry.pool.release(name, reusable: !schemaChanged)
    }

    /// Resets `name` to its schema's fresh state; false when it cannot be reused (then dropped).
    private func recycle(_ name: String, fingerprint: SchemaFingerprint) async -> Bool {
        let baseline = baselines.removeValue(forKey: name)
        let closedConnection = closedConnections.removeValue(forKey: name) ?? 0
        guard let profile = pools[fingerprint]?.profile else { return false }
        do {
            let outcome = try await DatabaseReset.reset(
                name, to: profile, baseline: baseline, closedConnection: closedConnection, admin: try await resetConnection())
            switch outcome {
            case .clean(let checksummed, let baseline):
                statistics.update { $0.recycled += 1 }
                referenceTablesChecksummed += checksummed
                baselines[name] = baseline
                ExitParking.set(
                    name, .ready(fingerprint: fingerprint.value, readyAt: baseline.readyAt), on: configuration.mysql, parkFor: parkFor)
                return true
            case .discard(let reason):
                statistics.update { $0.discarded += 1 }
                logger.notice("Dropping \(name) instead of reusing it: \(reason)")
                return false
            }
        } catch {
            // At process exit the exit handler takes over the databases under a running reset: no news.
            guard !ExitParking.isExiting.load(ordering: .sequentiallyConsistent) else { return false }
            statistics.record(error)
            logger.warning("Dropping \(name): resetting it failed: \(error)")
            return false
        }
    }
}

// MARK: - Transaction mode

extension MySQLProvider {
    /// A connection with an open, guarded transaction on the database `prepared`'s tests share.
    func acquireShared(_ prepared: PreparedSchema, slot: InterruptSlot, admin: MySQLConnection) async throws -> ProvidedDatabase {
        let fingerprint = prepared.fingerprint
        let name = try await sharedDatabases.value(for: fingerprint) {
            let name = try await self.buildForPool(prepared, admin: admin)
            await self.noteShared(name, fingerprint: fingerprint)
            return name
        }
        let connection = try await connectEnvironment(to: name, slot: slot)
        await connection.setLockConflictNote(
            "In transaction mode every test runs in its own transaction on one shared database (\(name)), so tests running at the same time must not write the same rows: use distinct keys per test, or the pooled or fresh mode for these tests (mode: .pooled)."
        )
        do { try await connection.beginGuardedTransaction() } catch {
            await connection.close()
            throw error
        }
        statistics.update { $0.reused += 1 }
        return provided(name, connection, fingerprint: fingerprint)
    }

    private func noteShared(_ name: String, fingerprint: SchemaFingerprint) {
        sharedNames[fingerprint] = name
        ExitParking.set(name, .disposable, on: configuration.mysql, parkFor: parkFor)
    }

    /// After a transaction-mode test: when it committed (its transaction was gone), the shared
    /// database holds its rows, so later tests get a new one.
    func leaveShared(_ name: String, fingerprint: SchemaFingerprint, committed: Bool) {
        guard committed, sharedNames[fingerprint] == name else { return }
        logger.warning(
            "A test in transaction mode ended its transaction (COMMIT, or a statement that commits) on \(name); later tests get a new shared database."
        )
        retiredShared.append(name)
        sharedNames[fingerprint] = nil
        sharedDatabases.forget(fingerprint)
    }
}
