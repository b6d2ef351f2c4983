import Foundation
import TestEnvCore
import TestEnvMySQL
import TestEnvTestSupport
import Testing

extension MySQLDriverTests {
    @Suite struct Errors {
        @Test("A wrong password is accessDenied (1045); the message names host, port and user but no password")
        func wrongPassword() async throws {
            var configuration = MySQLTestServer.configuration
            configuration.password = "wrong-\(UUID().uuidString)"
            do {
                _ = try await MySQLConnection.connect(configuration)
                Issue.record("connected with a wrong password")
            } catch MySQLErrorCode.accessDenied {
                // matched by code
            }
            let error = await #expect(throws: MySQLError.self) { try await MySQLConnection.connect(configuration) }
            #expect(error?.kind == .accessDenied)
            #expect(error?.kind.isRetryable == false)
            let text = error?.description ?? ""
            #expect(text.contains("'\(configuration.user)'@\(configuration.host):\(configuration.port)"))
            #expect(!text.contains(configuration.password))
            #expect(!text.contains(MySQLTestServer.configuration.password))
            #expect(text.contains("check the user name and password"))
        }

        @Test("A closed port is serverUnreachable (2003) and says to start the server")
        func closedPort() async throws {
            var configuration = MySQLTestServer.configuration
            configuration.port = 1  // privileged, and nothing listens there
            let error = await #expect(throws: MySQLError.self) { try await MySQLConnection.connect(configuration) }
            // Connector/C reports a refused TCP connection as 2002 or 2003 depending on version.
            #expect([MySQLErrorCode.hostConnectionFailed, .socketConnectionFailed].contains(error?.code))
            #expect(error?.kind == .serverUnreachable)
            #expect(error?.description.contains("127.0.0.1:1:") == true, "\(error?.description ?? "")")
            #expect(error?.description.contains("start the server") == true)
        }

        @Test("A host that accepts TCP connections but never answers fails with a timeout within the connect timeout")
        func silentHost() async throws {
            let listener = try SilentListener()
            var configuration = MySQLTestServer.configuration
            configuration.port = listener.port
            configuration.connectTimeout = .seconds(1)
            let clock = ContinuousClock()
            let start = clock.now
            let error = await #expect(throws: MySQLError.self) { try await MySQLConnection.connect(configuration) }
            let elapsed = clock.now - start
            #expect(error?.kind == .timeout)
            #expect(error?.description.contains("no MySQL greeting within the connect timeout") == true)
            // Without the option the greeting read would wait forever; the default is 10 s. The slack
            // above 1 s absorbs a loaded 2-core machine (CI once took 4.1 s while a 50 MB script ran).
            #expect(elapsed < .seconds(8), "the 1 s connect timeout took \(elapsed)")
            withExtendedLifetime(listener) {}
        }

        @Test("A missing socket is serverUnreachable (2002)")
        func missingSocket() async throws {
            var configuration = MySQLTestServer.configuration
            configuration.host = "localhost"
            configuration.unixSocket = "/nonexistent/testenv-\(UUID().uuidString).sock"
            let error = await #expect(throws: MySQLError.self) { try await MySQLConnection.connect(configuration) }
            #expect(error?.code == .socketConnectionFailed)
            #expect(error?.kind == .serverUnreachable)
        }

        @Test("An unknown database is unknownDatabase (1049)")
        func unknownDatabase() async throws {
            let error = await #expect(throws: MySQLError.self) {
                try await MySQLTestServer.connect(database: "testenv_missing_\(UUID().uuidString.prefix(8))")
            }
            #expect(error?.code == .unknownDatabase)
            #expect(error?.kind == .unknownDatabase)
        }

        @Test("A duplicate key is duplicateEntry (1062), a uniqueViolation, and the message hides bound values")
        func duplicateKey() async throws {
            try await MySQLTestServer.withScratchDatabase { db in
                try await db.executeScript("CREATE TABLE u (email VARCHAR(100) PRIMARY KEY)")
                try await db.run("INSERT INTO u VALUES (?)", "taken@example.com")
                let error = await #expect(throws: MySQLError.self) { try await db.run("INSERT INTO u VALUES (?)", "taken@example.com") }
                #expect(error?.code == .duplicateEntry)
                #expect(error?.kind == .uniqueViolation)
                #expect(error?.sql == "INSERT INTO u VALUES (?)")
            }
        }

        @Test("A duplicate found while INSERT … RETURNING streams its rows is still duplicateEntry, and the connection stays usable")
        func duplicateInsideReturning() async throws {
            try await MySQLTestServer.withScratchDatabase { db in
                try await db.executeScript("CREATE TABLE u (id INT AUTO_INCREMENT PRIMARY KEY, email VARCHAR(100) UNIQUE)")
                let error = await #expect(throws: MySQLError.self) {
                    try await db.all("INSERT INTO u (email) VALUES (?), (?), (?) RETURNING id", ["a", "b", "a"])
                }
                #expect(error?.code == .duplicateEntry)
                let stillUsable = try await db.get("SELECT COUNT(*) FROM u")?.decode(Int.self, 0)
                #expect(stillUsable == 0)
            }
        }

        @Test("Bad SQL is syntaxError (1064) with the statement in the message")
        func syntax() async throws {
            try await MySQLTestServer.withScratchDatabase { db in
                let error = await #expect(throws: MySQLError.self) { try await db.run("SELEKT 1") }
                #expect(error?.code == .syntaxError)
                #expect(error?.kind == .syntax)
                #expect(error?.description.contains("statement: SELEKT 1") == true)
                let stillUsable = try await db.get("SELECT 1")
                #expect(stillUsable != nil)
            }
        }

        @Test("Two transactions locking rows in opposite order: one is the deadlock victim (1213)")
        func deadlock() async throws {
            try await MySQLTestServer.withScratchDatabase { db in
                try await db.executeScript("CREATE TABLE t (id INT PRIMARY KEY, v INT) ENGINE=InnoDB; INSERT INTO t VALUES (1, 0), (2, 0)")
                let database = try #require(try await db.get("SELECT DATABASE()")?.decode(String.self, 0))
                let first = try await MySQLTestServer.connect(database: database)
                let second = try await MySQLTestServer.connect(database: database)
                try await first.executeScript("SET SESSION innodb_lock_wait_timeout = 10; BEGIN; UPDATE t SET v = 1 WHERE id = 1")
                try await second.executeScript("SET SESSION innodb_lock_wait_timeout = 10; BEGIN; UPDATE t SET v = 2 WHERE id = 2")
                async let firstWaits: Result<ExecutionResult, any Error> = capture {
                    try await first.run("UPDATE t SET v = 1 WHERE id = 2")
                }
                // The first UPDATE is on the server (it can only finish once row 2 is free). INNODB_TRX
                // would say LOCK WAIT, but its snapshot was seen to lag for 30 s on a busy server.
                try await waitUntil(
                    on: db,
                    "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = \(first.connectionID) AND INFO = 'UPDATE t SET v = 1 WHERE id = 2'"
                )
                let secondResult = await capture { try await second.run("UPDATE t SET v = 2 WHERE id = 1") }
                let codes = [await firstWaits, secondResult].compactMap { ($0.failure as? MySQLError)?.code }
                #expect(codes == [.deadlock])
                #expect(MySQLErrorCode.deadlock.kind.isRetryable)
                await first.close()
                await second.close()
            }
        }

        @Test("Waiting for a row lock longer than innodb_lock_wait_timeout is lockWaitTimeout (1205)")
        func lockWaitTimeout() async throws {
            try await MySQLTestServer.withScratchDatabase { db in
                try await db.executeScript("CREATE TABLE t (id INT PRIMARY KEY) ENGINE=InnoDB; INSERT INTO t VALUES (1)")
                let database = try #require(try await db.get("SELECT DATABASE()")?.decode(String.self, 0))
                let holder = try await MySQLTestServer.connect(database: database)
                try await holder.executeScript("BEGIN; SELECT * FROM t WHERE id = 1 FOR UPDATE")
                try await db.executeScript("SET SESSION innodb_lock_wait_timeout = 1")
                let error = await #expect(throws: MySQLError.self) { try await db.run("UPDATE t SET id = 2 WHERE id = 1") }
                #expect(error?.code == .lockWaitTimeout)
                #expect(error?.kind == .lockWaitTimeout)
                await holder.close()
            }
        }

        @Test("A connection killed on the server is connectionLost (2013 or 2006), mid-query or idle")
        func connectionLost() async throws {
            let admin = try await MySQLTestServer.connect()
            let busy = try await MySQLTestServer.connect()
            try await busy.run("SELECT 1")
            async let sleeping = capture { try await busy.all("SELECT SLEEP(10)") }
            try await waitUntil(
                on: admin,
                "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = \(busy.connectionID) AND INFO = 'SELECT SLEEP(10)'")
            try await admin.run("KILL CONNECTION \(busy.connectionID)")
            let midQuery = await sleeping.failure as? MySQLError
            #expect([MySQLErrorCode.serverLost, .serverGone].contains(midQuery?.code))
            #expect(midQuery?.kind == .connectionLost)
            #expect(midQuery?.description.contains("open a new connection") == true)

            let idle = try await MySQLTestServer.connect()
            try await idle.run("SELECT 1")
            #expect(await idle.isReady(answeredWithin: .seconds(3600)), "it answered a moment ago")
            try await admin.run("KILL CONNECTION \(idle.connectionID)")
            let afterKill = await capture { try await idle.run("SELECT 1") }.failure as? MySQLError
            #expect(afterKill?.kind == .connectionLost)
            #expect(await idle.isReady() == false)
            #expect(await idle.isReady(answeredWithin: .seconds(3600)) == false, "a lost connection is not trusted for its last answer")
            #expect(await busy.isReady(answeredWithin: .seconds(3600)) == false)
            for connection in [admin, busy, idle] { await connection.close() }
        }

        /// Lowers the server's global `max_connections` for a moment, which would refuse other tests'
        /// connections too: scripts/test.sh runs it alone, with TESTENV_EXCLUSIVE_SERVER=1.
        @Test(
            "No free connection slot is tooManyConnections (1040)",
            .enabled(
                if: MySQLTestServer.environment["TESTENV_EXCLUSIVE_SERVER"] == "1",
                "changes the server's max_connections; scripts/test.sh runs it alone with TESTENV_EXCLUSIVE_SERVER=1"))
        func tooManyConnections() async throws {
            let admin = try await MySQLTestServer.connect()
            let user = "testenv_limited_\(UUID().uuidString.prefix(8).lowercased())"
            let password = UUID().uuidString
            try await admin.executeScript("CREATE USER '\(user)'@'%' IDENTIFIED BY '\(password)'")
            let original = try #require(try await admin.get("SELECT @@GLOBAL.max_connections")?.decode(Int.self, 0))
            // max_connections cannot go below 10: fill the server to 10 connections first.
            var fillers: [MySQLConnection] = []
            while try await threadsConnected(admin) < 10 { fillers.append(try await MySQLTestServer.connect()) }
            var limited = MySQLTestServer.configuration
            limited.user = user
            limited.password = password
            try await admin.run("SET GLOBAL max_connections = \(try await threadsConnected(admin))")
            let result = await capture { try await MySQLConnection.connect(limited) }
            try await admin.run("SET GLOBAL max_connections = \(original)")
            try await admin.executeScript("DROP USER '\(user)'@'%'")
            let error = result.failure as? MySQLError
            #expect(error?.code == .tooManyConnections)
            #expect(error?.kind == .tooManyConnections)
            #expect(error?.kind.isRetryable == true)
            if case .success(let connection) = result { await connection.close() }
            for connection in fillers + [admin] { await connection.close() }
        }

        private func threadsConnected(_ admin: MySQLConnection) async throws -> Int {
            let row = try #require(try await admin.get("SHOW GLOBAL STATUS LIKE 'Threads_connected'"))
            return try #require(Int(try row.decode(String.self, "Value")))
        }

        /// Polls `countQuery` until it returns a positive count (at most 30 s, for a loaded machine);
        /// on time-out, fails with what the server was doing.
        private func waitUntil(on db: MySQLConnection, _ countQuery: String) async throws {
            let deadline = ContinuousClock.now + .seconds(30)
            while try await db.get(countQuery)?.decode(Int.self, 0) ?? 0 == 0 {
                guard ContinuousClock.now < deadline else {
                    let processes = try await db.all(
                        "SELECT ID, COMMAND, STATE, INFO FROM information_schema.PROCESSLIST WHERE COMMAND <> 'Sleep'")
                    throw WaitTimedOut(query: countQuery, processes: processes.map { "\($0.values)" })
                }
                try await Task.sleep(for: .milliseconds(10))
            }
        }
    }
}

/// A poll of the server gave up; carries what the server was doing then.
struct WaitTimedOut: Error {
    let query: String
    let processes: [String]
}

func capture<T>(_ body: () async throws -> T) async -> Result<T, any Error> {
    do { return .success(try await body()) } catch { return .failure(error) }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
