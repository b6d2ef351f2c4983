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
/// The manager is a small orchestrator: it chooses the backend (with the fallback policy), admits
/// at most a bounded number of environments at once, and asks the backend's provider for a
/// database with the schema loaded. The providers do the rest (see <doc:HowItWorks>).
///
/// **Backend choice.** With `TEST_DB_TYPE=mysql`, the first environment checks once whether the
/// server answers. If nothing answers (refused, unreachable, connect timeout), the manager falls
/// back to SQLite and logs one warning naming the address, the error and `TEST_DB_REQUIRE`;
/// every environment then reports ``IsolatedEnvironment/isFallback``. With `TEST_DB_REQUIRE=1`
/// or `CI=true` it throws instead. Wrong credentials never fall back.
///
/// **The bound.** At most ``TestEnvConfiguration/maxConcurrentEnvironments`` environments are held
/// at once (by default a few per core, and never more than a share of the server's free
/// connections); further requests wait in order, and a released pooled database goes, reset,
/// straight to the longest waiter. A request from inside an environment's scope is admitted at
/// once, so a test that needs two environments never waits for itself.
///
/// **Cleanup.** ``cleanupEnvironment(_:testFailed:)`` closes the environment's connection and gives
/// its database back (reset for the next test, or dropped). It is idempotent, and only ever drops
/// databases this manager created. A creation that fails half-way removes what it had created.
///
/// ## Topics
/// - ``createIsolatedEnvironment(schema:mode:label:)``
/// - ``cleanupEnvironment(_:testFailed:)``
/// - ``cleanupAll()``
/// - ``statistics``
public actor TestEnvironmentManager {
    /// The configuration this manager uses.
    public nonisolated let configuration: TestEnvConfiguration
    let logger: Logger
    private let recorder = StatisticsRecorder()
    let backendChoice = OnceTask<BackendChoice>()
    private let admission = OnceTasks<DatabaseBackend, Admission>()
    /// Environments shared by the whole process (``processEnvironment(schema:mode:)``).
    private let processEnvironments = OnceTasks<ProcessEnvironmentKey, IsolatedEnvironment>()
    private let preparer = SchemaPreparer()
    let mysql: MySQLProvider
    private let sqlite: SQLiteProvider
    /// The environments created and not yet removed, with the admission that let each in.
    private var live: [UUID: (environment: IsolatedEnvironment, admission: Admission)] = [:]
    /// Databases of failed tests kept for inspection, with how to reach them.
    public private(set) var keptEnvironments: [KeptEnvironment] = []
    private var keptReserved = 0

    /// Creates a manager. Nothing connects until the first environment is created.
    public init(configuration: TestEnvConfiguration = TestEnvConfiguration(), logger: Logger = Logger(label: "TestEnvKit")) {
        self.configuration = configuration
        self.logger = logger
        RunRecorder.install()
        mysql = MySQLProvider(configuration: configuration, logger: logger, preparer: preparer, statistics: recorder)
        sqlite = SQLiteProvider(configuration: configuration, preparer: preparer)
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

    /// What the manager did so far.
    public var statistics: EnvironmentStatistics { recorder.snapshot }

    /// The environments created and not yet removed.
    public var liveEnvironments: [IsolatedEnvironment] { live.values.map(\.environment) }

    /// Every MySQL database this manager created (or claimed from a previous run's parked ones).
    public var createdDatabases: Set<String> {
        get async { await mysql.createdDatabases }
    }

    private func provider(for backend: DatabaseBackend) -> any TestDatabaseProvider {
        switch backend {
        case .mysql: mysql
        case .sqlite: sqlite
        }
    }
}

// MARK: - Creating

extension TestEnvironmentManager {
    /// Creates an environment with `schema` loaded, on the configured backend (or SQLite after a
    /// fallback), isolated as `mode` says (by default the configured ``TestEnvConfiguration/isolation``).
    /// `label` names the test that asks, in the run report (``RunReport/slowest``) and in messages.
    ///
    /// Beyond the bound on environments held at once it waits, in order, for a test to give one back.
    /// Retryable failures (lost connection, deadlock, lock wait, too many connections, busy) are
    /// retried up to ``TestEnvConfiguration/creationRetries`` times with backoff. The whole creation
    /// is bounded by ``TestEnvConfiguration/operationTimeout``.
    ///
    /// - Throws: ``TestEnvError``: `schemaStatementRefused` / `schemaStatementFailed` /
    ///   `schemaFileUnreadable` naming file and line, `serverUnreachable`, `accessDenied`,
    ///   `environmentCreationFailed`, `timeout`, `connectionBudgetExhausted`.
    public func createIsolatedEnvironment(schema: Schema = Schema(), mode: IsolationMode? = nil, label: String? = nil) async throws
        -> IsolatedEnvironment
    {
        let choice: BackendChoice
        let admission: Admission
        let provider: any TestDatabaseProvider
        do {
            choice = try await chooseBackend()
            provider = self.provider(for: choice.backend)
            admission = try await self.admission.value(for: choice.backend) { Admission(limit: try await provider.environmentLimit()) }
        } catch {
            recorder.record(error)
            throw error
        }
        let start = ContinuousClock.now
        let beyondLimit = try await admission.enter(timeout: configuration.connectionWaitTimeout)
        let admitted = ContinuousClock.now
        do {
            let request = ProviderRequest(
                schema: schema, isolation: mode ?? configuration.isolation, slot: InterruptSlot(), limit: admission.limit,
                beyondLimit: beyondLimit)
            let database = try await createRetrying(request, on: provider, backend: choice.backend)
            let environment = IsolatedEnvironment(
                backend: choice.backend, requestedBackend: configuration.backend, fallbackReason: choice.fallbackReason,
                databaseName: database.name, connection: database.connection, sqliteFile: database.sqliteFile,
                isolation: request.isolation, fingerprint: database.fingerprint, interrupt: database.interrupt, access: database.access,
                label: label)
            live[environment.id] = (environment, admission)
            recorder.update {
                $0.created += 1
                if environment.isFallback { $0.createdByFallback += 1 }
            }
            RunRecorder.acquired(environment, after: ContinuousClock.now - admitted, waited: admitted - start)
            await admission.created()
            return environment
        } catch {
            await admission.created()
            await admission.leave()
            throw error
        }
    }

    private func createRetrying(
        _ request: ProviderRequest, on provider: any TestDatabaseProvider, backend: DatabaseBackend
    ) async throws -> ProvidedDatabase {
        var attempt = 1
        let waitForSlotsUntil = ContinuousClock.now + configuration.connectionWaitTimeout
        while true {
            do {
                if await provider.answersAtOnce(request) { return try await provider.acquire(request) }
                return try await TimeLimit.run(
                    configuration.operationTimeout, operation: "creating an isolated \(backend) environment", keepingLateResult: true,
                    interrupt: request.slot.fire
                ) { try await provider.acquire(request) }
            } catch {
                recorder.record(error)
                await mysql.forgetAdminConnectionIfLost(error)
                // A full server (1040) is waited out like the bound, as other processes release connections.
                let serverFull = Self.kind(of: error) == .tooManyConnections && ContinuousClock.now < waitForSlotsUntil
                guard Self.kind(of: error)?.isRetryable == true, attempt <= configuration.creationRetries || serverFull, !Task.isCancelled
                else {
                    throw creationFailure(error, backend: backend, attempts: attempt)
                }
                recorder.update { $0.retries += 1 }
                try await Task.sleep(for: .milliseconds(serverFull ? Int64.random(in: 50...250) : 50 << min(attempt - 1, 4)))
                attempt += 1
            }
        }
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
    /// Closes the environment's connection and gives its database back: a pooled one is reset in
    /// the background for the next test, others are dropped (or their SQLite file deleted).
    ///
    /// With `testFailed` and ``TestEnvConfiguration/keepsFailedEnvironments``, the database is kept
    /// instead (up to ``TestEnvConfiguration/maxKeptEnvironments``), a warning says how to connect
    /// to it, and the reaper removes it after ``TestEnvConfiguration/keptTimeToLive``.
    ///
    /// Idempotent: a second call, or a call with an environment of another manager, does nothing.
    ///
    /// - Throws: ``TestEnvError/Code/cleanupFailed`` or `timeout` when the drop fails.
    public func cleanupEnvironment(_ environment: IsolatedEnvironment, testFailed: Bool = false) async throws {
        guard let admission = live.removeValue(forKey: environment.id)?.admission else { return }
        RunRecorder.released(environment)
        // The cap is reserved before any await, so concurrent failures cannot pass it.
        let keep = testFailed && configuration.keepsFailedEnvironments && keptReserved < configuration.maxKeptEnvironments
        if testFailed, configuration.keepsFailedEnvironments, !keep {
            logger.notice("Not keeping \(environment.databaseName): \(configuration.maxKeptEnvironments) databases are kept already")
        }
        if keep { keptReserved += 1 }
        await environment.closeExtraConnections()
        let access: String?
        do {
            access = try await provider(for: environment.backend).release(environment, keep: keep)
        } catch {
            if keep { keptReserved -= 1 }
            await admission.leave()
            throw error
        }
        await admission.leave()
        guard keep, let access else {
            if keep { keptReserved -= 1 }
            recorder.update { $0.removed += 1 }
            return
        }
        let kept = KeptEnvironment(database: environment.databaseName, access: access)
        keptEnvironments.append(kept)
        recorder.update { $0.kept += 1 }
        RunRecorder.kept(kept)
        logger.warning(
            "Kept \(environment.databaseName) of a failed test for inspection (TEST_DB_KEEP_ON_FAILURE); connect with: \(access)")
    }

    /// The environment of `schema` and `mode` that this whole process shares: created at the first
    /// call, the same one afterwards, removed by ``shutdown(parking:)`` or at process exit (SQLite:
    /// with the process; MySQL: by the exit handler, else the next run's reaper). Tests that share it
    /// share its rows: for read-mostly tests over expensive seed data (``SchemaSeed``).
    ///
    /// - Throws: what ``createIsolatedEnvironment(schema:mode:label:)`` throws.
    public func processEnvironment(schema: Schema = Schema(), mode: IsolationMode? = nil) async throws -> IsolatedEnvironment {
        let key = ProcessEnvironmentKey(schema: schema, mode: mode)
        return try await processEnvironments.value(for: key) {
            let environment = try await self.createIsolatedEnvironment(schema: schema, mode: mode, label: "shared by the process")
            await self.holdForTheProcess(environment)
            return environment
        }
    }

    /// A process-wide environment is meant to live until exit: not a leak, and dropped at exit.
    private func holdForTheProcess(_ environment: IsolatedEnvironment) async {
        RunRecorder.released(environment)
        if environment.backend == .mysql { await mysql.dropAtExit(environment.databaseName) }
    }

    /// Removes every environment this manager created and has not removed yet.
    ///
    /// - Throws: the first cleanup error, after trying all of them.
    public func cleanupAll() async throws {
        var firstError: (any Error)?
        for (environment, _) in live.values {
            do { try await cleanupEnvironment(environment) } catch { firstError = firstError ?? error }
        }
        if let firstError { throw firstError }
    }

    /// Waits until background work — the start's reaper, resets, drops — has finished, for
    /// benchmarks and tests that look at the server afterwards.
    public func waitForBackgroundWork() async {
        await mysql.waitForBackgroundWork()
        await sqlite.waitForBackgroundWork()
    }

    /// Waits for background work, then drops every database the pools hold (ready, template and
    /// shared ones) and forgets the SQLite templates; with `parking`, parks the ready MySQL databases
    /// for the next process instead, as a normal process exit does. Environments still in use are left
    /// alone. The manager stays usable; the next environment starts a new pool.
    ///
    /// At a normal process exit an exit handler parks pooled databases, so calling this is optional;
    /// it is for long-lived processes and for tests that check what is left.
    ///
    /// ```swift
    /// await manager.shutdown()
    /// ```
    public func shutdown(parking: Bool = false) async {
        for task in processEnvironments.removeAll() {
            if let environment = try? await task.value { try? await cleanupEnvironment(environment) }
        }
        await waitForBackgroundWork()
        await mysql.shutdown(parking: parking)
        await sqlite.shutdown(parking: parking)
    }
}

// MARK: - Reaping, and what tests look at

extension TestEnvironmentManager {
    /// Decides, for every database in the tracking table, whether its owner is gone; unless
    /// `dryRun`, removes those databases and their records. Touches nothing without a record. A
    /// database that cannot be dropped is reported (`failed`, with the reason) and the rest go on.
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
        try await mysql.reap(dryRun: dryRun, progress: progress)
    }

    /// The MySQL databases processes parked at exit for the next run of their schema (`testenv pool status`).
    ///
    /// - Throws: the driver's error when the server cannot be reached.
    public func parkedDatabases() async throws -> [ParkedDatabase] {
        try await mysql.parkedDatabases()
    }

    /// Drops the parked MySQL databases — of the schema whose fingerprint starts with `fingerprint`,
    /// or all (`testenv pool drain`). Each that cannot be dropped is reported (`failed`), the rest go on.
    ///
    /// - Throws: the driver's error when the server cannot be reached.
    public func drainParkedDatabases(fingerprint: String? = nil) async throws -> [ReaperDecision] {
        try await mysql.drainParked(fingerprint: fingerprint)
    }

    /// The MySQL admin connection (for tests and the CLI).
    /// What keeps `backend`'s environments inside their own databases: on MySQL, whether the
    /// restricted account could be set up (it is, on first use), or why not; on SQLite, the authorizer.
    ///
    /// - Throws: the server's error when it cannot be reached.
    public func boundary(for backend: DatabaseBackend) async throws -> EnvironmentBoundary {
        try await provider(for: backend).boundary()
    }

    func admin() async throws -> MySQLConnection { try await mysql.admin() }

    /// The server-side record of the databases this process creates.
    nonisolated var registry: DatabaseRegistry { mysql.registry }

    /// Reference tables that resets compared by checksum (for tests of the reset).
    var referenceTablesChecksummed: Int {
        get async { await mysql.referenceTablesChecksummed }
    }
}

/// A database kept after a failed test, and how to reach it.
public struct KeptEnvironment: Sendable, Hashable {
    /// The database's name, or the SQLite file.
    public let database: String
    /// A command line that opens it (never with the password).
    public let access: String
}

/// What a process-wide environment is shared by: its schema and mode.
struct ProcessEnvironmentKey: Hashable {
    let schema: Schema
    let mode: IsolationMode?
}
