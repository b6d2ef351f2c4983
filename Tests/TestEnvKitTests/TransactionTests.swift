import TestEnvTestSupport
import Testing

@testable import TestEnvKit

struct Refused: Error {}

@Suite struct TransactionTests {
    func count(_ db: any DatabaseConnection, _ table: String = "merchants") async throws -> Int {
        try await db.get("SELECT COUNT(*) FROM \(table)", [])?.decode(Int.self, 0) ?? -1
    }

    @Test("withTransaction commits when the body returns")
    func commits() async throws {
        try await withIsolatedEnvironment(schema: .example, manager: KitTests.manager()) { env in
            let id = try await env.connection.withTransaction { tx in
                try tx.run("INSERT INTO merchants (name) VALUES (?)", ["A"]).lastInsertID
            }
            #expect(id == 1)
            let observed1 = try await count(env.connection)
            #expect(observed1 == 1)
            #expect(await env.connection.isInTransaction() == false)
        }
    }

    @Test("withTransaction rolls back when the body throws, and rethrows the body's error")
    func rollsBackOnThrow() async throws {
        try await withIsolatedEnvironment(schema: .example, manager: KitTests.manager()) { env in
            await #expect(throws: Refused.self) {
                try await env.connection.withTransaction { tx in
                    try tx.run("INSERT INTO merchants (name) VALUES (?)", ["A"])
                    throw Refused()
                }
            }
            let observed2 = try await count(env.connection)
            #expect(observed2 == 0)
            #expect(await env.connection.isInTransaction() == false)
        }
    }

    @Test("withTransaction rolls back when the task is cancelled")
    func rollsBackOnCancellation() async throws {
        try await withIsolatedEnvironment(schema: .example, manager: KitTests.manager()) { env in
            let db = env.connection
            let task = Task {
                try await db.withTransaction { tx in
                    try tx.run("INSERT INTO merchants (name) VALUES (?)", ["A"])
                    withUnsafeCurrentTask { $0?.cancel() }
                }
            }
            await #expect(throws: CancellationError.self) { try await task.value }
            let observed3 = try await count(db)
            #expect(observed3 == 0)
        }
    }

    @Test("A nested withTransaction is a savepoint: its failure can be caught and the outer work kept")
    func nestedSavepoint() async throws {
        try await withIsolatedEnvironment(schema: .example, manager: KitTests.manager()) { env in
            try await env.connection.withTransaction { tx in
                try tx.run("INSERT INTO merchants (name) VALUES (?)", ["outer"])
                do {
                    try tx.withTransaction { inner in
                        try inner.run("INSERT INTO merchants (name) VALUES (?)", ["inner"])
                        throw Refused()
                    }
                } catch is Refused {}
                try tx.withTransaction { inner in try inner.run("INSERT INTO merchants (name) VALUES (?)", ["kept"]) }
            }
            let names = try await env.connection.all("SELECT name FROM merchants ORDER BY id", []).map { try $0.decode(String.self, 0) }
            #expect(names == ["outer", "kept"])
        }
    }

    @Test("When the database rolls the whole transaction back under a caught inner failure, withTransaction says so instead of committing")
    func transactionLost() async throws {
        let manager = KitTests.manager { $0.backend = .sqlite }
        try await withIsolatedEnvironment(manager: manager) { env in
            try await env.connection.executeScript(
                "CREATE TABLE t (v INTEGER); CREATE TRIGGER veto BEFORE INSERT ON t WHEN NEW.v = 99 BEGIN SELECT RAISE(ROLLBACK, 'vetoed'); END;"
            )
            await #expect(throws: TransactionLostError.self) {
                try await env.connection.withTransaction { tx in
                    try tx.run("INSERT INTO t VALUES (1)")
                    _ = try? tx.withTransaction { inner in try inner.run("INSERT INTO t VALUES (99)") }
                }
            }
            let count = try await env.connection.get("SELECT COUNT(*) FROM t")?.decode(Int.self, 0)
            #expect(count == 0)
            #expect(await env.connection.isInTransaction() == false)
        }
    }

    @Test("On MySQL, semicolons inside strings do not trip the implicit-commit guard", .mysqlServer)
    func guardReadsQuotes() async throws {
        try await withIsolatedEnvironment(schema: .example, manager: KitTests.manager { $0.backend = .mysql }) { env in
            try await env.connection.withTransaction { tx in
                try tx.executeScript("INSERT INTO merchants (name) VALUES ('done; drop it')")
            }
            let name = try await env.connection.get("SELECT name FROM merchants")?.decode(String.self, 0)
            #expect(name == "done; drop it")
        }
    }

    @Test("On MySQL, a statement that would commit implicitly is refused inside withTransaction", .mysqlServer)
    func implicitCommitRefused() async throws {
        try await withIsolatedEnvironment(schema: .example, manager: KitTests.manager { $0.backend = .mysql }) { env in
            var refused: ImplicitCommitError?
            do {
                try await env.connection.withTransaction { tx in
                    try tx.run("INSERT INTO merchants (name) VALUES (?)", ["before DDL"])
                    try tx.executeScript("ALTER TABLE merchants ADD COLUMN note TEXT")
                }
            } catch let error as ImplicitCommitError {
                refused = error
            }
            #expect(refused?.statement == "ALTER TABLE merchants ADD COLUMN note TEXT")
            #expect(refused?.message.contains("commits the open transaction implicitly") == true)
            let observed4 = try await count(env.connection)
            #expect(observed4 == 0, "the insert before the refused DDL must be rolled back")
            try await env.connection.executeScript("ALTER TABLE merchants ADD COLUMN note TEXT")  // allowed outside
        }
    }
}
