@_exported import TestEnvKit
import Testing

/// A Swift Testing trait that gives each test its own isolated environment, reachable through
/// ``TestEnvKit/IsolatedEnvironment/current`` (a task-local) while the test runs.
///
/// On a suite, every test in it (and every case of a parameterized test) gets its own environment.
///
/// ```swift
/// import TestEnvKitTesting
///
/// @Suite(.isolatedDatabase(schema: .appSchema))
/// struct SignUpTests {
///     @Test func storesTheUser() async throws {
///         let env = try IsolatedEnvironment.requireCurrent()
///         try await env.connection.run("INSERT INTO users (email) VALUES (?)", ["ada@example.com"])
///     }
/// }
/// ```
public struct IsolatedDatabaseTrait: TestTrait, SuiteTrait, TestScoping {
    /// The schema each environment loads.
    public let schema: Schema
    /// How each environment is isolated, or nil for the manager's configured mode.
    public let mode: IsolationMode?
    /// The manager to use, or nil for the process-wide one.
    public let manager: TestEnvironmentManager?
    /// Which tests share one environment.
    public let scope: EnvironmentScope

    public var isRecursive: Bool { true }

    /// The schema of the suite-scoped environment the running tests are inside, if any.
    @TaskLocal static var suiteSchema: Schema?

    /// Each test case gets a scope; with ``EnvironmentScope/suite`` the suite itself gets one too,
    /// around all its tests.
    public func scopeProvider(for test: Test, testCase: Test.Case?) -> Self? {
        testCase != nil || (scope == .suite && test.isSuite) ? self : nil
    }

    public func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        switch scope {
        case .suite where test.isSuite:
            // Once around the suite's tests: they find it as the current environment.
            guard testCase == nil else { return try await function() }
            try await Self.$suiteSchema.withValue(schema) { try await withEnvironment(for: test, function) }
        case .process:
            guard testCase != nil else { return try await function() }
            let manager = try manager ?? TestEnvironmentManager.shared()
            let environment = try await manager.processEnvironment(schema: schema, mode: mode)
            try await IsolatedEnvironment.$current.withValue(environment) { try await function() }
        case .suite where IsolatedEnvironment.current != nil && Self.suiteSchema == schema:
            // A test of a suite-scoped suite: the suite's environment is the current one already.
            try await function()
        case .test, .suite:
            // A suite's own scope runs once around all its tests; environments belong to test cases.
            guard testCase != nil else { return try await function() }
            try await withEnvironment(for: test, function)
        }
    }

    private func withEnvironment(for test: Test, _ function: @Sendable () async throws -> Void) async throws {
        try await withIsolatedEnvironment(
            schema: schema, mode: mode, manager: manager, function: test.name, fileID: test.sourceLocation.fileID,
            line: test.sourceLocation.line
        ) { environment in
            try await IsolatedEnvironment.$current.withValue(environment) {
                try await function()
            }
        }
    }
}

/// Which tests share one environment, for ``IsolatedDatabaseTrait``.
///
/// | scope | created | removed | shared by |
/// |---|---|---|---|
/// | `.test` | before each test (each case of a parameterized test) | after it | nobody |
/// | `.suite` | before the suite's first test | after its last | the suite's tests, also when they run at once |
/// | `.process` | at the first test that asks, per schema and mode | at process exit (or the manager's `shutdown`) | every test with the same schema and mode |
///
/// Shared environments share rows, counters and connection: one test's writes are the next one's
/// data, and tests running at the same time use one connection (statements serialize). Use them for
/// read-mostly tests over expensive seed data; keep `.test` for tests that write.
public enum EnvironmentScope: Sendable, Hashable {
    /// One environment per test. The default.
    case test
    /// One environment per suite (the trait on a `@Suite`); on a single test, the same as `.test`.
    case suite
    /// One environment per schema and mode for the whole process.
    case process
}

extension Trait where Self == IsolatedDatabaseTrait {
    /// Gives each test an isolated environment with `schema` loaded, isolated as `mode` says (by
    /// default the configured `TEST_DB_ISOLATION`), one per test or shared per `scope` (see
    /// ``IsolatedDatabaseTrait`` and ``EnvironmentScope``).
    ///
    /// ```swift
    /// @Suite(.isolatedDatabase(schema: .appSchema, mode: .fresh)) struct MigrationTests { … }
    /// @Suite(.isolatedDatabase(schema: .catalog, scope: .suite)) struct CatalogQueryTests { … }
    /// ```
    public static func isolatedDatabase(
        schema: Schema = Schema(), mode: IsolationMode? = nil, scope: EnvironmentScope = .test, manager: TestEnvironmentManager? = nil
    ) -> Self {
        IsolatedDatabaseTrait(schema: schema, mode: mode, manager: manager, scope: scope)
    }
}
