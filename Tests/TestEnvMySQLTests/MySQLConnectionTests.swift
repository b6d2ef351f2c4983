import Foundation
import TestEnvCore
import TestEnvMySQL
import TestEnvTestSupport
import Testing

extension MySQLDriverTests {
    @Suite struct Connection {
        @Test("run reports affected rows and the AUTO_INCREMENT id this statement generated")
        func executionResult() async throws {
            try await MySQLTestServer.withScratchDatabase { db in
                try await db.executeScript("CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, v TEXT)")
                #expect(
                    try await db.run("INSERT INTO t (v) VALUES (?), (?)", "a", "b") == ExecutionResult(affectedRows: 2, lastInsertID: 1))
                #expect(try await db.run("UPDATE t SET v = ?", "c") == ExecutionResult(affectedRows: 2, lastInsertID: nil))
                #expect(try await db.run("SELECT * FROM t") == ExecutionResult(affectedRows: 0, lastInsertID: nil))
                let rows = try await db.all("SELECT id, v FROM t ORDER BY id")
                #expect(try rows.map { try $0.decode(Int.self, "id") } == [1, 2])
            }
        }

        @Test("A prepared statement is reused: the server prepares it once however often it runs")
        func statementReuse() async throws {
            try await MySQLTestServer.withScratchDatabase { db in
                func prepareCount() async throws -> Int {
                    let row = try #require(try await db.get("SHOW SESSION STATUS LIKE 'Com_stmt_prepare'"))
                    return try #require(Int(try row.decode(String.self, "Value")))
                }
                let before = try await prepareCount()
                for number in 1...5 {
                    #expect(try await db.get("SELECT ? + 1 AS n", [.integer(Int64(number))])?.decode(Int.self, "n") == number + 1)
                }
                #expect(try await prepareCount() - before == 1)
                #expect(await db.cachedStatementCount == 2)
            }
        }

        @Test("A multi-statement script runs every statement, drains every result, and leaves the connection usable after a failure")
        func scripts() async throws {
            try await MySQLTestServer.withScratchDatabase { db in
                try await db.executeScript(
                    """
                    CREATE TABLE a (id INT AUTO_INCREMENT PRIMARY KEY, v TEXT);
                    INSERT INTO a (v) VALUES ('one; with a semicolon');
                    SELECT * FROM a;
                    SELECT 1, 2, 3;
                    """)
                let error = await #expect(throws: MySQLError.self) {
                    try await db.executeScript(
                        "INSERT INTO a (v) VALUES ('two'); SELECT * FROM a; INSERT INTO nope VALUES (1); INSERT INTO a (v) VALUES ('three')"
                    )
                }
                #expect(error?.code == .noSuchTable)
                #expect(error?.operation == "running statement 3 of a script")
                #expect(try await db.get("SELECT COUNT(*) FROM a")?.decode(Int.self, 0) == 2)
                #expect(await db.isReady())
            }
        }

        @Test("A stored procedure's several result sets are drained so the next statement works")
        func procedureResults() async throws {
            try await MySQLTestServer.withScratchDatabase { db in
                try await db.executeScript("CREATE PROCEDURE two_results() BEGIN SELECT 1 AS a; SELECT 2 AS b; END")
                let rows = try await db.all("CALL two_results()")
                #expect(try rows.first?.decode(Int.self, "a") == 1)
                #expect(try await db.get("SELECT 3 AS c")?.decode(Int.self, "c") == 3)
            }
        }

        @Test("Transactions commit and roll back; savepoints undo part of one")
        func transactions() async throws {
            try await MySQLTestServer.withScratchDatabase { db in
                try await db.executeScript("CREATE TABLE t (v INT) ENGINE=InnoDB")
                #expect(try await ConnectionConformance.valuesAfterTransactionsAndSavepoints(on: db) == [1])
            }
        }

        @Test("A wrong number of bound values is an error before anything is sent")
        func parameterCount() async throws {
            try await MySQLTestServer.withScratchDatabase { db in
                let error = await #expect(throws: MySQLError.self) { try await db.all("SELECT ?, ?", [1]) }
                #expect(error?.code == .parameterCountMismatch)
                #expect(error?.kind == .invalidArgument)
            }
        }

        @Test("A closed connection refuses work with a clear error; closing twice is harmless")
        func closed() async throws {
            let db = try await MySQLTestServer.connect()
            await db.close()
            await db.close()
            #expect(await db.isReady() == false)
            let error = await #expect(throws: MySQLError.self) { try await db.run("SELECT 1") }
            #expect(error?.message.contains("closed") == true)
        }

        @Test("Blocking calls run off the cooperative pool: more concurrent SLEEPs than cores all run at once")
        func offPoolConcurrency() async throws {
            let cores = ProcessInfo.processInfo.activeProcessorCount
            let count = max(4, cores * 3)
            var connections: [MySQLConnection] = []
            for _ in 0..<count { connections.append(try await MySQLTestServer.connect()) }
            let sleepers = connections
            let observer = try await MySQLTestServer.connect()
            let clock = ContinuousClock()
            let start = clock.now
            async let sleeps: Void = withThrowingTaskGroup(of: Void.self) { group in
                for sleeper in sleepers { group.addTask { _ = try await sleeper.all("SELECT SLEEP(1.5)") } }
                try await group.waitForAll()
            }
            // This loop is pure Swift between queries. If the sleeps held the cooperative threads,
            // it could not run until they finished, and it would never see them all in flight.
            var mostInFlight = 0
            var polls = 0
            while mostInFlight < count, clock.now - start < .seconds(10) {
                let row = try await observer.get("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO = 'SELECT SLEEP(1.5)'")
                mostInFlight = max(mostInFlight, try row?.decode(Int.self, 0) ?? 0)
                polls += 1
                try await Task.sleep(for: .milliseconds(10))
            }
            try await sleeps
            let elapsed = clock.now - start
            #expect(mostInFlight == count, "all \(count) sleeps should be on the server at once (\(cores) cores)")
            #expect(polls > 0)
            // Serialized on `cores` threads they would take count / cores × 1.5 s.
            #expect(elapsed < .milliseconds(1500 * count / cores), "took \(elapsed)")
            for connection in sleepers + [observer] { await connection.close() }
        }
    }
}
