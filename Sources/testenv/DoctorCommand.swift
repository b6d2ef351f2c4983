import ArgumentParser
import Foundation
import TestEnvKit

/// `testenv doctor`: checks, in order, what a test run needs, one line each, with a fix for what fails.
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check configuration, server, credentials, privileges, fallback and leftovers; say how to fix each problem.",
        discussion: """
            Exits with status 1 when a test run with these settings would fail or fall back to SQLite, 0 otherwise. \
            Reads the same TEST_DB_* variables as the tests.
            """
    )

    @Flag(help: "Print one JSON object: {\"checks\": [{name, status, detail, fix}], \"would_fail\", \"would_fall_back\"}.")
    var json = false

    func run() async throws {
        let report = await Doctor(environment: ProcessInfo.processInfo.environment).run()
        print(json ? try sortedJSON(report) : report.text)
        if report.wouldFail || report.wouldFallBack { throw ExitCode(1) }
    }
}

/// The checks behind `testenv doctor`.
struct Doctor {
    let environment: [String: String]

    struct Check: Encodable {
        enum Status: String, Encodable {
            case ok, warning, failed, skipped
        }

        let name: String
        let status: Status
        let detail: String
        let fix: String?
    }

    struct Report: Encodable {
        var checks: [Check] = []
        var wouldFail = false
        var wouldFallBack = false

        enum CodingKeys: String, CodingKey {
            case checks
            case wouldFail = "would_fail"
            case wouldFallBack = "would_fall_back"
        }

        var text: String {
            var lines = checks.map { check -> String in
                let mark = ["ok": "✓", "warning": "!", "failed": "✗", "skipped": "–"][check.status.rawValue]!
                return "\(mark) \(check.name): \(check.detail)" + (check.fix.map { "\n    fix: \($0)" } ?? "")
            }
            lines.append(
                wouldFail
                    ? "A test run with these settings would fail."
                    : wouldFallBack
                        ? "A test run with these settings would fall back to SQLite." : "A test run with these settings is good to go.")
            return lines.joined(separator: "\n")
        }
    }

    private static let variables: [(name: String, fallback: String)] = [
        ("TEST_DB_TYPE", "sqlite"), ("TEST_DB_HOST", "127.0.0.1"), ("TEST_DB_PORT", "3306"), ("TEST_DB_USER", "root"),
        ("TEST_DB_PASSWORD", ""), ("TEST_DB_SOCKET", ""), ("DB_TEST_PATH", ":memory:"), ("TEST_DB_REQUIRE", ""), ("CI", ""),
        ("TEST_DB_ISOLATION", "pooled"), ("TEST_DB_MAX_ENVIRONMENTS", "derived"), ("TEST_DB_PARK_TTL", "86400"), ("TEST_DB_TIMEOUT", "120"),
        ("TEST_DB_KEEP_ON_FAILURE", ""), ("TEST_DB_CONFINEMENT", "auto"),
    ]

    /// What the server said to the configured credentials.
    enum ServerAnswer {
        case answered, refusedCredentials, unreachable
    }

    func run() async -> Report {
        var report = Report()
        let configuration: TestEnvConfiguration
        do {
            configuration = try TestEnvConfiguration.fromEnvironment(environment)
            report.checks.append(Check(name: "configuration", status: .ok, detail: describeVariables(), fix: nil))
        } catch {
            report.checks.append(
                Check(name: "configuration", status: .failed, detail: "\(error)", fix: "correct the variable named above"))
            report.wouldFail = true
            return report
        }
        let mysqlWanted = configuration.backend == .mysql
        var server = configuration
        server.backend = .mysql
        server.requiresRequestedBackend = true
        server.reapsAtStart = false
        server.isolation = .fresh
        server.probeTimeout = .seconds(3)
        let answer = await checkServer(server, wanted: mysqlWanted, into: &report)
        if answer == .answered { await checkDatabases(server, wanted: mysqlWanted, into: &report) }
        report.checks.append(Check(name: "SQLite", status: .ok, detail: SQLiteConnection.libraryVersion, fix: nil))
        if mysqlWanted, answer == .unreachable, !report.wouldFail {
            report.wouldFallBack = !configuration.requiresRequestedBackend
            report.wouldFail = configuration.requiresRequestedBackend
        }
        report.checks.append(fallbackCheck(configuration, answer: answer))
        return report
    }

    private func describeVariables() -> String {
        Self.variables.map { variable in
            guard let value = environment[variable.name], !value.isEmpty else {
                return variable.fallback.isEmpty ? "\(variable.name) unset" : "\(variable.name)=\(variable.fallback) (default)"
            }
            return variable.name == "TEST_DB_PASSWORD" ? "TEST_DB_PASSWORD set (not shown)" : "\(variable.name)=\(value)"
        }.joined(separator: ", ")
    }

    /// Reachable, credentials, version and connections.
    private func checkServer(_ configuration: TestEnvConfiguration, wanted: Bool, into report: inout Report) async -> ServerAnswer {
        let endpoint = configuration.mysql.endpoint
        var settings = configuration.mysql
        settings.database = nil
        settings.connectTimeout = configuration.probeTimeout
        let failed: Check.Status = wanted ? .failed : .skipped
        do {
            let connection = try await MySQLConnection.connect(settings)
            defer { Task { await connection.close() } }
            report.checks.append(Check(name: "server reachable", status: .ok, detail: "\(endpoint) answers", fix: nil))
            report.checks.append(Check(name: "credentials", status: .ok, detail: "\(settings.user) is accepted", fix: nil))
            let row = try await connection.get(
                "SELECT VERSION(), @@max_connections, (SELECT COUNT(*) FROM information_schema.PROCESSLIST)", [])
            let version = try row?.decode(String.self, 0) ?? "?"
            let maximum = try row?.decode(Int.self, 1) ?? 0
            let inUse = try row?.decode(Int.self, 2) ?? 0
            let changeCounting =
                switch try await userstat(connection) {
                case "ON": ", userstat ON"
                case .some: ", userstat OFF (with --userstat=1, pooled resets skip checksumming reference rows)"
                case nil: ""
                }
            report.checks.append(
                Check(
                    name: "server", status: .ok,
                    detail: "MariaDB/MySQL \(version), max_connections \(maximum), \(inUse) in use\(changeCounting)", fix: nil))
            return .answered
        } catch let error as MySQLError where error.kind == .accessDenied {
            report.checks.append(Check(name: "server reachable", status: .ok, detail: "\(endpoint) answers", fix: nil))
            report.checks.append(
                Check(
                    name: "credentials", status: failed, detail: "the server refused \(settings.user): \(error.message)",
                    fix: "check TEST_DB_USER and TEST_DB_PASSWORD (wrong credentials never fall back to SQLite)"))
            if wanted { report.wouldFail = true }
            return .refusedCredentials
        } catch {
            report.checks.append(
                Check(
                    name: "server reachable", status: failed, detail: "nothing answers at \(endpoint): \(error)",
                    fix:
                        "start a server (eval \"$(testenv server start)\" starts a throwaway one and exports its TEST_DB_* settings), "
                        + "or correct TEST_DB_HOST, TEST_DB_PORT or TEST_DB_SOCKET"))
            return .unreachable
        }
    }

    /// Creates and drops one environment the way tests do, then looks for orphans.
    private func checkDatabases(_ configuration: TestEnvConfiguration, wanted: Bool, into report: inout Report) async {
        let manager = TestEnvironmentManager(configuration: configuration)
        do {
            let env = try await manager.createIsolatedEnvironment()
            try await manager.cleanupEnvironment(env)
            report.checks.append(
                Check(name: "privileges", status: .ok, detail: "created and dropped \(env.databaseName)", fix: nil))
            let boundary = try await manager.boundary(for: .mysql)
            report.checks.append(
                boundary.isEnforced
                    ? Check(name: "boundary", status: .ok, detail: boundary.detail, fix: nil)
                    : Check(
                        name: "boundary", status: .warning, detail: boundary.detail,
                        fix: "grant the user CREATE USER and ALL PRIVILEGES ON `test\\_%`.* WITH GRANT OPTION, so the server enforces it"))
        } catch {
            report.checks.append(
                Check(
                    name: "privileges", status: wanted ? .failed : .skipped, detail: "could not create and drop a test database: \(error)",
                    fix: "GRANT CREATE, DROP, ALTER, INDEX, INSERT, UPDATE, DELETE, SELECT, CREATE VIEW, TRIGGER, CREATE ROUTINE, "
                        + "ALTER ROUTINE ON `test\\_%`.* and CREATE, INSERT, UPDATE, DELETE, SELECT ON testenv_tracking.* TO the user"))
            if wanted { report.wouldFail = true }
            return
        }
        do {
            let orphans = try await manager.reap(dryRun: true).filter { $0.action == "remove" }
            report.checks.append(
                orphans.isEmpty
                    ? Check(name: "orphaned environments", status: .ok, detail: "none", fix: nil)
                    : Check(
                        name: "orphaned environments", status: .failed,
                        detail: "\(orphans.count) databases of crashed runs: \(orphans.prefix(3).map(\.database).joined(separator: ", "))"
                            + (orphans.count > 3 ? ", …" : ""),
                        fix: "testenv gc removes them (the next test run's reaper does too)"))
        } catch {
            report.checks.append(
                Check(name: "orphaned environments", status: .skipped, detail: "could not read the tracking table: \(error)", fix: nil))
        }
    }

    private func fallbackCheck(_ configuration: TestEnvConfiguration, answer: ServerAnswer) -> Check {
        guard configuration.backend == .mysql else {
            return Check(name: "fallback", status: .ok, detail: "none: TEST_DB_TYPE asks for SQLite", fix: nil)
        }
        switch answer {
        case .answered: return Check(name: "fallback", status: .ok, detail: "none: MySQL answers", fix: nil)
        case .refusedCredentials:
            return Check(
                name: "fallback", status: .failed,
                detail: "none: the server refused the credentials, and wrong credentials fail the run instead of falling back to SQLite",
                fix: "check TEST_DB_USER and TEST_DB_PASSWORD")
        case .unreachable: break
        }
        if configuration.requiresRequestedBackend {
            return Check(
                name: "fallback", status: .failed, detail: "none allowed (TEST_DB_REQUIRE or CI is set): MySQL tests would fail",
                fix: "make the server reachable (see above)")
        }
        return Check(
            name: "fallback", status: .failed, detail: "tests would run on SQLite instead of MySQL, with one warning",
            fix: "make the server reachable, or set TEST_DB_REQUIRE=1 to fail instead of falling back")
    }
}

/// MariaDB's `userstat` setting (`ON`/`OFF`), nil where the server has no such variable (MySQL):
/// with it on, pooled resets find changed reference rows without checksums.
func userstat(_ connection: any DatabaseConnection) async throws -> String? {
    try await connection.get("SHOW GLOBAL VARIABLES LIKE 'userstat'", [])?.decode(String.self, 1)
}
