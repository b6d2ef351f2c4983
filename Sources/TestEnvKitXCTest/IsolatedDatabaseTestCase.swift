@_exported import TestEnvKit
import XCTest

/// An XCTest base class whose tests each get their own isolated environment.
///
/// The environment is created in `setUp()` and removed in `tearDown()`, also when the test fails
/// or throws. Override ``schema`` to load your schema, and ``manager`` to use a manager of your own.
/// Safe under `swift test --parallel`: every environment's database has a unique name.
///
/// ```swift
/// import TestEnvKitXCTest
///
/// final class SignUpTests: IsolatedDatabaseTestCase {
///     override var schema: Schema { .appSchema }
///
///     func testStoresTheUser() async throws {
///         try await env.connection.run("INSERT INTO users (email) VALUES (?)", ["ada@example.com"])
///     }
/// }
/// ```
open class IsolatedDatabaseTestCase: XCTestCase {
    /// The schema each test's environment loads; override it.
    open var schema: Schema { Schema() }

    /// How each test's environment is isolated; override it (`.fresh`, `.transaction`). By default
    /// nil: the manager's configured mode (`TEST_DB_ISOLATION`).
    open var mode: IsolationMode? { nil }

    /// The manager that creates the environments; by default the process-wide one.
    open var manager: TestEnvironmentManager {
        get throws { try TestEnvironmentManager.shared() }
    }

    private var currentEnvironment: IsolatedEnvironment?
    /// The manager that created ``env``; cleanup goes to the same one, however ``manager`` is overridden.
    private var creatingManager: TestEnvironmentManager?

    /// The running test's environment. Available between `setUp()` and `tearDown()`.
    public var env: IsolatedEnvironment {
        guard let currentEnvironment else {
            preconditionFailure("env is available between setUp() and tearDown(); did an override skip super.setUp()?")
        }
        return currentEnvironment
    }

    open override func setUp() async throws {
        try await super.setUp()
        let manager = try manager
        creatingManager = manager
        currentEnvironment = try await manager.createIsolatedEnvironment(schema: schema, mode: mode, label: name)
    }

    open override func tearDown() async throws {
        if let environment = currentEnvironment, let manager = creatingManager {
            currentEnvironment = nil
            // With TEST_DB_KEEP_ON_FAILURE=1, a failed test's database stays for inspection.
            try await manager.cleanupEnvironment(environment, testFailed: !(testRun?.hasSucceeded ?? true))
        }
        try await super.tearDown()
    }
}
