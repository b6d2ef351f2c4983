import TestEnvExamples
import TestEnvKit
import TestEnvTestSupport
import Testing

@Suite struct DataFactoryTests {
    func withFactory(_ body: (IsolatedEnvironment, DataFactory) async throws -> Void) async throws {
        try await withIsolatedEnvironment(schema: Examples.exampleSchema, manager: Examples.manager) { env in
            try await body(env, DataFactory(env))
        }
    }

    @Test("build returns the defaults with overrides applied and writes nothing")
    func buildWritesNothing() async throws {
        try await withFactory { env, factory in
            let values = try await factory.build(.user, ["display_name": "Ada"])
            #expect(values["email"] == .text("user1@example.com"))
            #expect(values["display_name"] == .text("Ada"))
            #expect(values["merchant_id"] == nil, "build creates no association")
            #expect(try await Examples.count(env.connection, "SELECT COUNT(*) FROM users") == 0)
            #expect(try await Examples.count(env.connection, "SELECT COUNT(*) FROM merchants") == 0)
        }
    }

    @Test("create inserts the row and returns it as stored, with its id, column defaults and a created association")
    func createReturnsStoredRow() async throws {
        try await withFactory { env, factory in
            let user = try await factory.create(.user)
            #expect(try user.decode(Int.self, "id") == 1)
            #expect(try user.decode(String.self, "status") == "active", "column default")
            #expect(try user.decode(String.self, "user_type") == "customer")
            let merchantID = try user.decode(Int.self, "merchant_id")
            let merchant = try await env.connection.get("SELECT name FROM merchants WHERE id = ?", [.integer(Int64(merchantID))])
            #expect(try merchant?.decode(String.self, "name") == "Merchant 1")
        }
    }

    @Test("A given association value is used instead of creating one")
    func associationOverride() async throws {
        try await withFactory { env, factory in
            let merchant = try await factory.create(.merchant)
            let users = try await factory.createList(.user, count: 3) { _ in ["merchant_id": merchant["id"]!] }
            #expect(try users.allSatisfy { try $0.decode(Int.self, "merchant_id") == merchant.decode(Int.self, "id") })
            #expect(try await Examples.count(env.connection, "SELECT COUNT(*) FROM merchants") == 1)
        }
    }

    @Test("Traits apply named overrides; an unknown trait is an error listing the known ones")
    func traits() async throws {
        try await withFactory { _, factory in
            let admin = try await factory.create(.user, traits: ["admin", "suspended"])
            #expect(try admin.decode(String.self, "user_type") == "admin")
            #expect(try admin.decode(String.self, "status") == "suspended")
            let independent = try await factory.create(.user, traits: ["independent"])
            #expect(independent["merchant_id"] == .null)
            let error = await #expect(throws: TestEnvError.self) { try await factory.create(.user, traits: ["superuser"]) }
            #expect(error?.message.contains("traits: admin, independent, staff, suspended") == true)
        }
    }

    @Test("createList inserts through one batch, with unique sequences and per-index customisation")
    func createList() async throws {
        try await withFactory { env, factory in
            let users = try await factory.createList(.user, count: 500, traits: ["staff"]) { index in
                index == 0 ? ["email": "first@example.com"] : [:]
            }
            #expect(users.count == 500)
            #expect(try users[0].decode(String.self, "email") == "first@example.com")
            #expect(Set(try users.map { try $0.decode(String.self, "email") }).count == 500)
            #expect(try users.allSatisfy { try $0.decode(String.self, "user_type") == "staff" })
            #expect(try users.map { try $0.decode(Int.self, "id") } == Array(1...500))
            #expect(try await Examples.count(env.connection, "SELECT COUNT(DISTINCT merchant_id) FROM users") == 500)
        }
    }

    @Test("createList rows that leave out a column other rows set get its default, whichever row sets it first, in order")
    func createListMixedColumns() async throws {
        try await withFactory { _, factory in
            let users = try await factory.createList(.user, count: 9, traits: ["independent"]) { index in
                switch index % 3 {
                case 1: ["status": "suspended"]
                case 2: ["status": "deleted", "user_type": "admin"]
                default: [:]
                }
            }
            #expect(
                try users.map { try $0.decode(String.self, "status") }
                    == Array(repeating: ["active", "suspended", "deleted"], count: 3).flatMap { $0 })
            #expect(
                try users.map { try $0.decode(String.self, "user_type") }
                    == Array(repeating: ["customer", "customer", "admin"], count: 3).flatMap { $0 })
            #expect(try users.map { try $0.decode(String.self, "email") } == (1...9).map { "user\($0)@example.com" })
        }
    }

    @Test("createList of more rows than one statement holds keeps order, ids, sequences and each row's own parent")
    func createListAcrossStatements() async throws {
        try await withFactory { env, factory in
            let users = try await factory.createList(.user, count: 2_500)
            #expect(try users.map { try $0.decode(Int.self, "id") } == Array(1...2_500))
            #expect(try users.map { try $0.decode(String.self, "email") } == (1...2_500).map { "user\($0)@example.com" })
            #expect(try users.map { try $0.decode(Int.self, "merchant_id") } == Array(1...2_500))
            let names = try await env.connection.all(
                "SELECT m.name FROM users u JOIN merchants m ON m.id = u.merchant_id ORDER BY u.id", [])
            #expect(try names.map { try $0.decode(String.self, 0) } == (1...2_500).map { "Merchant \($0)" })
            #expect(try await Examples.count(env.connection, "SELECT COUNT(*) FROM users") == 2_500)
            let next = try await factory.create(.user, traits: ["independent"])
            #expect(try next.decode(String.self, "email") == "user2501@example.com", "the sequence goes on after the list")
        }
    }

    @Test("A row rejected in a later statement of createList leaves none of the list's rows, and the connection usable")
    func createListFailsAsAWhole() async throws {
        // The 2,100th user repeats the first one's email: the third statement of 1,000 fails.
        let clashing = Factory(
            "users", ["email": .sequence { .text($0 == 2_100 ? "user1@example.com" : "user\($0)@example.com") }])
        try await withFactory { env, factory in
            await #expect(throws: (any Error).self) { _ = try await factory.createList(clashing, count: 3_000) }
            #expect(try await Examples.count(env.connection, "SELECT COUNT(*) FROM users") == 0)
            #expect(await env.connection.isInTransaction() == false)
            let users = try await factory.createList(clashing, count: 1_500)
            #expect(users.count == 1_500)
        }
    }

    @Test("Sequences are per DataFactory, so tests in parallel never share a counter")
    func sequencesPerFactory() async throws {
        try await withFactory { env, first in
            let second = DataFactory(env)
            let emails = [
                try await first.build(.user)["email"], try await first.build(.user)["email"], try await second.build(.user)["email"],
            ]
            #expect(emails == [.text("user1@example.com"), .text("user2@example.com"), .text("user1@example.com")])
        }
    }

    @Test("A misspelt attribute is refused with the closest column name")
    func misspeltColumn() async throws {
        try await withFactory { _, factory in
            let error = await #expect(throws: TestEnvError.self) { try await factory.create(.user, ["emial": "x@example.com"]) }
            #expect(error?.code == .unknownColumn)
            #expect(error?.message.contains("Did you mean `email`?") == true)
        }
    }

    @Test("On MySQL, a create after the first is one INSERT: no BEGIN or COMMIT, no column lookup", .mysqlServer)
    func createIsOneStatement() async throws {
        guard Examples.configuration.backend == .mysql else { return }
        try await withFactory { env, factory in
            func counters() async throws -> [String: Int] {
                var values: [String: Int] = [:]
                for row in try await env.connection.all(
                    "SHOW SESSION STATUS WHERE Variable_name IN ('Com_insert', 'Com_begin', 'Com_commit', 'Com_select')", [])
                {
                    values[try row.decode(String.self, 0)] = Int(try row.decode(String.self, 1)) ?? -1
                }
                return values
            }
            _ = try await factory.create(.merchant)
            let before = try await counters()
            let merchant = try await factory.create(.merchant)
            let after = try await counters()
            #expect(try merchant.decode(Int.self, "id") == 2)
            #expect(after.merging(before) { $0 - $1 } == ["Com_insert": 1, "Com_begin": 0, "Com_commit": 0, "Com_select": 0])
        }
    }

    @Test("On MySQL, createList of users runs two INSERT statements: one for the merchants, one for the users", .mysqlServer)
    func batchedOnMySQL() async throws {
        guard Examples.configuration.backend == .mysql else { return }
        try await withFactory { env, factory in
            func inserts() async throws -> Int {
                Int(try await env.connection.get("SHOW SESSION STATUS LIKE 'Com_insert'", [])?.decode(String.self, "Value") ?? "") ?? -1
            }
            let before = try await inserts()
            _ = try await factory.createList(.user, count: 800)
            #expect(try await inserts() - before == 2)
        }
    }
}
