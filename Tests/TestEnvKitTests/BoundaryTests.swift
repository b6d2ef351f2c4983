import Foundation
import TestEnvCore
import TestEnvMySQL
import TestEnvSQLite
import TestEnvTestSupport
import Testing

@testable import TestEnvKit

/// The boundary the server enforces: the restricted account on MySQL, the authorizer on SQLite.
@Suite struct BoundaryTests {
    @Test("MySQL environments connect as the restricted account, whose only grant is on test_ databases", .mysqlServer)
    func restrictedAccount() async throws {
        let manager = KitTests.manager { $0.backend = .mysql }
        try await withIsolatedEnvironment(manager: manager) { env in
            let user = try await env.connection.get("SELECT CURRENT_USER()")?.decode(String.self, 0) ?? ""
            #expect(user.hasPrefix("\(RestrictedAccount.user)@"))
            let grants = try await env.connection.all("SHOW GRANTS").map { try $0.decode(String.self, 0) }
            #expect(grants.count == 2, "\(grants)")
            #expect(grants.contains { $0.hasPrefix("GRANT ALL PRIVILEGES ON `test\\_%`.*") && !$0.contains("WITH GRANT OPTION") })
            #expect(grants.contains { $0.hasPrefix("GRANT USAGE ON *.*") })
        }
        #expect(try await manager.boundary(for: .mysql).isEnforced)
        await manager.shutdown()
    }

    @Test(
        "A schema statement the guard lets through but the server refuses is a typed error naming the file, line and privilege",
        .mysqlServer)
    func serverRefusalIsTyped() async throws {
        let manager = KitTests.manager {
            $0.backend = .mysql
            $0.isolation = .fresh
        }
        let script = "CREATE TABLE t (i INT);\nSHOW GRANTS FOR 'root'@'localhost';"
        let error = await #expect(throws: TestEnvError.self) {
            try await withIsolatedEnvironment(schema: Schema(mysql: [.text(script, name: "grants.sql")]), manager: manager) { _ in }
        }
        #expect(error?.code == .schemaStatementFailed)
        #expect(error?.location == "grants.sql:2")
        #expect(error?.driverErrorKind == .permissionDenied)
        #expect(error?.message.contains("privilege") == true)
        #expect(error?.statement?.contains("SHOW GRANTS") == true)
        await manager.shutdown()
    }

    @Test("The restricted account's password appears in no log line and no error", .mysqlServer)
    func passwordNeverShown() async throws {
        let logs = CapturedLogs()
        let manager = KitTests.manager({ $0.backend = .mysql }, logger: logs.logger)
        let error = await #expect(throws: TestEnvError.self) {
            try await withIsolatedEnvironment(
                schema: Schema(mysql: [.text("SELECT * FROM no_such_table", name: "bad.sql")]), manager: manager
            ) {
                _ in
            }
        }
        try await withIsolatedEnvironment(manager: manager) { _ in }
        let admin = try await manager.admin()
        let passwords = try await admin.all("SELECT password FROM \(RestrictedAccount.table)").map { try $0.decode(String.self, 0) }
        #expect(!passwords.isEmpty)
        for password in passwords {
            #expect(!logs.all.contains { $0.message.contains(password) })
            #expect(error?.description.contains(password) == false)
        }
        await manager.shutdown()
    }

    @Test(
        "A user that may not create accounts: environments still work, the missing boundary is said once, and `required` refuses",
        .mysqlServer)
    func withoutCreateUser() async throws {
        let admin = try await MySQLTestServer.connect()
        let user = "testenv_limited_\(UUID().uuidString.prefix(8).lowercased())"
        let password = UUID().uuidString
        try await admin.executeScript(
            """
            CREATE USER '\(user)'@'%' IDENTIFIED BY '\(password)';
            GRANT ALL PRIVILEGES ON `test\\_%`.* TO '\(user)'@'%';
            GRANT ALL PRIVILEGES ON `testenv\\_tracking`.* TO '\(user)'@'%'
            """)
        let logs = CapturedLogs()
        let result = await capture {
            let limited = KitTests.manager(
                {
                    $0.backend = .mysql
                    $0.mysql.user = user
                    $0.mysql.password = password
                    $0.mysql.unixSocket = nil
                }, logger: logs.logger)
            for _ in 0..<3 {
                try await withIsolatedEnvironment(manager: limited) { env in
                    let current = try await env.connection.get("SELECT CURRENT_USER()")?.decode(String.self, 0) ?? ""
                    #expect(current.hasPrefix(user))
                }
            }
            let boundary = try await limited.boundary(for: .mysql)
            await limited.shutdown()
            let strict = KitTests.manager {
                $0.backend = .mysql
                $0.mysql.user = user
                $0.mysql.password = password
                $0.mysql.unixSocket = nil
                $0.confinement = .required
            }
            let refusal = await #expect(throws: TestEnvError.self) { try await strict.createIsolatedEnvironment() }
            await strict.shutdown()
            return (boundary, refusal)
        }
        try await admin.executeScript("DROP USER '\(user)'@'%'")
        await admin.close()
        let (boundary, refusal) = try result.get()
        #expect(!boundary.isEnforced)
        #expect(boundary.detail.contains("may not create"))
        let warnings = logs.all.filter { $0.level == .warning && $0.message.contains("only the schema guard") }
        #expect(warnings.count == 1, "\(logs.all.map(\.message))")
        #expect(refusal?.description.contains("TEST_DB_CONFINEMENT=required") == true)
    }

    @Test("SQLite environments refuse ATTACH, VACUUM INTO and load_extension from test code with a permission error")
    func sqliteConfined() async throws {
        let directory = NSTemporaryDirectory() + "testenv-confined-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let manager = KitTests.manager { $0.backend = .sqlite }
        try await withIsolatedEnvironment(manager: manager) { env in
            for statement in [
                "ATTACH '\(directory)/a.db' AS a", "VACUUM INTO '\(directory)/b.db'", "SELECT load_extension('\(directory)/c')",
            ] {
                let error = await #expect(throws: SQLiteError.self, "\(statement)") { try await env.connection.run(statement) }
                #expect(error?.kind == .permissionDenied, "\(statement): \(String(describing: error))")
            }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
        let open = KitTests.manager {
            $0.backend = .sqlite
            $0.confinement = .off
        }
        try await withIsolatedEnvironment(manager: open) { env in
            _ = try await env.connection.run("ATTACH '\(directory)/a.db' AS a")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["a.db"])
    }

    @Test("executeStatement runs one statement and refuses text holding a second, on both backends")
    func oneStatementPerCall() async throws {
        let sqlite = try await SQLiteConnection.open()
        try await sqlite.executeStatement("CREATE TABLE t (i INTEGER); -- trailing comment")
        await #expect(throws: SQLiteError.self) { try await sqlite.executeStatement("INSERT INTO t VALUES (1); DROP TABLE t") }
        #expect(try await sqlite.get("SELECT COUNT(*) FROM t")?.decode(Int.self, 0) == 0)
        await sqlite.close()
        guard await MySQLTestServer.shouldRun() else { return }
        try await MySQLTestServer.withScratchDatabase { mysql in
            try await mysql.executeStatement("CREATE TABLE t (i INT)")
            let error = await #expect(throws: MySQLError.self) {
                try await mysql.executeStatement("INSERT INTO t VALUES (1); DROP TABLE t")
            }
            #expect(error?.kind == .syntax)
            #expect(try await mysql.get("SELECT COUNT(*) FROM t")?.decode(Int.self, 0) == 0)
            // A script afterwards still runs several statements.
            try await mysql.executeScript("INSERT INTO t VALUES (1); INSERT INTO t VALUES (2)")
            #expect(try await mysql.get("SELECT COUNT(*) FROM t")?.decode(Int.self, 0) == 2)
        }
    }

    @Test("Host localhost without a socket says it uses the default Unix socket, not the port")
    func localhostEndpoint() {
        let endpoint = MySQLConfiguration(host: "localhost", port: 4444).endpoint
        #expect(endpoint.contains("default Unix socket /"), "\(endpoint)")
        #expect(endpoint.contains("port is not used"))
        #expect(MySQLConfiguration(host: "127.0.0.1", port: 4444).endpoint.contains("127.0.0.1:4444"))
        // Other drivers are told the same socket, not a TCP port our connections never used.
        let info = ConnectionInfo.mysql(MySQLConfiguration(host: "localhost", port: 4444), database: "test_x")
        #expect(info.socket == MySQLConfiguration.defaultSocket)
        #expect(info.url.contains("socket="))
    }
}
