/// Where and how ``SQLiteConnection`` opens a database.
///
/// ```swift
/// var configuration = SQLiteConfiguration(path: "/tmp/app-tests.sqlite")
/// configuration.busyTimeout = .milliseconds(200)
/// let db = try await SQLiteConnection.open(configuration)
/// ```
public struct SQLiteConfiguration: Sendable, Hashable {
    /// A file path, a `file:` URI, or `":memory:"` for a private in-memory database.
    public var path: String
    /// How long a statement waits for another connection's lock on the file before failing with
    /// ``SQLiteResultCode/busy``. Zero fails at once.
    public var busyTimeout: Duration
    /// Whether to enforce foreign keys (`PRAGMA foreign_keys = ON`). SQLite's own default is off;
    /// ours is on, as on MySQL's InnoDB.
    public var enforcesForeignKeys: Bool

    /// Whether statements are kept inside this database: `ATTACH`, `DETACH`, `VACUUM INTO` and
    /// `load_extension()` fail with ``SQLiteResultCode/auth`` (or an attach limit error), and the
    /// schema table cannot be written directly. TestEnvKit turns it on for the connections it
    /// hands to tests, as it uses a restricted account on MySQL.
    public var confinesToDatabase: Bool

    /// Creates a configuration; the defaults give a private in-memory database.
    public init(
        path: String = ":memory:", busyTimeout: Duration = .seconds(5), enforcesForeignKeys: Bool = true, confinesToDatabase: Bool = false
    ) {
        self.path = path
        self.busyTimeout = busyTimeout
        self.enforcesForeignKeys = enforcesForeignKeys
        self.confinesToDatabase = confinesToDatabase
    }
}
