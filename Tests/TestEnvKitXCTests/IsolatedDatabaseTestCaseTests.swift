import Foundation
import TestEnvKitXCTest
import TestEnvTestSupport
import XCTest

/// Each test method gets its own environment with the example schema; run with and without
/// `swift test --parallel` (scripts/test.sh does both).
final class IsolatedDatabaseTestCaseTests: IsolatedDatabaseTestCase {
    override var schema: Schema {
        Schema(mysql: [.file(FixturePaths.exampleSchema("mysql"))], sqlite: [.file(FixturePaths.exampleSchema("sqlite"))])
    }

    func testEnvironmentHasTheRequestedBackendAndSchema() async throws {
        let requested = ProcessInfo.processInfo.environment["TEST_DB_TYPE"] ?? "sqlite"
        XCTAssertTrue(env.backend.rawValue == requested || env.isFallback, "got \(env)")
        let tables = try await SchemaInventory.take(of: env).tables
        XCTAssertEqual(tables, 2)
    }

    func testFirstWriterSeesOnlyItsOwnRows() async throws {
        try await assertIsolatedWrite(email: "first@example.com")
    }

    func testSecondWriterSeesOnlyItsOwnRows() async throws {
        try await assertIsolatedWrite(email: "second@example.com")
    }

    func testThirdWriterSeesOnlyItsOwnRows() async throws {
        try await assertIsolatedWrite(email: "third@example.com")
    }

    private func assertIsolatedWrite(email: String) async throws {
        let inserted = try await env.connection.run("INSERT INTO users (email) VALUES (?)", [.text(email)])
        XCTAssertEqual(inserted.lastInsertID, 1, "a fresh database starts its ids at 1")
        let emails = try await env.connection.all("SELECT email FROM users").map { try $0.decode(String.self, "email") }
        XCTAssertEqual(emails, [email])
    }
}

/// tearDown closes the environment's connection and drops its database, or gives it back to the
/// pool, which drops it when shut down.
final class IsolatedDatabaseTestCaseTeardownTests: IsolatedDatabaseTestCase {
    func testTearDownRemovesTheEnvironment() async throws {
        let (name, backend, connection) = (env.databaseName, env.backend, env.connection)
        try await tearDown()  // XCTest calls it again after the test; the second call finds nothing to remove
        await (try manager).shutdown()
        let ready = await connection.isReady()
        XCTAssertFalse(ready, "tearDown should close the environment's connection")
        if backend == .mysql {
            let admin = try await MySQLTestServer.connect()
            let row = try await admin.get("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", [.text(name)])
            await admin.close()
            XCTAssertEqual(try row?.decode(Int.self, 0), 0, "tearDown should drop \(name)")
        }
    }
}

/// A class that overrides `mode` gets environments isolated so, and they are named after the test.
final class IsolatedDatabaseTestCaseModeTests: IsolatedDatabaseTestCase {
    override var mode: IsolationMode? { .fresh }

    func testModeOverrideAndLabel() async throws {
        XCTAssertEqual(env.isolation, .fresh)
        XCTAssertTrue(env.label?.contains("testModeOverrideAndLabel") == true, "\(String(describing: env.label))")
    }
}
