import Foundation
import TestEnvMySQL

/// Everything TestEnvKit needs to know: which backend, where the server is, where SQLite files go,
/// whether falling back is allowed, and how long operations may take.
///
/// Read it from the environment, then change what you like in code; code wins:
///
/// ```swift
/// var configuration = try TestEnvConfiguration.fromEnvironment()
/// configuration.operationTimeout = .seconds(30)
/// let manager = TestEnvironmentManager(configuration: configuration)
/// ```
///
/// | variable | default | meaning |
/// |---|---|---|
/// | `TEST_DB_TYPE` | `sqlite` | `sqlite` or `mysql` |
/// | `TEST_DB_HOST` | `127.0.0.1` | MySQL host; `localhost` means the default Unix socket (the port is then not used) |
/// | `TEST_DB_PORT` | `3306` | MySQL port, 1–65535 |
/// | `TEST_DB_USER` | `root` | MySQL user |
/// | `TEST_DB_PASSWORD` | empty | MySQL password |
/// | `TEST_DB_SOCKET` | unset | MySQL Unix socket, used instead of host and port |
/// | `DB_TEST_PATH` | `:memory:` | SQLite: `:memory:`, a directory, or a file path (each environment gets its own file) |
/// | `TEST_DB_REQUIRE` | unset | `1`/`true`: never fall back from MySQL to SQLite |
/// | `CI` | unset | `true`/`1`: the same as `TEST_DB_REQUIRE=1` |
/// | `TEST_DB_TIMEOUT` | `120` | seconds one environment operation (create, load schema, clean up) may take |
/// | `TEST_DB_KEEP_ON_FAILURE` | unset | `1`: keep a failed test's database for a day, and print how to connect |
/// | `TEST_DB_ISOLATION` | `pooled` | `pooled`, `fresh` or `transaction` (see ``IsolationMode``) |
/// | `TEST_DB_MAX_ENVIRONMENTS` | derived | the most environments a process holds at once (see ``maxConcurrentEnvironments``), 1–10000 |
/// | `TEST_DB_PARK_TTL` | `86400` | seconds a pooled MySQL database parked at exit waits for the next run; `0`: drop at exit instead |
/// | `TEST_DB_CONFINEMENT` | `auto` | `auto`, `required` or `off`: whether environments run as a restricted account / confined SQLite connection (see ``ConfinementPolicy``) |
public struct TestEnvConfiguration: Sendable, Hashable {
    /// The backend asked for.
    public var backend: DatabaseBackend
    /// How to reach MySQL. Its `database` is ignored: each environment gets its own.
    public var mysql: MySQLConfiguration
    /// `:memory:`, a directory, or a file path whose directory and name stem each environment's file shares.
    public var sqlitePath: String
    /// Whether a MySQL request must fail, instead of falling back to SQLite, when the server is unreachable.
    public var requiresRequestedBackend: Bool
    /// How long creating, loading or removing one environment may take.
    public var operationTimeout: Duration
    /// How long the one-time check whether MySQL answers may take before falling back.
    public var probeTimeout: Duration
    /// Retries of environment creation after a retryable error (lost connection, deadlock, busy, …).
    public var creationRetries: Int
    /// How long a MySQL database's record stays valid without renewal. Live processes renew it every
    /// third of this; after it expires, a reaper on another host may remove the database.
    public var lease: Duration
    /// Whether the first MySQL use of a manager removes databases whose owner is gone (see ``TestEnvironmentManager/reap(dryRun:progress:)``).
    public var reapsAtStart: Bool
    /// Whether the database of a failed test is kept for inspection instead of removed
    /// (`TEST_DB_KEEP_ON_FAILURE`). SQLite environments are then written to files.
    public var keepsFailedEnvironments: Bool
    /// How long a kept database stays before the reaper removes it.
    public var keptTimeToLive: Duration
    /// The most databases one manager keeps; failed tests beyond it are cleaned up as usual.
    public var maxKeptEnvironments: Int
    /// The most environments one manager holds at once (`TEST_DB_MAX_ENVIRONMENTS`); further
    /// requests wait in order. Nil derives it: ``defaultEnvironmentLimit`` (a few per core), and for
    /// MySQL never more than the ``connectionShare`` of the connections the server had free at the
    /// first MySQL use. A MySQL pool builds at most this many databases per schema.
    public var maxConcurrentEnvironments: Int?
    /// The share of the server's free connections a manager may use when it derives its cap.
    public var connectionShare: Double
    /// How long a request for an environment waits for a place under the cap before failing.
    public var connectionWaitTimeout: Duration
    /// How environments are isolated from each other (`TEST_DB_ISOLATION`).
    public var isolation: IsolationMode
    /// How long a pooled MySQL database parked at a normal process exit waits for the next process
    /// with the same schema fingerprint (`TEST_DB_PARK_TTL`); the reaper drops it afterwards. Zero
    /// turns parking off: pooled databases are dropped at exit.
    public var parkTimeToLive: Duration
    /// The most databases kept parked per schema; the reaper drops the oldest beyond it.
    public var parkedPerSchema: Int
    /// Whether the server (MySQL: a restricted account) and SQLite (an authorizer) keep schema
    /// scripts and test code inside their databases (`TEST_DB_CONFINEMENT`).
    public var confinement: ConfinementPolicy = .auto
    /// Whether recycling may find changed reference tables by the server's changed-row counts
    /// (MariaDB `userstat`) instead of checksums. Off only in tests of the checksum path.
    var usesChangeCounts = true
    /// Whether recycling may rule out reference tables by their `UPDATE_TIME` instead of checksums.
    /// Off only in tests of the checksum path.
    var usesUpdateTimes = true

    /// Creates a configuration with the defaults of the table above, ignoring the environment.
    public init(
        backend: DatabaseBackend = .sqlite, mysql: MySQLConfiguration = MySQLConfiguration(), sqlitePath: String = ":memory:",
        requiresRequestedBackend: Bool = false, operationTimeout: Duration = .seconds(120), probeTimeout: Duration = .seconds(3),
        creationRetries: Int = 3, lease: Duration = .seconds(600), reapsAtStart: Bool = true,
        keepsFailedEnvironments: Bool = false, keptTimeToLive: Duration = .seconds(24 * 3600), maxKeptEnvironments: Int = 10,
        maxConcurrentEnvironments: Int? = nil, connectionShare: Double = 0.5, connectionWaitTimeout: Duration = .seconds(120),
        isolation: IsolationMode = .pooled, parkTimeToLive: Duration = .seconds(86_400), parkedPerSchema: Int = 32
    ) {
        self.backend = backend
        self.mysql = mysql
        self.sqlitePath = sqlitePath
        self.requiresRequestedBackend = requiresRequestedBackend
        self.operationTimeout = operationTimeout
        self.probeTimeout = probeTimeout
        self.creationRetries = creationRetries
        self.lease = lease
        self.reapsAtStart = reapsAtStart
        self.keepsFailedEnvironments = keepsFailedEnvironments
        self.keptTimeToLive = keptTimeToLive
        self.maxKeptEnvironments = maxKeptEnvironments
        self.maxConcurrentEnvironments = maxConcurrentEnvironments
        self.connectionShare = connectionShare
        self.connectionWaitTimeout = connectionWaitTimeout
        self.isolation = isolation
        self.parkTimeToLive = parkTimeToLive
        self.parkedPerSchema = parkedPerSchema
    }

    /// The bound on environments held at once when none is configured: four per core, at least eight.
    /// A test's statements and the server share the cores, so a few at a time keep them busy; more
    /// only make every test wait for the others.
    public static var defaultEnvironmentLimit: Int { max(8, 4 * ProcessInfo.processInfo.activeProcessorCount) }

    /// Reads the configuration from environment variables (see the table above).
    ///
    /// - Throws: ``TestEnvError/Code/invalidConfiguration`` naming the variable and the accepted values.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Self {
        let reader = EnvironmentReader(environment)
        var configuration = TestEnvConfiguration()
        configuration.backend = try reader.backend("TEST_DB_TYPE") ?? .sqlite
        configuration.mysql.host = reader.string("TEST_DB_HOST") ?? configuration.mysql.host
        configuration.mysql.port = try reader.port("TEST_DB_PORT") ?? configuration.mysql.port
        configuration.mysql.user = reader.string("TEST_DB_USER") ?? configuration.mysql.user
        configuration.mysql.password = reader.string("TEST_DB_PASSWORD") ?? ""
        configuration.mysql.unixSocket = reader.string("TEST_DB_SOCKET")
        configuration.sqlitePath = reader.string("DB_TEST_PATH") ?? ":memory:"
        let required = try reader.flag("TEST_DB_REQUIRE") ?? false
        let onCI = reader.isCI("CI")
        configuration.requiresRequestedBackend = required || onCI
        configuration.operationTimeout = try reader.seconds("TEST_DB_TIMEOUT") ?? configuration.operationTimeout
        configuration.keepsFailedEnvironments = try reader.flag("TEST_DB_KEEP_ON_FAILURE") ?? false
        configuration.isolation = try reader.isolation("TEST_DB_ISOLATION") ?? configuration.isolation
        configuration.maxConcurrentEnvironments = try reader.count("TEST_DB_MAX_ENVIRONMENTS", in: 1...10_000)
        if let seconds = try reader.count("TEST_DB_PARK_TTL", in: 0...31_536_000) { configuration.parkTimeToLive = .seconds(seconds) }
        configuration.confinement = try reader.confinement("TEST_DB_CONFINEMENT") ?? .auto
        return configuration
    }
}

/// Reads and validates environment variables; every error names the variable and what it accepts.
struct EnvironmentReader {
    private let environment: [String: String]

    init(_ environment: [String: String]) { self.environment = environment }

    /// The variable's value, or nil when it is unset or empty.
    func string(_ name: String) -> String? {
        guard let value = environment[name], !value.isEmpty else { return nil }
        return value
    }

    func backend(_ name: String) throws -> DatabaseBackend? {
        guard let value = string(name) else { return nil }
        guard let backend = DatabaseBackend(rawValue: value.lowercased()) else {
            throw invalid(name, value, accepted: DatabaseBackend.allCases.map(\.rawValue).joined(separator: " or "))
        }
        return backend
    }

    func isolation(_ name: String) throws -> IsolationMode? {
        guard let value = string(name) else { return nil }
        guard let mode = IsolationMode(rawValue: value.lowercased()) else {
            throw invalid(name, value, accepted: "pooled, fresh or transaction")
        }
        return mode
    }

    func confinement(_ name: String) throws -> ConfinementPolicy? {
        guard let value = string(name) else { return nil }
        guard let policy = ConfinementPolicy(rawValue: value.lowercased()) else {
            throw invalid(name, value, accepted: "auto, required or off")
        }
        return policy
    }

    func count(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let value = string(name) else { return nil }
        guard let count = Int(value), range.contains(count) else {
            throw invalid(name, value, accepted: "a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return count
    }

    func port(_ name: String) throws -> Int? {
        guard let value = string(name) else { return nil }
        guard let port = Int(value), (1...65535).contains(port) else {
            throw invalid(name, value, accepted: "a port number from 1 to 65535")
        }
        return port
    }

    func flag(_ name: String) throws -> Bool? {
        guard let value = string(name)?.lowercased() else { return nil }
        switch value {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw invalid(name, value, accepted: "1, true, yes, on, or 0, false, no, off")
        }
    }

    /// CI systems set `CI` to `true`, `1` or their own name (`woodpecker`); only a false value means "not CI".
    func isCI(_ name: String) -> Bool {
        guard let value = string(name)?.lowercased() else { return false }
        return !["0", "false", "no", "off"].contains(value)
    }

    func seconds(_ name: String) throws -> Duration? {
        guard let value = string(name) else { return nil }
        guard let seconds = Double(value), seconds >= 0.001, seconds <= 86_400 * 365 else {
            throw invalid(name, value, accepted: "a number of seconds from 0.001 to 31536000")
        }
        return .milliseconds(Int64(seconds * 1000))
    }

    private func invalid(_ name: String, _ value: String, accepted: String) -> TestEnvError {
        TestEnvError(.invalidConfiguration, "\(name)=\(String(reflecting: value)) is not valid: use \(accepted).")
    }
}
