/// Runs `body` with a new isolated environment and removes the environment afterwards — when the
/// body returns, when it throws, and when the task is cancelled. Environments the body asks for
/// (nested `withIsolatedEnvironment` calls included) are admitted beyond the manager's bound at once. With `TEST_DB_KEEP_ON_FAILURE=1`, a
/// body that throws leaves its database for inspection (Swift Testing's `#expect` records a failure
/// without throwing; use `try #require` where the database should be kept).
///
/// ```swift
/// @Test func signUpStoresTheUser() async throws {
///     try await withIsolatedEnvironment(schema: .appSchema) { env in
///         try await SignUp(db: env.connection).run(email: "ada@example.com")
///         let count = try await env.connection.get("SELECT COUNT(*) FROM users")?.decode(Int.self, 0)
///         #expect(count == 1)
///     }
/// }
/// ```
///
/// - Parameters:
///   - schema: the scripts to load; each backend loads its own.
///   - mode: how this environment is isolated (``IsolationMode``); by default the manager's
///     configured mode (`TEST_DB_ISOLATION`). `withIsolatedEnvironment(schema: .app, mode: .fresh)`.
///   - manager: the manager to use; by default the process-wide ``TestEnvironmentManager/shared()``.
///   - function: the caller, filled in: with `fileID` and `line` it names the test in the run report.
///   - fileID: the caller's file, filled in.
///   - line: the caller's line, filled in.
///   - isolation: the caller's actor, inferred; the body runs on it.
///   - body: the test's work, given the environment.
/// - Throws: what `body` throws; otherwise creation errors (``TestEnvError``) or a cleanup error.
///   When both the body and the cleanup fail, the body's error is thrown and the cleanup's logged.
public func withIsolatedEnvironment<T>(
    schema: Schema = Schema(), mode: IsolationMode? = nil, manager: TestEnvironmentManager? = nil, function: String = #function,
    fileID: String = #fileID, line: Int = #line, isolation: isolated (any Actor)? = #isolation,
    _ body: (IsolatedEnvironment) async throws -> T
) async throws -> T {
    let manager = try manager ?? TestEnvironmentManager.shared()
    let environment = try await manager.createIsolatedEnvironment(schema: schema, mode: mode, label: "\(function) (\(fileID):\(line))")
    let result: Result<T, any Error>
    do {
        // Environments asked for inside the body skip the bound's queue: the test holds one already.
        result = .success(try await Admission.$holdsEnvironment.withValue(true) { try await body(environment) })
    } catch {
        result = .failure(error)
    }
    do {
        try await manager.cleanupEnvironment(environment, testFailed: result.isFailure)
    } catch {
        guard case .failure(let bodyError) = result else { throw error }
        manager.logger.error("TestEnvKit could not remove \(environment.databaseName) after the test failed with \(bodyError): \(error)")
    }
    return try result.get()
}

extension Result {
    fileprivate var isFailure: Bool {
        if case .failure = self { return true }
        return false
    }
}
