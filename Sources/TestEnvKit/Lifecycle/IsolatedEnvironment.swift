import Foundation
import TestEnvCore

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

    init(
        backend: DatabaseBackend, requestedBackend: DatabaseBackend, fallbackReason: String?, databaseName: String,
        connection: any DatabaseConnection, sqliteFile: String?, isolation: IsolationMode, fingerprint: SchemaFingerprint?,
        interrupt: @escaping @Sendable () async -> Void
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
    }

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
