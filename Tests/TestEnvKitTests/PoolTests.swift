import Foundation
import TestEnvCore
import TestEnvMySQL
import TestEnvTestSupport
import Testing

@testable import TestEnvKit

/// A schema with what a reset must get right: counters, a foreign key, reference rows (with a
/// counter and a generated column), a view, a trigger that writes another table, and a procedure.
let poolSchemaSQL = """
    CREATE TABLE accounts (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(50) NOT NULL);
    CREATE TABLE entries (
        id BIGINT AUTO_INCREMENT PRIMARY KEY, account_id INT NOT NULL, amount INT NOT NULL,
        FOREIGN KEY (account_id) REFERENCES accounts (id));
    CREATE TABLE audit (id INT AUTO_INCREMENT PRIMARY KEY, note VARCHAR(100) NOT NULL);
    CREATE TABLE statuses (
        id INT AUTO_INCREMENT PRIMARY KEY, label VARCHAR(20) NOT NULL UNIQUE, shout VARCHAR(20) AS (UPPER(label)) VIRTUAL);
    INSERT INTO statuses (label) VALUES ('open'), ('closed');
    CREATE VIEW balances AS SELECT account_id, SUM(amount) AS total FROM entries GROUP BY account_id;
    CREATE TRIGGER entries_audit AFTER INSERT ON entries FOR EACH ROW INSERT INTO audit (note) VALUES (CONCAT('entry ', NEW.id));
    CREATE PROCEDURE open_account(IN account_name VARCHAR(50)) INSERT INTO accounts (name) VALUES (account_name);
    """

let poolSchema = Schema(mysql: [.text(poolSchemaSQL, name: "pool.sql")])

/// Releases `env` to its pool, waits for its reset, and takes ready databases until the recycled one
/// comes out (the filler built others meanwhile); the last of those returned is the recycled one.
func recycle(_ env: IsolatedEnvironment, _ pooled: TestEnvironmentManager, schema: Schema) async throws -> [IsolatedEnvironment] {
    let before = await pooled.statistics.recycled
    try await pooled.cleanupEnvironment(env)
    await pooled.waitForBackgroundWork()
    #expect(await pooled.statistics.recycled == before + 1)
    return try await take(env.databaseName, from: pooled, schema: schema)
}

/// Takes ready databases until `name` comes out (the pool may hand out others first); the last of
/// those returned is `name`'s.
func take(_ name: String, from pooled: TestEnvironmentManager, schema: Schema) async throws -> [IsolatedEnvironment] {
    var taken: [IsolatedEnvironment] = []
    while taken.last?.databaseName != name, taken.count <= 4 {
        taken.append(try await pooled.createIsolatedEnvironment(schema: schema))
    }
    #expect(taken.last?.databaseName == name, "the pool should hand out the recycled database")
    return taken
}

@Suite(.mysqlServer) struct MySQLPoolTests {
    private func manager(_ change: (inout TestEnvConfiguration) -> Void = { _ in }) -> TestEnvironmentManager {
        KitTests.manager {
            $0.backend = .mysql
            $0.isolation = .pooled
            change(&$0)
        }
    }

    /// Everything a test could observe about a database: objects, columns, counters, triggers, routines and rows.
    private func snapshot(_ env: IsolatedEnvironment) async throws -> [String] {
        let db = env.connection
        let name: DatabaseValue = .text(env.databaseName)
        var lines: [String] = []
        for sql in [
            "SELECT TABLE_NAME, TABLE_TYPE, AUTO_INCREMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME",
            "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, ORDINAL_POSITION",
            "SELECT TRIGGER_NAME, ACTION_STATEMENT FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? ORDER BY TRIGGER_NAME",
            "SELECT ROUTINE_NAME, ROUTINE_DEFINITION FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ? ORDER BY ROUTINE_NAME",
        ] {
            lines += try await db.all(sql, [name]).map { "\($0.values)" }
        }
        for table in ["accounts", "entries", "audit", "statuses"] {
            lines += try await db.all("SELECT * FROM \(table) ORDER BY id").map { "\(table): \($0.values)" }
        }
        return lines
    }

    /// Writes to every kind of table: rows, moved counters, a trigger's rows, changed reference rows.
    private func dirty(_ env: IsolatedEnvironment) async throws {
        let db = env.connection
        try await db.run("CALL open_account(?)", ["ada"])
        try await db.run("INSERT INTO accounts (name) VALUES (?), (?)", ["bob", "eve"])
        try await db.run("INSERT INTO entries (account_id, amount) VALUES (1, 10), (2, 20)")
        try await db.run("DELETE FROM accounts WHERE id = 3")
        try await db.run("UPDATE statuses SET label = 'reopened' WHERE id = 2")
        try await db.run("INSERT INTO statuses (label) VALUES ('archived')")
        try await db.run("DELETE FROM statuses WHERE id = 1")
    }

    @Test("A recycled database is indistinguishable from a fresh one: rows, counters, reference rows, view, trigger, procedure")
    func recycledEqualsFresh() async throws {
        let pooled = manager()
        let fresh = manager { $0.isolation = .fresh }
        let first = try await pooled.createIsolatedEnvironment(schema: poolSchema)
        try await dirty(first)
        let taken = try await recycle(first, pooled, schema: poolSchema)
        let reused = try #require(taken.last)
        let reference = try await fresh.createIsolatedEnvironment(schema: poolSchema)
        let expected = try await snapshot(reference)
        #expect(expected.contains { $0.hasPrefix("statuses:") }, "the snapshot should include reference rows")
        #expect(try await snapshot(reused) == expected)
        let id = try await reused.connection.run("INSERT INTO accounts (name) VALUES ('first')").lastInsertID
        #expect(id == 1)
        for env in taken { try await pooled.cleanupEnvironment(env) }
        try await fresh.cleanupEnvironment(reference)
        await pooled.shutdown()
    }

    @Test("Counters go back to where the schema left them, after a few rows or many, from 1 or from a start value the schema set")
    func countersGoBackToTheirStart() async throws {
        let schema = Schema(
            mysql: [
                .text(
                    """
                    CREATE TABLE few (id INT AUTO_INCREMENT PRIMARY KEY, n INT);
                    CREATE TABLE many (id INT AUTO_INCREMENT PRIMARY KEY, n INT);
                    CREATE TABLE few_from_1000 (id INT AUTO_INCREMENT PRIMARY KEY, n INT) AUTO_INCREMENT = 1000;
                    CREATE TABLE many_from_500 (id INT AUTO_INCREMENT PRIMARY KEY, n INT) AUTO_INCREMENT = 500;
                    """, name: "counters.sql")
            ])
        let tables = ["few": 3, "many": 300, "few_from_1000": 3, "many_from_500": 300]
        let pooled = manager()
        let first = try await pooled.createIsolatedEnvironment(schema: schema)
        for (table, rows) in tables {
            try await first.connection.run(
                "INSERT INTO \(table) (n) WITH RECURSIVE s (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < \(rows)) SELECT i FROM s"
            )
        }
        let taken = try await recycle(first, pooled, schema: schema)
        let reused = try #require(taken.last)
        var ids: [String: Int64] = [:]
        for table in tables.keys {
            ids[table] = try await reused.connection.run("INSERT INTO \(table) (n) VALUES (0)").lastInsertID
            #expect(try await reused.connection.get("SELECT COUNT(*) FROM \(table)")?.decode(Int.self, 0) == 1)
        }
        #expect(ids == ["few": 1, "many": 1, "few_from_1000": 1000, "many_from_500": 500])
        for env in taken { try await pooled.cleanupEnvironment(env) }
        await pooled.shutdown()
    }

    @Test("A recycled database comes with its last test's connection, whose session starts afresh: nothing the test set carries over")
    func reusedConnectionSession() async throws {
        let pooled = manager()
        let env = try await pooled.createIsolatedEnvironment(schema: poolSchema)
        let lock = "testenv_reuse_\(UInt32.random(in: 0...UInt32.max))"
        let id = try await env.connection.get("SELECT CONNECTION_ID()")?.decode(Int64.self, 0)
        try await env.connection.executeScript(
            """
            SET @leftover = 42; SET SESSION sql_mode = ''; SET SESSION time_zone = '+05:00';
            CREATE TEMPORARY TABLE scratch (x INT); INSERT INTO scratch VALUES (1);
            DO GET_LOCK('\(lock)', 0);
            START TRANSACTION; INSERT INTO accounts (name) VALUES ('uncommitted');
            USE information_schema
            """)
        let taken = try await recycle(env, pooled, schema: poolSchema)
        let next = try #require(taken.last)
        let row = try #require(
            try await next.connection.get(
                """
                SELECT CONNECTION_ID(), @leftover, @@SESSION.sql_mode = @@GLOBAL.sql_mode, @@SESSION.time_zone = @@GLOBAL.time_zone,
                    DATABASE(), IS_FREE_LOCK(?), (SELECT COUNT(*) FROM accounts), @@in_transaction
                """, [.text(lock)]))
        #expect(try row.decode(Int64.self, 0) == id, "the connection should be the one the last test had")
        #expect(row[1] == .null, "user variables are gone")
        #expect(try row.decode(Int.self, 2) == 1 && row.decode(Int.self, 3) == 1, "session variables are the server's again")
        #expect(try row.decode(String.self, 4) == next.databaseName, "the current database is the environment's again")
        #expect(try row.decode(Int.self, 5) == 1, "named locks are released")
        #expect(try row.decode(Int.self, 6) == 0 && row.decode(Int.self, 7) == 0, "the open transaction was rolled back")
        await #expect(throws: MySQLError.self, "temporary tables are gone") { try await next.connection.run("SELECT * FROM scratch") }
        await #expect(throws: MySQLError.self, "the last test's connection object is closed") { try await env.connection.run("SELECT 1") }
        for env in taken { try await pooled.cleanupEnvironment(env) }
        await pooled.shutdown()
    }

    @Test("A kept connection the server ended while it waited is replaced, and the next test gets a working one")
    func deadIdleConnectionIsReplaced() async throws {
        let pooled = manager()
        let first = try await pooled.createIsolatedEnvironment(schema: poolSchema)
        let id = try #require(try await first.connection.get("SELECT CONNECTION_ID()")?.decode(Int64.self, 0))
        // The next test of the database gets the same connection: it is kept.
        let reused = try await recycle(first, pooled, schema: poolSchema)
        let env = try #require(reused.last)
        try #require(try await env.connection.get("SELECT CONNECTION_ID()")?.decode(Int64.self, 0) == id, "the connection should be kept")
        for env in reused { try await pooled.cleanupEnvironment(env) }
        await pooled.waitForBackgroundWork()
        let admin = try await MySQLTestServer.connect()
        try await admin.run("KILL CONNECTION \(id)")
        await admin.close()
        // Past the moment in which a connection that just answered is trusted without a ping.
        try await Task.sleep(for: MySQLProvider.recentAnswer + .milliseconds(100))
        let taken = try await take(env.databaseName, from: pooled, schema: poolSchema)
        let next = try #require(taken.last)
        let row = try #require(try await next.connection.get("SELECT CONNECTION_ID(), DATABASE()"))
        #expect(try row.decode(Int64.self, 0) != id, "a new connection, not the killed one")
        #expect(try row.decode(String.self, 1) == next.databaseName)
        for env in taken { try await pooled.cleanupEnvironment(env) }
        await pooled.shutdown()
    }

    @Test("A database whose schema the test changed is dropped, never handed out again")
    func schemaChangeIsNotRecycled() async throws {
        let pooled = manager()
        let first = try await pooled.createIsolatedEnvironment(schema: poolSchema)
        try await first.connection.executeScript("ALTER TABLE accounts ADD COLUMN nickname VARCHAR(20)")
        try await pooled.cleanupEnvironment(first)
        await pooled.waitForBackgroundWork()
        #expect(await pooled.statistics.discarded == 1)
        #expect(try await KitTests.existingDatabases([first.databaseName]).isEmpty)
        let next = try await pooled.createIsolatedEnvironment(schema: poolSchema)
        let columns = try await next.connection.all("SHOW COLUMNS FROM accounts").map { try $0.decode(String.self, 0) }
        #expect(columns == ["id", "name"])
        try await pooled.cleanupEnvironment(next)
        await pooled.shutdown()
    }

    @Test("A table added through a connection the pool did not hand out is caught by the server-side check")
    func foreignSchemaChangeIsCaught() async throws {
        let pooled = manager()
        let first = try await pooled.createIsolatedEnvironment(schema: poolSchema)
        let other = try await MySQLTestServer.connect(database: first.databaseName)
        try await other.executeScript("CREATE TABLE sneaky (id INT)")
        await other.close()
        try await pooled.cleanupEnvironment(first)
        await pooled.waitForBackgroundWork()
        #expect(await pooled.statistics.discarded == 1)
        #expect(try await KitTests.existingDatabases([first.databaseName]).isEmpty)
        await pooled.shutdown()
    }

    @Test("A database another connection still uses is not recycled")
    func lingeringConnectionPreventsRecycling() async throws {
        let pooled = manager()
        let first = try await pooled.createIsolatedEnvironment(schema: poolSchema)
        let other = try await MySQLTestServer.connect(database: first.databaseName)
        try await pooled.cleanupEnvironment(first)
        await pooled.waitForBackgroundWork()
        #expect(await pooled.statistics.discarded == 1)
        #expect(await pooled.statistics.recycled == 0)
        await other.close()
        await pooled.shutdown()
        #expect(try await KitTests.existingDatabases([first.databaseName]).isEmpty)
    }

    @Test("Parallel tests never hold the same database at the same time", .timeLimit(.minutes(2)))
    func noDatabaseIsSharedWhileHeld() async throws {
        let pooled = manager { $0.maxConcurrentEnvironments = 3 }
        let holders = Holders()
        // Four workers, ten tests each: the pool hands back recycled databases as the workers go on.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<4 {
                group.addTask {
                    for round in 0..<10 {
                        let label = "w\(worker)r\(round)"
                        try await withIsolatedEnvironment(schema: poolSchema, manager: pooled) { env in
                            await holders.enter(env.databaseName)
                            try await env.connection.run("INSERT INTO accounts (name) VALUES (?)", [.text(label)])
                            try await Task.sleep(for: .milliseconds(Int.random(in: 1...10)))
                            let names = try await env.connection.all("SELECT name FROM accounts").map { try $0.decode(String.self, 0) }
                            #expect(names == [label])
                            await holders.leave(env.databaseName)
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(await holders.collisions.isEmpty)
        #expect(await pooled.statistics.reused > 0, "with 40 tests and recycling, some databases should be reused")
        await pooled.shutdown()
        #expect(try await KitTests.existingDatabases(await pooled.createdDatabases).isEmpty)
    }

    @Test("Every pooled database carries its schema's fingerprint in the tracking table")
    func trackedWithFingerprint() async throws {
        let pooled = manager()
        let env = try await pooled.createIsolatedEnvironment(schema: poolSchema)
        let admin = try await MySQLTestServer.connect()
        let row = try await admin.get(
            "SELECT fingerprint, state FROM \(DatabaseRegistry.table) WHERE db_name = ?", [.text(env.databaseName)])
        await admin.close()
        #expect(try row?.decode(String?.self, "fingerprint") == env.fingerprint?.value)
        #expect(env.fingerprint?.value.count == 64)
        try await pooled.cleanupEnvironment(env)
        await pooled.shutdown()
    }
}

@Suite(.mysqlServer) struct TransactionModeTests {
    private let manager = KitTests.manager {
        $0.backend = .mysql
        $0.isolation = .transaction
    }

    @Test("Transaction mode: tests share one database, see none of each other's rows, and everything is rolled back")
    func rolledBack() async throws {
        let first = try await manager.createIsolatedEnvironment(schema: poolSchema)
        let second = try await manager.createIsolatedEnvironment(schema: poolSchema)
        #expect(first.databaseName == second.databaseName)
        #expect(first.isolation == .transaction)
        try await first.connection.run("INSERT INTO accounts (name) VALUES ('ada')")
        #expect(try await second.connection.get("SELECT COUNT(*) FROM accounts")?.decode(Int.self, 0) == 0)
        try await manager.cleanupEnvironment(first)
        try await manager.cleanupEnvironment(second)
        let third = try await manager.createIsolatedEnvironment(schema: poolSchema)
        #expect(try await third.connection.get("SELECT COUNT(*) FROM accounts")?.decode(Int.self, 0) == 0)
        #expect(try await third.connection.get("SELECT COUNT(*) FROM statuses")?.decode(Int.self, 0) == 2)
        try await manager.cleanupEnvironment(third)
        await manager.shutdown()
        #expect(try await KitTests.existingDatabases([first.databaseName]).isEmpty)
    }

    @Test("Transaction mode refuses statements that would commit the test's transaction, and nests withTransaction as savepoints")
    func guardAndSavepoints() async throws {
        let env = try await manager.createIsolatedEnvironment(schema: poolSchema)
        let refused = await driverError { try await env.connection.executeScript("ALTER TABLE accounts ADD COLUMN x INT") }
        #expect(refused is ImplicitCommitError)
        try await env.connection.run("INSERT INTO accounts (name) VALUES ('kept')")
        let inner = await capture {
            try await env.connection.withTransaction { tx in
                try tx.run("INSERT INTO accounts (name) VALUES ('undone')")
                throw ExpectedFailure()
            }
        }
        #expect(throws: ExpectedFailure.self) { try inner.get() }
        let names = try await env.connection.all("SELECT name FROM accounts").map { try $0.decode(String.self, 0) }
        #expect(names == ["kept"])
        try await manager.cleanupEnvironment(env)
        await manager.shutdown()
    }
}

/// Names of the databases tests hold right now, and any that two held at once.
actor Holders {
    private var held: Set<String> = []
    private(set) var collisions: [String] = []

    func enter(_ name: String) {
        if !held.insert(name).inserted { collisions.append(name) }
    }

    func leave(_ name: String) { held.remove(name) }
}

/// Reference rows in four shapes: a parent whose deletes cascade into a child, a plain table, and
/// one with a composite primary key and a nullable column.
let referenceSchema = Schema(
    mysql: [
        .text(
            """
            CREATE TABLE kinds (id INT PRIMARY KEY, label VARCHAR(20) NOT NULL);
            CREATE TABLE kind_tags (
                id INT PRIMARY KEY, kind_id INT NOT NULL, tag VARCHAR(20) NOT NULL,
                FOREIGN KEY (kind_id) REFERENCES kinds (id) ON DELETE CASCADE);
            CREATE TABLE colours (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL);
            CREATE TABLE pairs (a INT, b INT, note VARCHAR(20), PRIMARY KEY (a, b));
            CREATE TABLE notes (id INT AUTO_INCREMENT PRIMARY KEY, body TEXT);
            CREATE SEQUENCE ticket_numbers;
            INSERT INTO kinds VALUES (1, 'plain'), (2, 'fancy');
            INSERT INTO kind_tags VALUES (1, 1, 'a'), (2, 2, 'b');
            INSERT INTO colours VALUES (1, 'red'), (2, 'blue');
            INSERT INTO pairs VALUES (1, 1, NULL), (1, 2, 'two');
            """, name: "reference.sql")
    ])

@Suite(.mysqlServer) struct ReferenceRowResetTests {
    /// Writes that a connection the pool did not hand out makes, each a different way to change reference rows.
    static let foreignWrites = [
        "DELETE FROM kinds WHERE id = 1",  // the cascade into kind_tags is not counted as a changed row
        "TRUNCATE TABLE colours",  // not counted either
        "UPDATE colours SET name = 'green' WHERE id = 1",
        "UPDATE colours SET name = 'RED ' WHERE id = 1",  // equal to 'red' under a case-insensitive, space-padding collation
        "INSERT INTO kind_tags VALUES (3, 2, 'c')",
        "UPDATE pairs SET note = 'one' WHERE a = 1 AND b = 1",
        // Rows added above the template's largest key are removed by a range delete; these must not be:
        "INSERT INTO colours VALUES (3, 'green'); UPDATE colours SET name = 'pink' WHERE id = 1",  // an update beside the insert
        "INSERT INTO colours VALUES (0, 'zero')",  // added below the largest key
        "INSERT INTO colours VALUES (3, 'green'); DELETE FROM colours WHERE id = 2",  // a delete beside the insert
    ]

    private func rows(_ env: IsolatedEnvironment) async throws -> [String] {
        var lines: [String] = []
        for table in ["kinds", "kind_tags", "colours", "pairs", "notes"] {
            lines += try await env.connection.all("SELECT * FROM \(table) ORDER BY 1, 2").map { "\(table): \($0.values)" }
        }
        return lines
    }

    /// Per write above, the reference tables it marks as written — by `UPDATE_TIME` or by the
    /// changed-row counts with the tables cascades reach: `kind_tags` too for the cascading delete;
    /// none for `TRUNCATE` (the emptied table is found by the row probe).
    static func tablesMarked(by write: String) -> Int {
        write.hasPrefix("TRUNCATE") ? 0 : write.hasPrefix("DELETE FROM kinds") ? 2 : 1
    }

    /// How a reset finds the reference tables a test wrote.
    enum Detection: String, CaseIterable, Sendable {
        case changeCounts, updateTimes, checksums
    }

    @Test(
        "Reference rows changed behind the pool's back are restored, found by changed-row counts, update times or checksums",
        arguments: Detection.allCases, foreignWrites)
    func foreignWriteIsRestored(detection: Detection, write: String) async throws {
        let pooled = try await countingManager(detection)
        var first = try await pooled.createIsolatedEnvironment(schema: referenceSchema)
        var held: [IsolatedEnvironment] = []
        if detection == .updateTimes {
            // Made ready again in a later second than its reference rows were loaded, the database's
            // baseline tells the tables the write touches from those it does not.
            try await Task.sleep(for: .milliseconds(1_100))
            let taken = try await recycle(first, pooled, schema: referenceSchema)
            first = try #require(taken.last)
            held += taken.dropLast()
        }
        let before = await pooled.referenceTablesChecksummed
        let expected = try await rows(first)
        #expect(expected.count == 8)
        let other = try await MySQLTestServer.connect(database: first.databaseName)
        try await other.executeScript(write)
        await other.close()
        #expect(try await rows(first) != expected, "the write should change what a test sees")
        let taken = try await recycle(first, pooled, schema: referenceSchema)
        #expect(try await rows(try #require(taken.last)) == expected)
        let checksummed = await pooled.referenceTablesChecksummed - before
        // Checksums compare the reference tables the row probe did not already find dirty (an emptied one).
        switch detection {
        case .changeCounts, .updateTimes: #expect(checksummed == Self.tablesMarked(by: write))
        case .checksums: #expect(checksummed == (write.hasPrefix("TRUNCATE") ? 3 : 4))
        }
        for env in held + taken { try await pooled.cleanupEnvironment(env) }
        await pooled.shutdown()
    }

    /// A pooled manager that finds changed reference tables as `detection` says, on a server that
    /// counts changed rows.
    private func countingManager(_ detection: Detection = .changeCounts) async throws -> TestEnvironmentManager {
        let admin = try await MySQLTestServer.connect()
        // The project's test server runs with userstat on; turn it on elsewhere (never off: other tests may rely on it).
        try await admin.executeScript("SET GLOBAL userstat = ON")
        await admin.close()
        return KitTests.manager {
            $0.backend = .mysql
            $0.isolation = .pooled
            $0.usesChangeCounts = detection == .changeCounts
            $0.usesUpdateTimes = detection == .updateTimes
        }
    }

    @Test("Writes under LOCK TABLES on the test's connection are counted: released while locked, the table is still restored")
    func writesUnderLockTables() async throws {
        let pooled = try await countingManager()
        let first = try await pooled.createIsolatedEnvironment(schema: referenceSchema)
        let expected = try await rows(first)
        try await first.connection.executeScript("LOCK TABLES colours WRITE; UPDATE colours SET name = 'green' WHERE id = 1")
        let taken = try await recycle(first, pooled, schema: referenceSchema)
        #expect(try await rows(try #require(taken.last)) == expected)
        #expect(await pooled.referenceTablesChecksummed == 1, "the counts mark colours, and only colours is compared")
        for env in taken { try await pooled.cleanupEnvironment(env) }
        await pooled.shutdown()
    }

    @Test("A sequence the test advanced starts again at its first value")
    func sequenceRestarts() async throws {
        let pooled = try await countingManager()
        let first = try await pooled.createIsolatedEnvironment(schema: referenceSchema)
        for _ in 0..<3 { _ = try await first.connection.get("SELECT NEXTVAL(ticket_numbers)") }
        let taken = try await recycle(first, pooled, schema: referenceSchema)
        let reused = try #require(taken.last)
        let next = try await reused.connection.get("SELECT NEXTVAL(ticket_numbers)")?.decode(Int.self, 0)
        #expect(next == 1)
        for env in taken { try await pooled.cleanupEnvironment(env) }
        await pooled.shutdown()
    }
}
