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

    public var isRecursive: Bool { true }

    public func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        // A suite's own scope runs once around all its tests; environments belong to test cases.
        guard testCase != nil else { return try await function() }
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

extension Trait where Self == IsolatedDatabaseTrait {
    /// Gives each test its own isolated environment with `schema` loaded, isolated as `mode` says
    /// (by default the configured `TEST_DB_ISOLATION`; see ``IsolatedDatabaseTrait``).
    ///
    /// ```swift
    /// @Suite(.isolatedDatabase(schema: .appSchema, mode: .fresh)) struct MigrationTests { … }
    /// ```
    public static func isolatedDatabase(schema: Schema = Schema(), mode: IsolationMode? = nil, manager: TestEnvironmentManager? = nil)
        -> Self
    {
        IsolatedDatabaseTrait(schema: schema, mode: mode, manager: manager)
    }
}
