import TestEnvCore
import TestEnvMySQL

/// The backend environments get, and why it differs from the one asked for.
struct BackendChoice: Sendable {
    let backend: DatabaseBackend
    let fallbackReason: String?
}

extension TestEnvironmentManager {
    /// Which backend environments get, deciding it (and logging any fallback) on first use.
    ///
    /// - Throws: ``TestEnvError/Code/serverUnreachable`` when MySQL is required but unreachable,
    ///   ``TestEnvError/Code/accessDenied`` or ``TestEnvError/Code/connectionFailed`` for configuration mistakes.
    public func resolvedBackend() async throws -> (backend: DatabaseBackend, fallbackReason: String?) {
        let choice = try await chooseBackend()
        return (choice.backend, choice.fallbackReason)
    }

    /// Decides the backend once per manager; concurrent callers share the one check, and a passing
    /// problem does not stick for the whole run.
    func chooseBackend() async throws -> BackendChoice {
        try await backendChoice.value { try await self.probeBackend() }
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
            await mysql.startReaping()
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
}
