import Foundation
import Synchronization
import TestEnvCore
import TestEnvMySQL

/// One test's own database: created with the schema loaded, removed by its manager's cleanup.
///
/// It says which backend it really got (``backend``; after a fallback, SQLite, with
/// ``isFallback`` set and the reason in ``fallbackReason``) and gives a connection to it.
///
/// ```swift
/// try await withIsolatedEnvironment(schema: schema) { env in
///     try await env.connection.run("INSERT INTO users (email) VALUES (?)", ["a@example.com"])
///     #expect(env.backend == .mysql)
/// }
/// ```
public final class IsolatedEnvironment: Sendable, CustomStringConvertible {
    /// A unique id for this environment.
    public let id: UUID
    /// The backend the environment really uses.
    public let backend: DatabaseBackend
    /// The backend that was asked for.
    public let requestedBackend: DatabaseBackend
    /// Why the environment runs on SQLite although MySQL was asked for, or nil.
    public let fallbackReason: String?
    /// MySQL: the database's name, `test_<32 hex digits>`. SQLite: `:memory:` or the file's path.
    public let databaseName: String
    /// A connection to the environment's database. Shared by the test's tasks; statements are serialized.
    public let connection: any DatabaseConnection
    /// Stops the statement running on ``connection`` (MySQL `KILL QUERY` from another connection, SQLite interrupt).
    let interrupt: @Sendable () async -> Void
    /// The SQLite file to delete on cleanup, when there is one.
    let sqliteFile: String?
    /// How this environment is isolated from others (see ``IsolationMode``).
    public let isolation: IsolationMode
    /// The fingerprint of the schema it was built from, when it came from a pool or a template.
    public let fingerprint: SchemaFingerprint?
    /// How to reach the database from more connections.
    private let access: EnvironmentAccess
    /// The test that asked for it — `signUp() (AppTests/SignUpTests.swift:12)` — when known.
    public let label: String?
    /// Connections opened with ``connect()``, closed with the environment.
    private let extraConnections = Mutex<[any DatabaseConnection]>([])
    /// Whether one of them changed the schema: a pooled database is then dropped, not reused.
    private let extraChangedSchema = Mutex(false)

    init(
        backend: DatabaseBackend, requestedBackend: DatabaseBackend, fallbackReason: String?, databaseName: String,
        connection: any DatabaseConnection, sqliteFile: String?, isolation: IsolationMode, fingerprint: SchemaFingerprint?,
        interrupt: @escaping @Sendable () async -> Void, access: EnvironmentAccess, label: String? = nil
    ) {
        self.id = UUID()
        self.backend = backend
        self.requestedBackend = requestedBackend
        self.fallbackReason = fallbackReason
        self.databaseName = databaseName
        self.connection = connection
        self.sqliteFile = sqliteFile
        self.isolation = isolation
        self.fingerprint = fingerprint
        self.interrupt = interrupt
        self.access = access
        self.label = label
    }

    /// How any driver reaches this environment's database: backend, host, port, user, password,
    /// socket, database, and a URL (see ``ConnectionInfo``). After a fallback it describes the
    /// SQLite database. An in-memory SQLite environment is made shareable on first use (a page
    /// copy, before which `TEMP` tables and prepared statements of ``connection`` are dropped):
    /// its ``ConnectionInfo/path`` opens it from any connection of this process.
    ///
    /// - Throws: a driver error when the database cannot be shared (inside a transaction).
    public var connectionInfo: ConnectionInfo {
        get async throws { try await access.details() }
    }

    /// A second connection to this environment's database, for tests of concurrent behaviour:
    /// row locks, `SELECT … FOR UPDATE`, two writers. It is closed with the environment; closing
    /// it earlier is fine. On MySQL it uses the same account as ``connection``; an in-memory SQLite
    /// environment is made shareable first (see ``connectionInfo``).
    ///
    /// ```swift
    /// let other = try await env.connect()
    /// try await env.connection.executeScript("BEGIN; UPDATE accounts SET balance = 0 WHERE id = 1")
    /// await #expect(throws: (any Error).self) { try await other.run("UPDATE accounts SET balance = 1 WHERE id = 1") }
    /// ```
    ///
    /// - Throws: the driver's error when connecting fails.
    public func connect() async throws -> any DatabaseConnection {
        if backend == .mysql, isolation == .transaction {
            throw TestEnvError(
                .invalidInput,
                "a second connection cannot join a transaction-mode environment: it would write outside the test's transaction, into the database other tests share. Use mode: .pooled or .fresh for this test."
            )
        }
        let connection = try await access.connect()
        extraConnections.withLock { $0.append(connection) }
        return connection
    }

    /// Closes the connections ``connect()`` opened, noting whether one changed the schema.
    func closeExtraConnections() async {
        for connection in extraConnections.withLock({ connections in
            defer { connections = [] }
            return connections
        }) {
            if await (connection as? MySQLConnection)?.hasChangedSchema == true { extraChangedSchema.withLock { $0 = true } }
            if await connection.isInTransaction() { try? await connection.rollback() }
            await connection.close()
        }
    }

    /// Whether a connection from ``connect()`` changed the schema (known once they are closed).
    var extraConnectionsChangedSchema: Bool { extraChangedSchema.withLock { $0 } }

    /// Whether the environment runs on SQLite because MySQL was asked for but could not be reached.
    public var isFallback: Bool { fallbackReason != nil }

    public var description: String {
        "IsolatedEnvironment(\(backend)\(isFallback ? ", fallback from \(requestedBackend)" : ""), \(databaseName))"
    }

    /// The environment of the running test, set by the Swift Testing trait `.isolatedDatabase(…)`.
    @TaskLocal public static var current: IsolatedEnvironment?

    /// ``current``, or an error explaining how to get one.
    ///
    /// - Throws: ``TestEnvError/Code/invalidConfiguration`` outside a test with the trait.
    public static func requireCurrent() throws -> IsolatedEnvironment {
        guard let current else {
            throw TestEnvError(
                .invalidConfiguration,
                "no isolated environment is active: add the trait .isolatedDatabase(schema:) to the test or its suite, or use withIsolatedEnvironment { env in … }"
            )
        }
        return current
    }

    /// Runs `body` with a time limit. When the limit passes, the statement that is running is
    /// stopped on the server (MySQL `KILL QUERY` from a separate connection; SQLite interrupt), and
    /// this throws a ``TestEnvError/Code/timeout`` error. The connection stays usable.
    ///
    /// ```swift
    /// try await env.withTimeout(.seconds(2)) { db in try await db.all("SELECT * FROM big_report") }
    /// ```
    ///
    /// - Throws: ``TestEnvError/Code/timeout``, or what `body` throws.
    public func withTimeout<T: Sendable>(
        _ limit: Duration, _ body: @escaping @Sendable (any DatabaseConnection) async throws -> T
    ) async throws -> T {
        let connection = connection
        return try await TimeLimit.run(limit, operation: "a statement on \(databaseName)", interrupt: interrupt) {
            try await body(connection)
        }
    }
}
