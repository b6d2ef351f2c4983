import TestEnvCore

/// One backend's way of making test databases: what ``TestEnvironmentManager`` asks of MySQL and
/// SQLite alike. Everything backend-specific — its SQL, its templates or pools, its connections to
/// the server — lives behind this protocol, so a new backend is a new provider and nothing else.
protocol TestDatabaseProvider: Actor {
    /// A database with the schema loaded, and an open connection to it.
    func acquire(_ request: ProviderRequest) async throws -> ProvidedDatabase

    /// Whether ``acquire(_:)`` can answer at once, with nothing to wait on (no server, no lock):
    /// then the manager does not watch it with a time limit, which would cost more than the work.
    func answersAtOnce(_ request: ProviderRequest) async -> Bool

    /// Takes back a test's database: closes its connection and resets, recycles or removes it.
    /// With `keep`, keeps it for inspection instead when it can and returns how to reach it.
    func release(_ environment: IsolatedEnvironment, keep: Bool) async throws -> String?

    /// The most environments a process should hold at once on this backend.
    func environmentLimit() async throws -> Int

    /// What keeps this backend's environments inside their own databases.
    func boundary() async throws -> EnvironmentBoundary

    /// Waits until resets and drops running off the tests' path have finished.
    func waitForBackgroundWork() async

    /// Removes what the provider holds besides environments in use; with `parking`, parks the
    /// ready databases for the next process instead where the backend can.
    func shutdown(parking: Bool) async
}

/// What a test asks a provider for.
struct ProviderRequest: Sendable {
    let schema: Schema
    /// The mode asked for: the configured one, or the test's own (`mode:`).
    let isolation: IsolationMode
    /// Learns how to stop what the creation is doing, for the time limit.
    let slot: InterruptSlot
    /// The bound on environments held at once (``Admission``): pools build no more than this.
    let limit: Int
    /// The caller holds another environment already: never wait for one another test must free.
    let beyondLimit: Bool
}

/// A database a provider made for one test.
struct ProvidedDatabase: Sendable {
    /// MySQL: `test_<32 hex digits>`; SQLite: `:memory:` or the file's path.
    let name: String
    let connection: any DatabaseConnection
    let sqliteFile: String?
    let fingerprint: SchemaFingerprint?
    let interrupt: @Sendable () async -> Void
    /// Connection details and further connections.
    let access: EnvironmentAccess
}
