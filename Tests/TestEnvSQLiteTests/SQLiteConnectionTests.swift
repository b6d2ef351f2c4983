import Foundation
import TestEnvCore
import TestEnvSQLite
import TestEnvTestSupport
import Testing

@Suite struct SQLiteConnectionTests {
    @Test("run reports affected rows and the generated rowid of this statement only")
    func executionResult() async throws {
        let db = try await SQLiteConnection.open()
        try await db.executeScript("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);")
        let insert = try await db.run("INSERT INTO t (v) VALUES (?), (?)", "a", "b")
        #expect(insert == ExecutionResult(affectedRows: 2, lastInsertID: 2))
        let update = try await db.run("UPDATE t SET v = ?", "c")
        #expect(update == ExecutionResult(affectedRows: 2, lastInsertID: nil))
        let select = try await db.run("SELECT * FROM t")
        #expect(select == ExecutionResult(affectedRows: 0, lastInsertID: nil))
        await db.close()
    }

    @Test("A prepared statement is reused when the same SQL runs again")
    func statementReuse() async throws {
        let db = try await SQLiteConnection.open()
        for number in 1...5 {
            _ = try await db.get("SELECT ? + 1", [.integer(Int64(number))])
        }
        #expect(await db.cachedStatementCount == 1)
        _ = try await db.get("SELECT ? + 2", 1)
        #expect(await db.cachedStatementCount == 2)
        await db.close()
    }

    @Test("A script with several statements runs them all; a failing one stops it and the connection stays usable")
    func scripts() async throws {
        let db = try await SQLiteConnection.open()
        try await db.executeScript(
            """
            -- a comment
            CREATE TABLE a (id INTEGER PRIMARY KEY, v TEXT);
            INSERT INTO a (v) VALUES ('one; with a semicolon');
            SELECT * FROM a;
            """)
        let error = await #expect(throws: SQLiteError.self) {
            try await db.executeScript("INSERT INTO a (v) VALUES ('two'); INSERT INTO nope VALUES (1); INSERT INTO a (v) VALUES ('three');")
        }
        #expect(error?.message.contains("no such table: nope") == true)
        #expect(error?.sql?.hasPrefix("INSERT INTO nope") == true)
        #expect(try await db.get("SELECT COUNT(*) FROM a")?.decode(Int.self, 0) == 2)
        await db.close()
    }

    @Test("run and all refuse more than one statement instead of silently ignoring the rest")
    func oneStatementOnly() async throws {
        let db = try await SQLiteConnection.open()
        let error = await #expect(throws: SQLiteError.self) { try await db.run("SELECT 1; SELECT 2") }
        #expect(error?.description.contains("executeScript") == true)
        await db.close()
    }

    @Test("A wrong number of bound values is an error, not a silent NULL")
    func parameterCount() async throws {
        let db = try await SQLiteConnection.open()
        let error = await #expect(throws: SQLiteError.self) { try await db.all("SELECT ?, ?", [1]) }
        #expect(error?.code == .range)
        #expect(error?.message.contains("2 parameter(s) but 1 value(s)") == true)
        await db.close()
    }

    @Test("Transactions commit and roll back; savepoints undo part of one")
    func transactions() async throws {
        let db = try await SQLiteConnection.open()
        try await db.executeScript("CREATE TABLE t (v INTEGER);")
        #expect(try await ConnectionConformance.valuesAfterTransactionsAndSavepoints(on: db) == [1])
        await #expect(throws: InvalidIdentifierError.self) { try await db.savepoint("x; DROP TABLE t") }
        await db.close()
    }

    @Test("A closed connection refuses work with a clear error; closing twice is harmless")
    func closed() async throws {
        let db = try await SQLiteConnection.open()
        await db.close()
        await db.close()
        #expect(await db.isReady() == false)
        let error = await #expect(throws: SQLiteError.self) { try await db.run("SELECT 1") }
        #expect(error?.code == .misuse)
        #expect(error?.message.contains("closed") == true)
    }

    @Test("A path that cannot be opened names the path and what to check")
    func cannotOpen() async throws {
        let path = "/nonexistent-dir-\(UUID().uuidString)/db.sqlite"
        let error = await #expect(throws: SQLiteError.self) { try await SQLiteConnection.open(SQLiteConfiguration(path: path)) }
        #expect(error?.code == .cantOpen)
        #expect(error?.description.contains(path) == true)
        #expect(error?.description.contains("directory exists") == true)
    }
}

@Suite struct SQLiteErrorTests {
    func usersTable() async throws -> SQLiteConnection {
        let db = try await SQLiteConnection.open()
        try await db.executeScript(
            """
            CREATE TABLE merchants (id INTEGER PRIMARY KEY);
            CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE,
                                merchant_id INTEGER REFERENCES merchants(id), age INTEGER CHECK (age >= 0));
            INSERT INTO merchants (id) VALUES (1);
            INSERT INTO users (email, merchant_id) VALUES ('taken@example.com', 1);
            """)
        return db
    }

    @Test("A duplicate unique value is a uniqueViolation matched by its code")
    func unique() async throws {
        let db = try await usersTable()
        do {
            try await db.run("INSERT INTO users (email) VALUES (?)", "taken@example.com")
            Issue.record("expected a constraint error")
        } catch SQLiteResultCode.constraint {
            // the primary code matches the extended SQLITE_CONSTRAINT_UNIQUE
        }
        let error = await #expect(throws: SQLiteError.self) {
            try await db.run("INSERT INTO users (email) VALUES (?)", "taken@example.com")
        }
        #expect(error?.code == .constraintUnique)
        #expect(error?.kind == .uniqueViolation)
        #expect(error?.description.contains("taken@example.com") == false)
        await db.close()
    }

    @Test("Foreign key, NOT NULL and CHECK failures are constraintViolations with their extended codes")
    func otherConstraints() async throws {
        let db = try await usersTable()
        let cases: [(String, [DatabaseValue], SQLiteResultCode)] = [
            ("INSERT INTO users (email, merchant_id) VALUES (?, ?)", ["b@example.com", 99], .constraintForeignKey),
            ("INSERT INTO users (email) VALUES (?)", [nil], .constraintNotNull),
            ("INSERT INTO users (email, age) VALUES (?, ?)", ["c@example.com", -1], .constraintCheck),
        ]
        for (sql, bindings, code) in cases {
            let error = await #expect(throws: SQLiteError.self) { try await db.run(sql, bindings) }
            #expect(error?.code == code)
            #expect(error?.kind == .constraintViolation)
        }
        await db.close()
    }

    @Test("Bad SQL is a syntax error whose message quotes the statement")
    func syntax() async throws {
        let db = try await SQLiteConnection.open()
        let error = await #expect(throws: SQLiteError.self) { try await db.run("SELEKT 1") }
        #expect(error?.kind == .syntax)
        #expect(error?.description.contains("statement: SELEKT 1") == true)
        await db.close()
    }

    @Test("A write while another connection holds the file's lock is busy after the busy timeout")
    func busy() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("testenv-busy-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let holder = try await SQLiteConnection.open(SQLiteConfiguration(path: path))
        let waiter = try await SQLiteConnection.open(SQLiteConfiguration(path: path, busyTimeout: .milliseconds(50)))
        try await holder.executeScript("CREATE TABLE t (v INTEGER); BEGIN IMMEDIATE; INSERT INTO t VALUES (1);")
        let error = await #expect(throws: SQLiteError.self) { try await waiter.run("INSERT INTO t VALUES (2)") }
        #expect(error?.code == .busy)
        #expect(error?.kind == .busy)
        #expect(error?.kind.isRetryable == true)
        try await holder.commit()
        try await waiter.run("INSERT INTO t VALUES (2)")
        await holder.close()
        await waiter.close()
    }

    @Test("A foreign-key failure names the references of the table written, the tables that reference it, and deferred violations")
    func foreignKeyDetail() async throws {
        let db = try await SQLiteConnection.open()
        try await db.executeScript(
            """
            CREATE TABLE authors (id INTEGER PRIMARY KEY);
            CREATE TABLE books (id INTEGER PRIMARY KEY, author_id INTEGER NOT NULL REFERENCES authors(id));
            CREATE TABLE loans (id INTEGER PRIMARY KEY, book_id INTEGER REFERENCES books(id) DEFERRABLE INITIALLY DEFERRED);
            INSERT INTO authors VALUES (1); INSERT INTO books VALUES (1, 1);
            """)
        let insert = await #expect(throws: SQLiteError.self) { try await db.run("INSERT INTO books (author_id) VALUES (42)") }
        #expect(insert?.code == .constraintForeignKey)
        #expect(insert?.description.contains("books references: author_id → authors(id)") == true, "\(String(describing: insert))")
        let delete = await #expect(throws: SQLiteError.self) { try await db.run("DELETE FROM authors WHERE id = 1") }
        #expect(delete?.description.contains("authors is referenced by: books.author_id") == true, "\(String(describing: delete))")
        try await db.beginTransaction()
        _ = try await db.run("INSERT INTO loans (book_id) VALUES (7)")
        let commit = await #expect(throws: SQLiteError.self) { try await db.commit() }
        #expect(commit?.description.contains("loans row 1 → books") == true, "\(String(describing: commit))")
        try? await db.rollback()
        await db.close()
    }
}
