import Foundation
import TestEnvTestSupport
import Testing

@testable import TestEnvKit

/// Bad input gets a clear, typed error, and no database but the test's own is created or dropped.
@Suite struct BadInputTests {
    static let malformedScripts: [(name: String, mysql: String, sqlite: String)] = [
        (
            "unterminated quote", "CREATE TABLE t (v TEXT);\nINSERT INTO t VALUES ('never closed);",
            "CREATE TABLE t (v TEXT);\nINSERT INTO t VALUES ('never closed);"
        ),
        (
            "unterminated DELIMITER block", "DELIMITER $$\nCREATE PROCEDURE p() BEGIN SELECT 1;",
            "CREATE TABLE t (v INT);\nCREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1;"
        ),
        ("not SQL", "this is not SQL at all;", "this is not SQL at all;"),
        ("escape with USE", "USE mysql;\nCREATE TABLE t (v INT);", "ATTACH DATABASE 'x.db' AS x;"),
        ("escape with DROP DATABASE", "DROP DATABASE information_schema;", "DETACH DATABASE main;"),
        ("escape with a qualified table", "CREATE TABLE mysql.t (v INT);", "CREATE TABLE t (v INT);\nINSERT INTO t SELECT * FROM nope.t;"),
    ]

    /// The server's databases, less those tests in parallel create and drop (`test_…`, `testenv_…`).
    func serverDatabases() async throws -> Set<String> {
        guard KitTests.configuration.backend == .mysql, await MySQLTestServer.shouldRun() else { return [] }
        let admin = try await MySQLTestServer.connect()
        let names = try await admin.all(
            "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME NOT LIKE 'test\\_%' AND SCHEMA_NAME NOT LIKE 'testenv\\_%'"
        )
        await admin.close()
        return Set(try names.map { try $0.decode(String.self, 0) })
    }

    @Test("Malformed and escaping scripts fail with a typed error naming the file and line", arguments: 0..<malformedScripts.count)
    func malformedScript(index: Int) async throws {
        let (name, mysql, sqlite) = Self.malformedScripts[index]
        let before = try await serverDatabases()
        let manager = KitTests.manager()
        let schema = Schema(mysql: [.text(mysql, name: "\(name).sql")], sqlite: [.text(sqlite, name: "\(name).sql")])
        let error = await #expect(throws: TestEnvError.self) { try await manager.createIsolatedEnvironment(schema: schema) }
        #expect(
            [TestEnvError.Code.schemaStatementFailed, .schemaStatementRefused].contains(error?.code),
            "\(name): \(String(describing: error))")
        #expect(error?.location?.hasPrefix("\(name).sql:") == true, "\(name): \(String(describing: error?.location))")
        #expect(await manager.liveEnvironments.isEmpty)
        #expect(try await serverDatabases() == before, "\(name) changed the server's databases")
    }

    @Test("An empty schema file is refused: it is almost always the wrong path or a failed export")
    func emptyFile() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("testenv-empty-\(UUID().uuidString).sql")
        try "-- only a comment\n\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let schema = Schema(mysql: [.file(file.path)], sqlite: [.file(file.path)])
        let error = await #expect(throws: TestEnvError.self) { try await KitTests.manager().createIsolatedEnvironment(schema: schema) }
        #expect(error?.code == .invalidInput)
        #expect(error?.message.contains(file.path) == true)
    }

    @Test(
        "A 50 MB script whose first quote never closes fails with a typed error at line 1, and creates nothing else",
        .timeLimit(.minutes(2)))
    func fiftyMegabyteScript() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("testenv-50mb-\(UUID().uuidString).sql")
        let line = "INSERT INTO big (v) VALUES ('" + String(repeating: "x", count: 60) + "');\n"
        var data = Data("CREATE TABLE big (v TEXT);\nINSERT INTO big (v) VALUES ('never closed);\n".utf8)
        data.append(Data(String(repeating: line, count: 50_000_000 / line.utf8.count).utf8))
        try data.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        #expect(data.count >= 50_000_000)
        let before = try await serverDatabases()
        let manager = KitTests.manager()
        let schema = Schema(mysql: [.file(file.path)], sqlite: [.file(file.path)])
        let error = await #expect(throws: TestEnvError.self) { try await manager.createIsolatedEnvironment(schema: schema) }
        #expect(
            [TestEnvError.Code.schemaStatementFailed, .environmentCreationFailed].contains(error?.code), "\(String(describing: error))")
        if error?.code == .schemaStatementFailed { #expect(error?.location == "\(file.path):2") }
        #expect((error?.description.count ?? .max) < 5_000, "the message quotes the statement's start, not 50 MB")
        #expect(await manager.liveEnvironments.isEmpty)
        #expect(try await serverDatabases() == before)
        await manager.shutdown()
    }

    @Test("Binary garbage is refused as an unreadable file")
    func binaryGarbage() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("testenv-garbage-\(UUID().uuidString).sql")
        try Data([0xFF, 0xFE, 0x00, 0xC3, 0x28, 0xA0, 0xA1, 0xE2, 0x28]).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let schema = Schema(mysql: [.file(file.path)], sqlite: [.file(file.path)])
        let error = await #expect(throws: TestEnvError.self) { try await KitTests.manager().createIsolatedEnvironment(schema: schema) }
        #expect(error?.code == .schemaFileUnreadable)
    }

    @Test(
        "Injection attempts in names never reach SQL",
        arguments: ["test_x; DROP DATABASE mysql", "test_`x`", String(repeating: "a", count: 65), "tést"])
    func injectedNames(name: String) async throws {
        #expect(!DatabaseName.isValid(name))
        #expect(throws: InvalidIdentifierError.self) { try SQLIdentifier.validated(name) }
        try await withIsolatedEnvironment(manager: KitTests.manager()) { env in
            let error = await #expect(throws: (any Error).self) {
                try await env.connection.batchInsert(into: name, columns: ["v"], rows: [[1]])
            }
            #expect(error is InvalidIdentifierError)
            await #expect(throws: InvalidIdentifierError.self) { try await env.connection.savepoint(name) }
        }
    }

    @Test("A value of the wrong type for a column is a typed constraint or type error", .mysqlServer)
    func wrongTypeValue() async throws {
        try await withIsolatedEnvironment(schema: .example, manager: KitTests.manager { $0.backend = .mysql }) { env in
            let error = await driverError {
                try await env.connection.run("INSERT INTO merchants (name, settings) VALUES (?, ?)", ["x", .json("{not json")])
            }
            #expect(error?.kind == .constraintViolation, "\(String(describing: error))")
            let typeError = await driverError {
                try await env.connection.run("INSERT INTO users (email, merchant_id) VALUES (?, ?)", ["a@example.com", "forty-two"])
            }
            #expect(typeError != nil)
        }
    }

    @Test(
        "A user without CREATE privilege gets a permission error with its own hint (1044 is not a password problem), and nothing is created",
        .mysqlServer)
    func userWithoutCreatePrivilege() async throws {
        let admin = try await MySQLTestServer.connect()
        let user = "testenv_readonly_\(UUID().uuidString.prefix(8).lowercased())"
        let password = UUID().uuidString
        try await admin.executeScript("CREATE USER '\(user)'@'%' IDENTIFIED BY '\(password)'; GRANT SELECT ON *.* TO '\(user)'@'%'")
        let before = try await serverDatabases()
        let manager = KitTests.manager {
            $0.backend = .mysql
            $0.mysql.user = user
            $0.mysql.password = password
            $0.mysql.unixSocket = nil
        }
        let error = await #expect(throws: TestEnvError.self) { try await manager.createIsolatedEnvironment() }
        try await admin.executeScript("DROP USER '\(user)'@'%'")
        await admin.close()
        #expect(error?.code == .environmentCreationFailed)
        #expect(error?.driverErrorKind == .permissionDenied)
        #expect(error?.description.contains("no rights on this database") == true)
        #expect(error?.description.contains("refused these credentials") == false)
        #expect(error?.description.contains(password) == false)
        #expect(try await serverDatabases() == before)
    }
}
