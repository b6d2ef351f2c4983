import Foundation
import Logging
import TestEnvCore
import TestEnvMySQL
import TestEnvSQLite

/// Creates isolated environments — one database per test, schema loaded — and removes them.
///
/// ```swift
/// let manager = try TestEnvironmentManager.shared()          // configured from TEST_DB_* variables
/// let env = try await manager.createIsolatedEnvironment(schema: schema)
/// defer { Task { try await manager.cleanupEnvironment(env) } }   // or use withIsolatedEnvironment
/// ```
///
/// **Backend choice.** With `TEST_DB_TYPE=mysql`, the first environment checks once whether the
/// server answers. If nothing answers (refused, unreachable, connect timeout), the manager falls
/// back to SQLite and logs one warning naming the address, the error and `TEST_DB_REQUIRE`;
/// every environment then reports ``IsolatedEnvironment/isFallback``. With `TEST_DB_REQUIRE=1`
/// or `CI=true` it throws instead. Wrong credentials never fall back.
///
/// **Connections.** Per manager: one admin connection (creates and drops databases) and, after
/// the first timeout, one control connection (sends `KILL QUERY`). Per environment: one connection.
///
/// **Cleanup.** ``cleanupEnvironment(_:testFailed:)`` closes the environment's connection and drops its
/// database (or deletes its SQLite file). It is idempotent, and only ever drops databases this
/// manager created. A creation that fails half-way removes what it had created.
///
/// **Threads.** Reading, hashing and splitting a schema file — seconds of CPU and file I/O for a
/// large dump — runs off Swift's cooperative pool (`runOffPool`, in TestEnvCore), where it would hold one
/// of the pool's few threads (two on a 2-core machine); the rest of the manager's work is short.
///
/// ## Topics
/// - ``createIsolatedEnvironment(schema:)``
/// - ``cleanupEnvironment(_:testFailed:)``
/// - ``cleanupAll()``
/// - ``statistics``
public actor TestEnvironmentManager {
    /// The configuration this manager uses.
    public nonisolated let configuration: TestEnvConfiguration
    let logger: Logger
    var backendChoice: Task<BackendChoice, any Error>?
    /// Creates and drops databases; opened on first use, shared by all environments.
    var adminConnection: Task<MySQLConnection, any Error>?
    /// Sends `KILL QUERY` when an operation passes its time limit; opened on the first timeout.
    var controlConnection: Task<MySQLConnection, any Error>?
    /// Reset pooled databases; see ``resetConnection()``.
    var resetConnections: [Task<MySQLConnection, any Error>] = []
    var nextResetConnection = 0
    /// Creates the tracking table once per manager.
    var registryReady: Task<Void, any Error>?
    /// Whether the tracking table can be used; nil until the first MySQL environment asks.
    var trackingAvailable: Bool?
    /// Caps the MySQL environments held at once; set up at the first MySQL environment.
    var budget: Task<ConnectionBudget, any Error>?
    /// Renews this process's leases while the manager has MySQL environments.
    var leaseRenewal: Task<Void, Never>?
    /// The server-side record of the databases this process creates.
    nonisolated var registry: DatabaseRegistry { DatabaseRegistry(owner: .current, lease: configuration.lease) }
    var live: [UUID: IsolatedEnvironment] = [:]
    /// Fingerprints of the schemas in use, recomputed when a file changes.
    var fingerprints = FingerprintCache()
    /// SQLite: per schema fingerprint, the image every environment copies (built once, by a task).
    var sqliteTemplates: [SchemaFingerprint: Task<SQLiteImage, any Error>] = [:]
    /// The images of ``sqliteTemplates`` that are built, at hand without waiting for the task.
    var sqliteImages: [SchemaFingerprint: SQLiteImage] = [:]
    /// MySQL: per schema fingerprint, the ready databases.
    var pools: [SchemaFingerprint: DatabasePool] = [:]
    /// Reference tables that recycling compared by `CHECKSUM TABLE` (see ``ChangeCounts``).
    var referenceTablesChecksummed = 0
    /// Resets, refills and drops running off the tests' path; awaited by ``shutdown()``.
    var backgroundWork: [UUID: Task<Void, Never>] = [:]
    /// Set while ``shutdown()`` runs, so no new background work starts.
    var isShuttingDown = false
    private var parsedScripts: [ParsedScriptKey: [ScriptStatement]] = [:]
    /// Every MySQL database this manager created, recorded before the `CREATE DATABASE`.
    public private(set) var createdDatabases: Set<String> = []
    /// This manager's part in the process's run report.
    private let reportID = UUID()
    /// What the manager did so far.
    public internal(set) var statistics = EnvironmentStatistics() {
        didSet { RunRecorder.update(reportID, statistics) }
    }
    /// Databases of failed tests kept for inspection, with how to reach them.
    public internal(set) var keptEnvironments: [KeptEnvironment] = []

    /// Creates a manager. Nothing connects until the first environment is created.
    public init(configuration: TestEnvConfiguration = TestEnvConfiguration(), logger: Logger = Logger(label: "TestEnvKit")) {
        self.configuration = configuration
        self.logger = logger
        RunRecorder.install()
    }

    private static let sharedManager: Result<TestEnvironmentManager, TestEnvError> = {
        do {
            return .success(TestEnvironmentManager(configuration: try TestEnvConfiguration.fromEnvironment()))
        } catch let error as TestEnvError {
            return .failure(error)
        } catch {
            return .failure(TestEnvError(.invalidConfiguration, "\(error)"))
        }
    }()

    /// The process-wide manager, configured from the environment (``TestEnvConfiguration/fromEnvironment(_:)``).
    ///
    /// - Throws: ``TestEnvError/Code/invalidConfiguration`` when a variable is invalid.
    public static func shared() throws -> TestEnvironmentManager {
        try sharedManager.get()
    }

    /// The environments created and not yet removed.
    public var liveEnvironments: [IsolatedEnvironment] { Array(live.values) }

    /// Which backend environments get, deciding it (and logging any fallback) on first use.
    ///
    /// - Throws: ``TestEnvError/Code/serverUnreachable`` when MySQL is required but unreachable,
    ///   ``TestEnvError/Code/accessDenied`` or ``TestEnvError/Code/connectionFailed`` for configuration mistakes.
    public func resolvedBackend() async throws -> (backend: DatabaseBackend, fallbackReason: String?) {
        let choice = try await chooseBackend()
        return (choice.backend, choice.fallbackReason)
    }
}

// MARK: - Creating

extension TestEnvironmentManager {
    /// Creates an environment with `schema` loaded, on the configured backend (or SQLite after a fallback).
    ///
    /// Retryable failures (lost connection, deadlock, lock wait, too many connections, busy) are
    /// retried up to ``TestEnvConfiguration/creationRetries`` times with backoff. The whole creation
    /// is bounded by ``TestEnvConfiguration/operationTimeout``.
    ///
    /// - Throws: ``TestEnvError``: `schemaStatementRefused` / `schemaStatementFailed` /
    ///   `schemaFileUnreadable` naming file and line, `serverUnreachable`, `accessDenied`,
    ///   `environmentCreationFailed`, `timeout`.
    public func createIsolatedEnvironment(schema: Schema = Schema()) async throws -> IsolatedEnvironment {
        let choice: BackendChoice
        do { choice = try await chooseBackend() } catch {
            statistics.record(error)
            throw error
        }
        let start = ContinuousClock.now
        let budget = choice.backend == .mysql ? try await connectionBudget() : nil
        try await budget?.acquire(timeout: configuration.connectionWaitTimeout)
        do {
            let environment = try await createRetrying(choice, schema: schema)
            RunRecorder.acquired(environment, after: ContinuousClock.now - start)
            return environment
        } catch {
            await budget?.release()
            throw error
        }
    }

    private func createRetrying(_ choice: BackendChoice, schema: Schema) async throws -> IsolatedEnvironment {
        var attempt = 1
        let waitForSlotsUntil = ContinuousClock.now + configuration.connectionWaitTimeout
        while true {
            do {
                let environment = try await createOnce(choice, schema: schema)
                live[environment.id] = environment
                statistics.created += 1
                if environment.isFallback { statistics.createdByFallback += 1 }
                return environment
            } catch {
                statistics.record(error)
                await forgetAdminConnectionIfLost(error)
                // A full server (1040) is waited out like the budget, as other processes release connections.
                let serverFull = Self.kind(of: error) == .tooManyConnections && ContinuousClock.now < waitForSlotsUntil
                guard Self.isRetryable(error), attempt <= configuration.creationRetries || serverFull, !Task.isCancelled else {
                    throw creationFailure(error, backend: choice.backend, attempts: attempt)
                }
                statistics.retries += 1
                try await Task.sleep(for: .milliseconds(serverFull ? Int64.random(in: 50...250) : 50 << min(attempt - 1, 4)))
                attempt += 1
            }
        }
    }

    private func createOnce(_ choice: BackendChoice, schema: Schema) async throws -> IsolatedEnvironment {
        let slot = InterruptSlot()
        if choice.backend == .sqlite, let template = try await readySQLiteTemplate(for: schema) {
            // Copying an image that is built already into memory cannot wait on a lock or a server:
            // no time limit to watch it, which would cost more than the copy.
            return try await createSQLiteEnvironment(choice, schema: schema, slot: slot, template: template)
        }
        return try await TimeLimit.run(
            configuration.operationTimeout, operation: "creating an isolated \(choice.backend) environment", keepingLateResult: true,
            interrupt: slot.fire
        ) {
            switch choice.backend {
            case .mysql: try await self.createMySQLEnvironment(schema: schema, slot: slot)
            case .sqlite: try await self.createSQLiteEnvironment(choice, schema: schema, slot: slot)
            }
        }
    }

    private func createMySQLEnvironment(schema: Schema, slot: InterruptSlot) async throws -> IsolatedEnvironment {
        let admin = try await admin()
        switch configuration.isolation {
        case .fresh:
            let database = try await buildMySQLDatabase(schema, fingerprint: nil, admin: admin, slot: slot)
            return mysqlEnvironment(database.name, database.connection, isolation: .fresh, fingerprint: nil)
        case .pooled:
            return try await acquirePooled(schema, admin: admin, slot: slot)
        case .transaction:
            return try await acquireShared(schema, admin: admin, slot: slot)
        }
    }

    /// Creates a database, records it, and loads `schema` into it; returns it with an open
    /// connection. A failure removes what was created. A database built `forPool` is dropped by
    /// the exit handler from the start, so a process that exits mid-build leaves nothing.
    func buildMySQLDatabase(
        _ schema: Schema, fingerprint: SchemaFingerprint?, admin: MySQLConnection, slot: InterruptSlot, forPool: Bool = false
    ) async throws -> (name: String, connection: MySQLConnection) {
        let tracked = await trackingIsAvailable(admin)
        let name = DatabaseName.make()
        createdDatabases.insert(name)
        if forPool { PoolExitSweep.hold(name, on: configuration.mysql) }
        // No interrupt while the shared admin connection works: a KILL could hit another environment's
        // statement. Its session's lock_wait_timeout bounds what it waits for.
        // Recorded before it exists, so a crash between the two leaves a record the reaper acts on.
        var created = false
        do {
            if tracked {
                try await registry.register(name, fingerprint: fingerprint, admin)
                startLeaseRenewal()
            }
            // A build for the pool that is still running when the process exits must not leave a database behind.
            if forPool, PoolExitSweep.isExiting.load(ordering: .sequentiallyConsistent) { throw CancellationError() }
            // On MariaDB the owner goes into the database's comment too: DDL survives a crash that loses recent commits.
            let comment =
                tracked && DatabaseOwnerComment.isSupported(by: admin.serverVersion)
                ? " " + DatabaseOwnerComment(registry.owner, created: Int64(Date().timeIntervalSince1970)).clause : ""
            try await admin.executeScript(
                "CREATE DATABASE \(DatabaseName.quoted(name)) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci\(comment)")
            created = true
            let connection = try await connectEnvironment(to: name, slot: slot)
            do {
                let others = schema.mysql.isEmpty ? [] : try await otherDatabases(than: name, admin: admin)
                try await load(schema, backend: .mysql, into: connection, database: name, otherDatabases: others)
                await connection.acceptSchemaChanges()  // the schema's own DDL is not the test's
                if tracked { try await registry.markReady(name, admin) }
            } catch {
                await connection.close()
                throw error
            }
            return (name, connection)
        } catch {
            // The record goes only with the database, so the reaper can still find one that stayed.
            if (try? await admin.executeScript("DROP DATABASE IF EXISTS \(DatabaseName.quoted(name))")) != nil {
                if tracked { try? await registry.unregister(name, admin) }
                PoolExitSweep.release(name, on: configuration.mysql)
            } else if !created {
                PoolExitSweep.release(name, on: configuration.mysql)  // nothing to drop at exit
            }
            throw error
        }
    }

    /// A new connection to database `name`; `slot` learns how to stop its statements.
    func connectEnvironment(to name: String, slot: InterruptSlot) async throws -> MySQLConnection {
        var settings = configuration.mysql
        settings.database = name
        let connection = try await MySQLConnection.connect(settings)
        slot.set(killer(of: connection))
        return connection
    }

    private func killer(of connection: MySQLConnection) -> @Sendable () async -> Void {
        let connectionID = connection.connectionID
        return { [weak self] in await self?.killQuery(connectionID) }
    }

    func mysqlEnvironment(_ name: String, _ connection: MySQLConnection, isolation: IsolationMode, fingerprint: SchemaFingerprint?)
        -> IsolatedEnvironment
    {
        IsolatedEnvironment(
            backend: .mysql, requestedBackend: .mysql, fallbackReason: nil, databaseName: name, connection: connection, sqliteFile: nil,
            isolation: isolation, fingerprint: fingerprint, interrupt: killer(of: connection))
    }

    /// `template`: the schema's template when the caller has it at hand already.
    private func createSQLiteEnvironment(
        _ choice: BackendChoice, schema: Schema, slot: InterruptSlot,
        template ready: (image: SQLiteImage, fingerprint: SchemaFingerprint)? = nil
    ) async throws -> IsolatedEnvironment {
        let file = try sqliteFile()
        // Pooled and transaction modes copy a template built once per schema; fresh runs the scripts.
        var template = ready
        if template == nil, configuration.isolation != .fresh, !schema.sqlite.isEmpty { template = try await sqliteTemplate(schema) }
        if let file, let template { try SQLiteConnection.write(template.image, to: file) }
        let settings = SQLiteConfiguration(path: file ?? ":memory:")
        let connection =
            if let template, file == nil {
                try await SQLiteConnection.open(settings, copying: template.image)
            } else {
                try await SQLiteConnection.open(settings)
            }
        slot.set { connection.interrupt() }
        do {
            if template == nil {
                try await load(schema, backend: .sqlite, into: connection, database: file ?? ":memory:", otherDatabases: [])
            }
        } catch {
            await connection.close()
            if let file { Self.deleteSQLiteFile(file) }
            throw error
        }
        return IsolatedEnvironment(
            backend: .sqlite, requestedBackend: configuration.backend, fallbackReason: choice.fallbackReason,
            databaseName: file ?? ":memory:", connection: connection, sqliteFile: file, isolation: configuration.isolation,
            fingerprint: template?.fingerprint, interrupt: { connection.interrupt() })
    }

    /// nil for `:memory:`; otherwise a new file in the configured directory, or beside the configured file.
    private func sqliteFile() throws -> String? {
        var path = configuration.sqlitePath
        if path == ":memory:" {
            // A kept database must outlive its connection: in keep mode, SQLite environments are files.
            guard configuration.keepsFailedEnvironments else { return nil }
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("testenv")
            try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            path = directory.path
        }
        let unique = DatabaseName.make()
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            return (path as NSString).appendingPathComponent("\(unique).sqlite")
        }
        let url = URL(fileURLWithPath: path)
        let stem = url.deletingPathExtension().lastPathComponent
        let suffix = url.pathExtension.isEmpty ? "sqlite" : url.pathExtension
        return url.deletingLastPathComponent().appendingPathComponent("\(stem)-\(unique).\(suffix)").path
    }

    func otherDatabases(than name: String, admin: MySQLConnection) async throws -> Set<String> {
        let rows = try await admin.all(
            "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME NOT IN (?, 'information_schema')", [.text(name)])
        return Set(try rows.map { try $0.decode(String.self, 0).lowercased() })
    }

    func load(
        _ schema: Schema, backend: DatabaseBackend, into connection: any DatabaseConnection, database: String, otherDatabases: Set<String>
    ) async throws {
        var statementGuard = SchemaStatementGuard(
            isolatedDatabase: database, policy: schema.databaseStatements, dialect: backend, otherDatabases: otherDatabases)
        for script in schema.scripts(for: backend) {
            for statement in try await statements(of: script, dialect: backend) {
                let location = "\(script.name):\(statement.line)"
                guard let sql = try statementGuard.review(statement, location: location) else { continue }
                do {
                    try await connection.executeScript(sql)
                } catch let error as any DatabaseDriverError {
                    throw TestEnvError(
                        .schemaStatementFailed, "the \(backend) database rejected this schema statement: \(error.message)",
                        location: location, statement: statement.text, underlying: error)
                }
            }
        }
    }

    /// A script's statements, read and split once per manager (off the cooperative pool).
    private func statements(of script: SchemaScript, dialect: DatabaseBackend) async throws -> [ScriptStatement] {
        let key = ParsedScriptKey(script: script, dialect: dialect, stamp: script.stamp)
        if let parsed = parsedScripts[key] { return parsed }
        let parsed = try await runOffPool { SQLScriptSplitter.split(try script.contents(), dialect: dialect) }
        guard !parsed.isEmpty else {
            throw TestEnvError(
                .invalidInput,
                "the schema script \(script.name) holds no statements: check the path, or whether the export that wrote it failed")
        }
        parsedScripts[key] = parsed
        return parsed
    }

    private static func isRetryable(_ error: any Error) -> Bool {
        kind(of: error)?.isRetryable ?? false
    }

    private static func kind(of error: any Error) -> DatabaseErrorKind? {
        (error as? any DatabaseDriverError)?.kind ?? (error as? TestEnvError)?.driverErrorKind
    }

    private func creationFailure(_ error: any Error, backend: DatabaseBackend, attempts: Int) -> any Error {
        guard let driverError = error as? any DatabaseDriverError else { return error }
        let tries = attempts == 1 ? "" : " after \(attempts) attempts"
        return TestEnvError(
            .environmentCreationFailed, "creating an isolated \(backend) environment failed\(tries): \(driverError.message)",
            underlying: driverError)
    }
}

// MARK: - Removing

extension TestEnvironmentManager {
    /// Closes the environment's connection and drops its database (or deletes its SQLite file).
    ///
    /// With `testFailed` and ``TestEnvConfiguration/keepsFailedEnvironments``, the database is kept
    /// instead (up to ``TestEnvConfiguration/maxKeptEnvironments``), a warning says how to connect
    /// to it, and the reaper removes it after ``TestEnvConfiguration/keptTimeToLive``.
    ///
    /// Idempotent: a second call, or a call with an environment of another manager, does nothing.
    ///
    /// - Throws: ``TestEnvError/Code/cleanupFailed`` or `timeout` when the drop fails.
    public func cleanupEnvironment(_ environment: IsolatedEnvironment, testFailed: Bool = false) async throws {
        guard live.removeValue(forKey: environment.id) != nil else { return }
        RunRecorder.released(environment)
        let connection = environment.connection as? MySQLConnection
        // Read before closing: a database whose schema the test changed must not be reused.
        let schemaChanged = await connection?.hasChangedSchema ?? false
        let stillInTransaction = await environment.connection.isInTransaction()
        if stillInTransaction { try? await environment.connection.rollback() }
        await environment.connection.close()
        if environment.backend == .mysql { try? await budget?.value.release() }
        let keepable = environment.isolation != .transaction || environment.backend == .sqlite
        if testFailed, configuration.keepsFailedEnvironments, keepable, await keep(environment) { return }
        if environment.backend == .mysql, let fingerprint = environment.fingerprint {
            statistics.removed += 1
            switch environment.isolation {
            case .pooled:
                giveBack(
                    environment.databaseName, fingerprint: fingerprint, schemaChanged: schemaChanged,
                    closedConnection: connection?.connectionID ?? 0)
            case .transaction: leaveShared(environment.databaseName, fingerprint: fingerprint, committed: !stillInTransaction)
            case .fresh: break
            }
            return
        }
        do {
            try await remove(environment)
            statistics.removed += 1
        } catch {
            statistics.record(error)
            await forgetAdminConnectionIfLost(error)
            if let error = error as? TestEnvError { throw error }
            throw TestEnvError(
                .cleanupFailed, "could not remove \(environment.databaseName); the next run's reaper or `DROP DATABASE` removes it",
                underlying: error as? any DatabaseDriverError)
        }
    }

    /// Removes every environment this manager created and has not removed yet.
    ///
    /// - Throws: the first cleanup error, after trying all of them.
    public func cleanupAll() async throws {
        var firstError: (any Error)?
        for environment in live.values {
            do { try await cleanupEnvironment(environment) } catch { firstError = firstError ?? error }
        }
        if let firstError { throw firstError }
    }

    private func remove(_ environment: IsolatedEnvironment) async throws {
        switch environment.backend {
        case .mysql:
            try await dropMySQLDatabase(environment.databaseName)
        case .sqlite:
            if let file = environment.sqliteFile { Self.deleteSQLiteFile(file) }
        }
    }

    /// Drops a database this manager created, and its record.
    func dropMySQLDatabase(_ name: String) async throws {
        let admin = try await adminWaitingForSlot()
        let drop = "DROP DATABASE IF EXISTS \(DatabaseName.quoted(name))"
        // The admin connection is shared, so no KILL: its session's lock_wait_timeout bounds the drop.
        let stopDrop: @Sendable () async -> Void = {}
        let registry = trackingAvailable == true ? registry : nil
        try await TimeLimit.run(configuration.operationTimeout, operation: "dropping \(name)", interrupt: stopDrop) {
            try await admin.executeScript(drop)
            try await registry?.unregister(name, admin)
        }
        PoolExitSweep.release(name, on: configuration.mysql)
    }

    private static func deleteSQLiteFile(_ path: String) {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            try? FileManager.default.removeItem(atPath: path + suffix)
        }
    }
}
