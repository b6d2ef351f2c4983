import Synchronization
import TestEnvCore
import TestEnvMySQL

/// The backend environments get, and why it differs from the one asked for.
struct BackendChoice: Sendable {
    let backend: DatabaseBackend
    let fallbackReason: String?
}

/// A script as split for one dialect; the file's stamp makes an edited file parse again.
struct ParsedScriptKey: Hashable {
    let script: SchemaScript
    let dialect: DatabaseBackend
    let stamp: FileStamp?
}

extension TestEnvironmentManager {
    /// Decides the backend once per manager; concurrent callers share the one check.
    func chooseBackend() async throws -> BackendChoice {
        let task = backendChoice ?? Task { try await self.probeBackend() }
        backendChoice = task
        do { return try await task.value } catch {
            // A passing problem must not stick for the whole run; a newer attempt is left alone.
            if backendChoice == task { backendChoice = nil }
            throw error
        }
    }

    private func probeBackend() async throws -> BackendChoice {
        guard configuration.backend == .mysql else { return BackendChoice(backend: .sqlite, fallbackReason: nil) }
        var settings = configuration.mysql
        settings.database = nil
        settings.connectTimeout = configuration.probeTimeout
        let endpoint = settings.endpoint
        do {
            let connection = try await MySQLConnection.connect(settings)
            await connection.close()
            await reapAtStart()
            return BackendChoice(backend: .mysql, fallbackReason: nil)
        } catch let error as MySQLError where [.serverUnreachable, .connectionLost, .timeout].contains(error.kind) {
            guard !configuration.requiresRequestedBackend else {
                throw TestEnvError(
                    .serverUnreachable,
                    "MySQL was asked for, but no MySQL server answers at \(endpoint), and falling back to SQLite is off "
                        + "(TEST_DB_REQUIRE or CI is set, or the caller required MySQL). Start the server (`eval \"$(testenv server start)\"` starts a throwaway one and exports TEST_DB_*) "
                        + "or correct TEST_DB_HOST, TEST_DB_PORT or TEST_DB_SOCKET.",
                    underlying: error)
            }
            let reason = "no MySQL server answers at \(endpoint) (error \(error.code): \(error.message))"
            logger.warning(
                "Falling back to SQLite: TEST_DB_TYPE=mysql, but \(reason). Every environment of this process runs on SQLite and reports isFallback = true. Set TEST_DB_REQUIRE=1 (CI=true does the same) to fail instead."
            )
            return BackendChoice(backend: .sqlite, fallbackReason: reason)
        } catch let error as MySQLError where error.kind == .tooManyConnections {
            // The server is there, only full: environments wait for slots (see createIsolatedEnvironment).
            return BackendChoice(backend: .mysql, fallbackReason: nil)
        } catch let error as MySQLError where error.kind == .accessDenied {
            throw TestEnvError(
                .accessDenied,
                "the MySQL server at \(endpoint) refused the credentials: check TEST_DB_USER and TEST_DB_PASSWORD (the password is not shown). "
                    + "This is a configuration mistake, so TestEnvKit does not fall back to SQLite.",
                underlying: error)
        } catch let error as MySQLError {
            throw TestEnvError(
                .connectionFailed, "could not connect to the MySQL server at \(endpoint): \(error.message)", underlying: error)
        }
    }

    /// The admin connection, which creates and drops databases; opened once, shared by all environments.
    func admin() async throws -> MySQLConnection {
        let task = adminConnection ?? serverConnection()
        adminConnection = task
        do { return try await task.value } catch {
            if adminConnection == task { adminConnection = nil }
            throw error
        }
    }

    /// One of the connections that reset pooled databases, in turn: two, so resets use both
    /// cores of a small machine and never queue behind the admin connection's CREATE and DROP.
    func resetConnection() async throws -> MySQLConnection {
        let slot = nextResetConnection % 2
        nextResetConnection += 1
        while resetConnections.count <= slot { resetConnections.append(serverConnection()) }
        let task = resetConnections[slot]
        do {
            let connection = try await task.value
            if await connection.isReady() { return connection }
        } catch {}
        // Lost or never opened: open it again, unless another caller did (or shutdown cleared the list).
        // A full server (1040) is waited out as for the admin connection: a reset beats a rebuild.
        let deadline = ContinuousClock.now + configuration.connectionWaitTimeout
        var current = task
        while true {
            let replacement = serverConnection()
            if slot < resetConnections.count, resetConnections[slot] == current { resetConnections[slot] = replacement }
            current = replacement
            do { return try await replacement.value } catch let error as MySQLError
                where error.kind == .tooManyConnections && ContinuousClock.now < deadline
            {
                try await Task.sleep(for: .milliseconds(Int64.random(in: 50...250)))
            }
        }
    }

    /// A new connection to the server without a database selected.
    private func serverConnection() -> Task<MySQLConnection, any Error> {
        var settings = configuration.mysql
        settings.database = nil
        // DDL waiting for a metadata lock (a DROP while a test still holds a transaction) fails after
        // the operation timeout instead of waiting the server's default of a day.
        let lockWait = max(1, configuration.operationTimeout.components.seconds)
        // A server that stops answering must not hang the manager past its operation timeout.
        settings.readTimeout = configuration.operationTimeout
        return Task {
            let connection = try await MySQLConnection.connect(settings)
            // Pool resets empty tables in any order and TRUNCATE tables that foreign keys reference.
            try await connection.executeScript(
                "SET SESSION lock_wait_timeout = \(lockWait), innodb_lock_wait_timeout = \(lockWait), foreign_key_checks = 0")
            // MySQL 8 caches information_schema.TABLES.AUTO_INCREMENT for a day; the pool's probe needs it live.
            if !connection.serverVersion.contains("MariaDB") {
                try await connection.executeScript("SET SESSION information_schema_stats_expiry = 0")
            }
            return connection
        }
    }

    /// The budget of MySQL environments, sized once: the configured cap, or the share of the
    /// connections the server has free now, less the connections this manager holds besides.
    func connectionBudget() async throws -> ConnectionBudget {
        let task =
            budget
            ?? Task {
                if let cap = configuration.maxConcurrentEnvironments { return ConnectionBudget(limit: cap) }
                let admin = try await adminWaitingForSlot()
                let row = try await admin.get("SELECT @@max_connections, (SELECT COUNT(*) FROM information_schema.PROCESSLIST)", [])
                let free = try (row?.decode(Int.self, 0) ?? 151) - (row?.decode(Int.self, 1) ?? 0)
                // Besides environments: the admin, control and two reset connections.
                return ConnectionBudget(limit: Int(Double(free) * configuration.connectionShare) - 4)
            }
        budget = task
        do { return try await task.value } catch {
            if budget == task { budget = nil }
            throw error
        }
    }

    /// Stops the statement running on connection `id`, from a separate connection.
    func killQuery(_ id: UInt) async {
        do {
            let control = try await control()
            try await control.run("KILL QUERY \(id)")
        } catch {
            logger.error("TestEnvKit could not stop a statement that ran past its time limit (KILL QUERY \(id)): \(error)")
        }
    }

    private func control() async throws -> MySQLConnection {
        let task = controlConnection ?? serverConnection()
        controlConnection = task
        do { return try await task.value } catch {
            if controlConnection == task { controlConnection = nil }
            throw error
        }
    }

    /// Forgets the admin connection when an operation lost a connection and it was the admin's own.
    func forgetAdminConnectionIfLost(_ error: any Error) async {
        let kind = (error as? any DatabaseDriverError)?.kind ?? (error as? TestEnvError)?.driverErrorKind
        guard kind == .connectionLost, let task = adminConnection else { return }
        if let admin = try? await task.value, await admin.isReady() { return }
        if adminConnection == task { adminConnection = nil }
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
