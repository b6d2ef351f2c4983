import Foundation
import Logging
import Synchronization
import TestEnvCore
@_spi(TestEnvDrivers) import TestEnvMySQL

/// MySQL/MariaDB environments: a database `test_<32 hex digits>` per test, from a warm pool
/// (``IsolationMode/pooled``), built for the test (``IsolationMode/fresh``) or shared inside a
/// rolled-back transaction (``IsolationMode/transaction``).
///
/// It owns everything that speaks to the server besides the tests' own connections: the admin
/// connection (creates and drops databases), the control connection (`KILL QUERY` after a time
/// limit), two reset connections, the tracking table and leases, the pools and their resets, parking.
actor MySQLProvider: TestDatabaseProvider {
    let configuration: TestEnvConfiguration
    let logger: Logger
    let preparer: SchemaPreparer
    let statistics: StatisticsRecorder
    private let adminConnection = OnceTask<MySQLConnection>()
    private let controlConnection = OnceTask<MySQLConnection>()
    private var resetConnections: [Task<MySQLConnection, any Error>] = []
    private var nextResetConnection = 0
    private let registryReady = OnceTask<Void>()
    /// Whether the tracking table can be used; nil until the first database asks.
    private(set) var trackingAvailable: Bool?
    private var leaseRenewal: Task<Void, Never>?
    /// The reaper run at the first MySQL use, in the background.
    var startReaper: Task<Void, Never>?
    private let environmentLimitTask = OnceTask<Int>()
    /// The restricted account environments connect as, or nil when confinement is off or the admin cannot create it.
    private let restrictedAccount = OnceTask<RestrictedAccount?>()
    /// Why environments use the configured account, once that is known.
    private var unconfinedReason: String?
    /// Every database this provider created, recorded before the `CREATE DATABASE`.
    var createdDatabases: Set<String> = []
    /// Per schema fingerprint, the pool of ready databases and what its resets need.
    var pools: [SchemaFingerprint: PoolEntry] = [:]
    let poolsReady = OnceTasks<SchemaFingerprint, PoolEntry>()
    /// Transaction mode: per fingerprint, the database its tests share.
    let sharedDatabases = OnceTasks<SchemaFingerprint, String>()
    var sharedNames: [SchemaFingerprint: String] = [:]
    /// Shared databases a test committed in: dropped at shutdown.
    var retiredShared: [String] = []
    /// Per pooled database, what it was like when it was last made ready (``ChangeBaseline``).
    var baselines: [String: ChangeBaseline] = [:]
    /// Per pooled database given back, the test's connection (closed, perhaps still in the process
    /// list, or kept idle for the next test).
    var closedConnections: [String: UInt] = [:]
    /// Per pooled database between tests, its last test's connection with the session reset
    /// (``MySQLConnection/reclaim(database:)``): the next test of the database skips connecting.
    var idleConnections: [String: MySQLConnection] = [:]
    /// Whether databases keep their connection between tests: only while the server has room. A
    /// server with few free connections at first use, or one that refused a connection as full
    /// (1040), gets them back at once — other processes sharing it may be waiting for a slot.
    private(set) var keepsIdleConnections = true
    /// Reference tables that resets compared by `CHECKSUM TABLE` (see ``ChangeBaseline``).
    var referenceTablesChecksummed = 0

    init(configuration: TestEnvConfiguration, logger: Logger, preparer: SchemaPreparer, statistics: StatisticsRecorder) {
        self.configuration = configuration
        self.logger = logger
        self.preparer = preparer
        self.statistics = statistics
    }

    /// The server-side record of the databases this process creates.
    nonisolated var registry: DatabaseRegistry { DatabaseRegistry(owner: .current, lease: configuration.lease) }

    /// How long a parked database stays, or zero when databases are not parked here.
    var parkFor: Duration { trackingAvailable == true ? configuration.parkTimeToLive : .zero }

    func answersAtOnce(_ request: ProviderRequest) async -> Bool { false }

    func acquire(_ request: ProviderRequest) async throws -> ProvidedDatabase {
        let admin = try await admin()
        let prepared = try await preparer.prepare(request.schema, backend: .mysql, serverVersion: admin.serverVersion)
        switch request.isolation {
        case .fresh:
            let database = try await build(prepared, admin: admin, slot: request.slot)
            return provided(database.name, database.connection, fingerprint: nil)
        case .pooled:
            return try await acquirePooled(prepared, request: request, admin: admin)
        case .transaction:
            return try await acquireShared(prepared, slot: request.slot, admin: admin)
        }
    }

    func provided(_ name: String, _ connection: MySQLConnection, fingerprint: SchemaFingerprint?) -> ProvidedDatabase {
        let access = EnvironmentAccess(
            details: { [weak self] in
                guard let self else { throw TestEnvError(.invalidConfiguration, "the environment's manager is gone") }
                return .mysql(try await self.environmentSettings(), database: name)
            },
            connect: { [weak self] in
                guard let self else { throw TestEnvError(.invalidConfiguration, "the environment's manager is gone") }
                return try await self.connectEnvironment(to: name, slot: InterruptSlot())
            })
        return ProvidedDatabase(
            name: name, connection: connection, sqliteFile: nil, fingerprint: fingerprint, interrupt: killer(of: connection), access: access
        )
    }

    /// Creates a database, records it, and loads `prepared` into it; returns it with an open
    /// connection. A failure removes what was created. `forPool`: noted for the exit handler as being
    /// built, so an exit in the middle leaves it to the reaper instead of racing the build with a drop.
    func build(
        _ prepared: PreparedSchema, fingerprint: SchemaFingerprint? = nil, admin: MySQLConnection, slot: InterruptSlot,
        forPool: Bool = false
    ) async throws -> (name: String, connection: MySQLConnection) {
        let tracked = await trackingIsAvailable(admin)
        let name = DatabaseName.make()
        createdDatabases.insert(name)
        if forPool { ExitParking.set(name, .building, on: configuration.mysql, parkFor: parkFor) }
        // No interrupt while the shared admin connection works: a KILL could hit another environment's
        // statement. Its session's lock_wait_timeout bounds what it waits for.
        // Recorded before it exists, so a crash between the two leaves a record the reaper acts on.
        var created = false
        do {
            if tracked {
                try await registry.register(name, fingerprint: fingerprint, admin)
                startLeaseRenewal()
            }
            // A build for the pool that starts while the process exits must not leave a database behind.
            if forPool, ExitParking.isExiting.load(ordering: .sequentiallyConsistent) { throw CancellationError() }
            // On MariaDB the owner goes into the database's comment too: DDL survives a crash that loses recent commits.
            let comment =
                tracked && DatabaseOwnerComment.isSupported(by: admin.serverVersion)
                ? " " + DatabaseOwnerComment(registry.owner, created: Int64(Date().timeIntervalSince1970)).clause : ""
            try await admin.executeScript(
                "CREATE DATABASE \(DatabaseName.quoted(name)) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci\(comment)")
            created = true
            let connection = try await connectEnvironment(to: name, slot: slot)
            do {
                let others = prepared.hasScripts ? try await otherDatabases(than: name, admin: admin) : []
                try await prepared.load(into: connection, database: name, otherDatabases: others)
                await connection.acceptSchemaChanges()  // the schema's own DDL is not the test's
                if tracked { try await registry.markReady(name, admin) }
            } catch {
                await connection.close()
                throw error
            }
            return (name, connection)
        } catch {
            // The load has returned or failed: no statement of it runs any more, so the drop races nothing.
            // The record goes only with the database, so the reaper can still find one that stayed.
            if (try? await admin.executeScript("DROP DATABASE IF EXISTS \(DatabaseName.quoted(name))")) != nil {
                if tracked { try? await registry.unregister(name, admin) }
                ExitParking.forget(name)
            } else if !created {
                ExitParking.forget(name)  // nothing to drop at exit
            }
            throw error
        }
    }

    /// A new connection to database `name`, as the restricted account when there is one; `slot`
    /// learns how to stop its statements.
    func connectEnvironment(to name: String, slot: InterruptSlot) async throws -> MySQLConnection {
        var settings = try await environmentSettings()
        settings.database = name
        let connection: MySQLConnection
        do {
            connection = try await connect(settings)
        } catch let error as MySQLError where error.kind == .accessDenied && settings.user == RestrictedAccount.user {
            // Another process reset the account's password (its record was removed meanwhile): set it up again, once.
            restrictedAccount.forget()
            settings = try await environmentSettings()
            settings.database = name
            connection = try await connect(settings)
        }
        slot.set(killer(of: connection))
        return connection
    }

    /// How environments connect: the configured server, as the restricted account unless confinement
    /// is off or the configured account cannot create it (then said once, as a warning).
    ///
    /// - Throws: ``TestEnvError/Code/invalidConfiguration`` when confinement is required and unavailable.
    func environmentSettings() async throws -> MySQLConfiguration {
        var settings = configuration.mysql
        // A test statement must not wait forever on a server that stopped answering.
        settings.readTimeout = configuration.operationTimeout
        guard configuration.confinement != .off else { return settings }
        return try await account()?.credentials(for: settings) ?? settings
    }

    /// The restricted account, set up once; nil when the admin cannot create it.
    private func account() async throws -> RestrictedAccount? {
        try await restrictedAccount.value { try await self.setUpRestrictedAccount() }
    }

    private func setUpRestrictedAccount() async throws -> RestrictedAccount? {
        let admin = try await adminWaitingForSlot()
        let reason: String
        let cause: (any Error & Sendable)?
        if await trackingIsAvailable(admin) {
            do {
                let account = try await RestrictedAccount.prepare(admin)
                logger.debug("TestEnvKit: environments connect as \(account.quotedName), which has rights only on test_ databases")
                return account
            } catch let error as MySQLError
                where error.kind == .permissionDenied || error.kind == .accessDenied || error.kind == .syntax
                || [1396, 1819].contains(error.code.rawValue)
            {
                reason = "\(configuration.mysql.user) may not create TestEnvKit's restricted account (\(error.message))"
                cause = error
            }
        } else {
            reason = "the tracking database, where the restricted account's password is kept, is not available"
            cause = nil
        }
        let fix =
            "Grant the configured user CREATE USER and ALL PRIVILEGES ON `test\\_%`.* WITH GRANT OPTION, or set TEST_DB_CONFINEMENT=off to silence this."
        if configuration.confinement == .required {
            throw TestEnvError(
                .invalidConfiguration, "TEST_DB_CONFINEMENT=required, but \(reason). \(fix)", underlying: cause)
        }
        unconfinedReason = reason
        logger.warning(
            "TestEnvKit: \(reason), so tests connect as \(configuration.mysql.user) itself and only the schema guard keeps schema scripts inside their databases; test code can reach every database that user can. \(fix)"
        )
        return nil
    }

    func boundary() async throws -> EnvironmentBoundary {
        if configuration.confinement == .off {
            return EnvironmentBoundary(
                isEnforced: false,
                detail: "TEST_DB_CONFINEMENT=off: environments use \(configuration.mysql.user); only the schema guard checks scripts")
        }
        if let account = try await account() {
            return EnvironmentBoundary(
                isEnforced: true, detail: "the server: environments use \(account.quotedName), with rights only on test_ databases")
        }
        return EnvironmentBoundary(isEnforced: false, detail: (unconfinedReason ?? "unknown") + "; only the schema guard checks scripts")
    }

    /// Stops the statement `connection` runs; nothing once its session went to the next test.
    func killer(of connection: MySQLConnection) -> @Sendable () async -> Void {
        let connectionID = connection.connectionID
        return { [weak self, weak connection] in
            guard let connection, !connection.isRetired else { return }
            await self?.killQuery(connectionID)
        }
    }

    func otherDatabases(than name: String, admin: MySQLConnection) async throws -> Set<String> {
        let rows = try await admin.all(
            "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME NOT IN (?, 'information_schema')", [.text(name)])
        return Set(try rows.map { try $0.decode(String.self, 0).lowercased() })
    }

    // MARK: Giving back

    func release(_ environment: IsolatedEnvironment, keep: Bool) async throws -> String? {
        let connection = environment.connection as? MySQLConnection
        // Read before closing: a database whose schema the test changed must not be reused.
        let schemaChanged = await connection?.hasChangedSchema ?? false || environment.extraConnectionsChangedSchema
        let name = environment.databaseName
        if keepsIdleConnections, !keep, !schemaChanged, environment.isolation == .pooled, let fingerprint = environment.fingerprint,
            let connection,
            let successor = await connection.reclaim(database: name)
        {
            // The server may have filled up while the session was reset.
            if keepsIdleConnections { idleConnections[name] = successor } else { await successor.close() }
            await giveBack(name, fingerprint: fingerprint, schemaChanged: false, closedConnection: successor.connectionID)
            return nil
        }
        let stillInTransaction = await environment.connection.isInTransaction()
        if stillInTransaction { try? await environment.connection.rollback() }
        await environment.connection.close()
        if keep, environment.isolation != .transaction, let access = await self.keep(name) { return access }
        switch (environment.isolation, environment.fingerprint) {
        case (.pooled, let fingerprint?):
            await giveBack(name, fingerprint: fingerprint, schemaChanged: schemaChanged, closedConnection: connection?.connectionID ?? 0)
        case (.transaction, let fingerprint?):
            leaveShared(name, fingerprint: fingerprint, committed: !stillInTransaction)
        default:
            do {
                try await drop(name)
            } catch let error as MySQLError where error.code == .dropDatabaseDirectoryNotEmpty {
                // The server's own leftover, not the test's doing: a passing test does not fail over it.
                // The record stays, so the reaper tries again and says what to remove.
                statistics.record(error)
                RunRecorder.undroppable(name, reason: error.message)
                logger.warning(
                    "Could not drop \(name): \(error.message). A file the server did not remove stayed in the database's directory (a trigger file ending in TRG- from an interrupted CREATE TRIGGER, for example); remove it from the server's data directory, then run `testenv gc`."
                )
            } catch {
                statistics.record(error)
                await forgetAdminConnectionIfLost(error)
                if let error = error as? TestEnvError { throw error }
                throw TestEnvError(
                    .cleanupFailed, "could not remove \(name); the next run's reaper or `DROP DATABASE` removes it",
                    underlying: error as? any DatabaseDriverError)
            }
        }
        return nil
    }

    /// Keeps a failed test's database, when it is tracked (else the reaper could never remove it).
    private func keep(_ name: String) async -> String? {
        guard trackingAvailable == true else { return nil }
        do {
            try await registry.markKept(name, timeToLive: configuration.keptTimeToLive, try await adminWaitingForSlot())
        } catch {
            logger.error("Could not keep \(name), removing it instead: \(error)")
            return nil
        }
        // A ready-to-paste client command; `-p` makes the client ask for the password, which is never printed.
        let settings = configuration.mysql
        let place = settings.unixSocket.map { "--socket=\($0)" } ?? "--host=\(settings.host) --port=\(settings.port)"
        return "mariadb \(place) --user=\(settings.user) -p \(name)"
    }

    /// Drops a database this provider created, and its record.
    func drop(_ name: String) async throws {
        let admin = try await adminWaitingForSlot()
        // The admin connection is shared, so no KILL: its session's lock_wait_timeout bounds the drop.
        let registry = trackingAvailable == true ? registry : nil
        let noInterrupt: @Sendable () async -> Void = {}
        try await TimeLimit.run(configuration.operationTimeout, operation: "dropping \(name)", interrupt: noInterrupt) {
            try await DatabaseDrop.run(name, admin: admin)
            try await registry?.unregister(name, admin)
        }
        ExitParking.forget(name)
    }

    /// Marks a database held until the process ends to be dropped by the exit handler.
    func dropAtExit(_ name: String) {
        ExitParking.set(name, .disposable, on: configuration.mysql, parkFor: parkFor)
    }

    /// Drops `name` off the tests' path; a failure is logged, and the reaper removes it later.
    func dropQuietly(_ name: String) async {
        await idleConnections.removeValue(forKey: name)?.close()
        do { try await drop(name) } catch {
            guard !ExitParking.isExiting.load(ordering: .sequentiallyConsistent) else { return }
            statistics.record(error)
            logger.warning("TestEnvKit could not drop \(name); the next run's reaper removes it: \(error)")
        }
    }

    // MARK: The bound

    /// The configured bound, or one derived once: a few environments per core (a test's work and
    /// the server share the cores), and never more than a share of the connections the server has
    /// free, less the connections this provider holds besides.
    func environmentLimit() async throws -> Int {
        try await environmentLimitTask.value {
            if let cap = self.configuration.maxConcurrentEnvironments { return cap }
            let admin = try await self.adminWaitingForSlot()
            let row = try await admin.get("SELECT @@max_connections, (SELECT COUNT(*) FROM information_schema.PROCESSLIST)", [])
            let free = try (row?.decode(Int.self, 0) ?? 151) - (row?.decode(Int.self, 1) ?? 0)
            // Besides environments: the admin, control and two reset connections.
            let serverShare = Int(Double(free) * self.configuration.connectionShare) - 4
            let limit = max(1, min(TestEnvConfiguration.defaultEnvironmentLimit, serverShare))
            // Idle connections hold their slots between tests: only where several processes like this one fit.
            if free < 4 * (limit + 4) { await self.stopKeepingIdleConnections() }
            return limit
        }
    }

    // MARK: Connections to the server

    /// The admin connection, which creates and drops databases; opened once, shared by all environments.
    func admin() async throws -> MySQLConnection {
        try await adminConnection.value { try await self.serverConnection() }
    }

    /// The admin connection, waiting out a full server (1040) until the connection wait timeout.
    func adminWaitingForSlot() async throws -> MySQLConnection {
        let deadline = ContinuousClock.now + configuration.connectionWaitTimeout
        while true {
            do { return try await admin() } catch let error as MySQLError
                where error.kind == .tooManyConnections && ContinuousClock.now < deadline
            {
                try await Task.sleep(for: .milliseconds(Int64.random(in: 50...250)))
            }
        }
    }

    /// Every connection this provider opens: a full server (1040) gets this process's idle
    /// connections back, since other processes sharing it may be waiting for a slot.
    private func connect(_ settings: MySQLConfiguration) async throws -> MySQLConnection {
        do { return try await MySQLConnection.connect(settings) } catch let error as MySQLError where error.kind == .tooManyConnections {
            await stopKeepingIdleConnections()
            throw error
        }
    }

    /// Closes the connections databases keep between tests, and keeps none from now on.
    func stopKeepingIdleConnections() async {
        guard keepsIdleConnections else { return }
        keepsIdleConnections = false
        let idle = idleConnections.values
        idleConnections = [:]
        for connection in idle { await connection.close() }
    }

    /// Forgets the admin connection when an operation lost a connection and it was the admin's own.
    func forgetAdminConnectionIfLost(_ error: any Error) async {
        let kind = (error as? any DatabaseDriverError)?.kind ?? (error as? TestEnvError)?.driverErrorKind
        guard kind == .connectionLost else { return }
        if let admin = try? await admin(), await admin.isReady() { return }
        adminConnection.forget()
    }

    /// A connection the server answered within this long is used without a ping first: between
    /// tests, a ping per handover would cost as much as the handover.
    static let recentAnswer = Duration.seconds(1)

    /// One of the connections that reset pooled databases, in turn: two, so resets use both
    /// cores of a small machine and never queue behind the admin connection's CREATE and DROP.
    func resetConnection() async throws -> MySQLConnection {
        let slot = nextResetConnection % 2
        nextResetConnection += 1
        while resetConnections.count <= slot { resetConnections.append(Task { try await self.newResetConnection() }) }
        let task = resetConnections[slot]
        do {
            let connection = try await task.value
            if await connection.isReady(answeredWithin: Self.recentAnswer) { return connection }
        } catch {}
        // Lost or never opened: open it again, unless another caller did (or shutdown cleared the list).
        // A full server (1040) is waited out as for the admin connection: a reset beats a rebuild.
        let deadline = ContinuousClock.now + configuration.connectionWaitTimeout
        var current = task
        while true {
            let replacement = Task { try await self.newResetConnection() }
            if slot < resetConnections.count, resetConnections[slot] == current { resetConnections[slot] = replacement }
            current = replacement
            do { return try await replacement.value } catch let error as MySQLError
                where error.kind == .tooManyConnections && ContinuousClock.now < deadline
            {
                try await Task.sleep(for: .milliseconds(Int64.random(in: 50...250)))
            }
        }
    }

    /// A server connection for resets: its session reads times in UTC, so that the tables'
    /// `UPDATE_TIME`s a reset compares (``ChangeBaseline``) mean the same instant all year.
    private func newResetConnection() async throws -> MySQLConnection {
        let connection = try await serverConnection()
        try await connection.executeScript("SET SESSION time_zone = '+00:00'")
        return connection
    }

    /// A new connection to the server without a database selected. `lockWait`: how long its DDL may
    /// wait for a metadata lock (a DROP while a test still holds a transaction) instead of the
    /// server's default of a day; by default the operation timeout.
    func serverConnection(lockWait: Duration? = nil) async throws -> MySQLConnection {
        var settings = configuration.mysql
        settings.database = nil
        // A server that stops answering must not hang the manager past its operation timeout.
        settings.readTimeout = configuration.operationTimeout
        let seconds = max(1, (lockWait ?? configuration.operationTimeout).components.seconds)
        let connection = try await connect(settings)
        // Pool resets empty tables in any order and TRUNCATE tables that foreign keys reference.
        try await connection.executeScript(
            "SET SESSION lock_wait_timeout = \(seconds), innodb_lock_wait_timeout = \(seconds), foreign_key_checks = 0")
        // MySQL 8 caches information_schema.TABLES.AUTO_INCREMENT for a day; the pool's probe needs it live.
        if !connection.serverVersion.contains("MariaDB") {
            try await connection.executeScript("SET SESSION information_schema_stats_expiry = 0")
        }
        return connection
    }

    /// Stops the statement running on connection `id`, from a separate connection.
    func killQuery(_ id: UInt) async {
        do {
            let control = try await controlConnection.value { try await self.serverConnection() }
            try await control.run("KILL QUERY \(id)")
        } catch {
            logger.error("TestEnvKit could not stop a statement that ran past its time limit (KILL QUERY \(id)): \(error)")
        }
    }

    // MARK: Tracking

    /// Creates the tracking table once.
    func ensureRegistry(_ admin: MySQLConnection) async throws {
        try await registryReady.value { [registry] in try await registry.ensureTable(admin) }
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
                "TestEnvKit cannot use its tracking table \(DatabaseRegistry.table), so test databases are not recorded, a crashed run's databases are not cleaned up by the reaper, and pools are not kept for the next run. Grant CREATE, INSERT, UPDATE, DELETE and SELECT on testenv_tracking.* to fix this. Cause: \(error)"
            )
        }
        return trackingAvailable ?? false
    }

    /// Keeps this process's leases fresh, every third of the lease, while the provider lives.
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

    // MARK: Shutting down

    func waitForBackgroundWork() async {
        await startReaper?.value
        for entry in pools.values { await entry.pool.waitForBackgroundWork() }
    }

    /// Drains every pool and parks (with `parking`) or drops its ready databases and templates,
    /// drops the shared databases of transaction mode, and closes the reset connections. Databases
    /// in use are left alone. The provider stays usable: the next environment starts a new pool.
    func shutdown(parking: Bool) async {
        let entries = pools
        pools = [:]
        let idle = idleConnections.values
        idleConnections = [:]
        for connection in idle { await connection.close() }
        _ = poolsReady.removeAll()
        _ = sharedDatabases.removeAll()
        let shared = Array(sharedNames.values) + retiredShared
        sharedNames = [:]
        retiredShared = []
        var leftovers: [String] = shared
        for (fingerprint, entry) in entries {
            let ready = await entry.pool.drain()
            if parking, parkFor > .zero, let admin = try? await admin(),
                (try? await park(ready: ready, template: entry.template, fingerprint: fingerprint, admin: admin)) != nil
            {
                for name in ready + [entry.template] { ExitParking.forget(name) }
                continue
            }
            leftovers += ready + [entry.template]
        }
        let resets = resetConnections
        resetConnections = []
        for task in resets { await (try? await task.value)?.close() }
        for name in leftovers {
            do { try await drop(name) } catch {
                logger.error("TestEnvKit could not drop pooled database \(name); the exit handler or the next run's reaper will: \(error)")
            }
        }
    }

    private func park(ready: [String], template: String, fingerprint: SchemaFingerprint, admin: MySQLConnection) async throws {
        var roles = Dictionary(
            uniqueKeysWithValues: ready.map {
                ($0, ExitParking.Role.ready(fingerprint: fingerprint.value, readyAt: baselines[$0]?.readyAt))
            })
        roles[template] = .template(fingerprint: fingerprint.value)
        for statement in ExitParking.statements(for: roles, parkSeconds: parkFor.components.seconds) {
            try await admin.executeScript(statement)
        }
    }
}

/// Holds the way to stop whatever a half-created environment is doing right now; set as the
/// creation progresses (admin connection first, then the environment's own connection).
final class InterruptSlot: Sendable {
    private let current = Mutex<(@Sendable () async -> Void)?>(nil)

    func set(_ interrupt: @escaping @Sendable () async -> Void) {
        current.withLock { $0 = interrupt }
    }

    @Sendable func fire() async {
        if let interrupt = current.withLock({ $0 }) { await interrupt() }
    }
}
