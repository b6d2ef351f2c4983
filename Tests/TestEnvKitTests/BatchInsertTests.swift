import TestEnvTestSupport
import Testing

@testable import TestEnvKit

@Suite struct BatchInsertTests {
    func merchantRows(_ count: Int, prefix: String = "m") -> [[DatabaseValue]] {
        (1...count).map { [.text("\(prefix)\($0)")] }
    }

    @Test("Inserts in batches and returns the generated ids in row order, checked against the stored rows")
    func idsInOrder() async throws {
        try await withIsolatedEnvironment(schema: .example, manager: KitTests.manager()) { env in
            let result = try await env.connection.batchInsert(
                into: "merchants", columns: ["name"], rows: merchantRows(2500), batchSize: 1000)
            #expect(result.rowCount == 2500)
            let ids = try #require(result.generatedIDs)
            let stored = try await env.connection.all("SELECT id, name FROM merchants", [])
            let nameByID = try Dictionary(
                uniqueKeysWithValues: stored.map { (try $0.decode(Int64.self, "id"), try $0.decode(String.self, "name")) })
            #expect(ids.count == 2500)
            #expect(ids.enumerated().allSatisfy { nameByID[$0.element] == "m\($0.offset + 1)" })
        }
    }

    @Test("Splits statements by the backend's bound-parameter limit, whatever the batch size")
    func parameterLimit() async throws {
        try await withIsolatedEnvironment(schema: .example, manager: KitTests.manager()) { env in
            let rows: [[DatabaseValue]] = (1...30_000).map { [.text("u\($0)@example.com"), "customer", "active"] }
            let result = try await env.connection.batchInsert(
                into: "users", columns: ["email", "user_type", "status"], rows: rows, batchSize: 1_000_000)
            #expect(result.rowCount == 30_000)
            let observed1 = try await env.connection.get("SELECT COUNT(*) FROM users", [])?.decode(Int.self, 0)
            #expect(observed1 == 30_000)
        }
    }

    @Test("On MySQL, the server runs one INSERT per batch", .mysqlServer)
    func oneStatementPerBatch() async throws {
        try await withIsolatedEnvironment(schema: .example, manager: KitTests.manager { $0.backend = .mysql }) { env in
            func inserts() async throws -> Int {
                Int(try await env.connection.get("SHOW SESSION STATUS LIKE 'Com_insert'", [])?.decode(String.self, "Value") ?? "") ?? -1
            }
            let before = try await inserts()
            try await env.connection.batchInsert(into: "merchants", columns: ["name"], rows: merchantRows(2500), batchSize: 1000)
            let observed2 = try await inserts() - before
            #expect(observed2 == 3)
        }
    }

    @Test("A rejected row leaves none of the batch behind")
    func atomic() async throws {
        try await withIsolatedEnvironment(schema: .example, manager: KitTests.manager()) { env in
            var rows = merchantRows(3000)
            rows[1500] = ["m1"]  // duplicate name
            let error = await driverError { try await env.connection.batchInsert(into: "merchants", columns: ["name"], rows: rows) }
            #expect(error?.kind == .uniqueViolation, "\(String(describing: error))")
            let observed3 = try await env.connection.get("SELECT COUNT(*) FROM merchants", [])?.decode(Int.self, 0)
            #expect(observed3 == 0)
        }
    }

    @Test("skipDuplicates skips rows repeating a key, already stored or earlier in the batch, and counts only the rows inserted")
    func skipDuplicatesCountsInserted() async throws {
        try await withIsolatedEnvironment(schema: .example, manager: KitTests.manager()) { env in
            try await env.connection.batchInsert(into: "merchants", columns: ["name"], rows: merchantRows(3))
            // m1…m3 exist; the new rows repeat m2 and m3, and m5 twice, across batches of two.
            let rows: [[DatabaseValue]] = ["m2", "m4", "m5", "m3", "m5", "m6"].map { [.text($0)] }
            let result = try await env.connection.batchInsert(
                into: "merchants", columns: ["name"], rows: rows, batchSize: 2, skipDuplicates: true)
            #expect(result.rowCount == 3)
            #expect(result.generatedIDs == nil)
            let names = try await env.connection.all("SELECT name FROM merchants ORDER BY name", []).map { try $0.decode(String.self, 0) }
            #expect(names == ["m1", "m2", "m3", "m4", "m5", "m6"])
        }
    }

    @Test("skipDuplicates skips key conflicts only: a foreign-key violation still fails the batch and leaves nothing")
    func skipDuplicatesKeepsOtherErrors() async throws {
        try await withIsolatedEnvironment(schema: .example, manager: KitTests.manager()) { env in
            let rows: [[DatabaseValue]] = [["a@example.com", .null], ["b@example.com", 999]]
            let error = await driverError {
                try await env.connection.batchInsert(into: "users", columns: ["email", "merchant_id"], rows: rows, skipDuplicates: true)
            }
            #expect(error?.kind == .constraintViolation, "\(String(describing: error))")
            let count = try await env.connection.get("SELECT COUNT(*) FROM users", [])?.decode(Int.self, 0)
            #expect(count == 0)
        }
    }

    @Test("Inside the caller's transaction it joins it: the caller's rollback removes the rows")
    func joinsCallerTransaction() async throws {
        try await withIsolatedEnvironment(schema: .example, manager: KitTests.manager()) { env in
            let rows = merchantRows(10)
            await #expect(throws: Refused.self) {
                try await env.connection.withTransaction { tx in
                    let result = try tx.batchInsert(into: "merchants", columns: ["name"], rows: rows)
                    #expect(result.generatedIDs?.count == 10)
                    throw Refused()
                }
            }
            let observed4 = try await env.connection.get("SELECT COUNT(*) FROM merchants", [])?.decode(Int.self, 0)
            #expect(observed4 == 0)
        }
    }

    @Test("No generated ids when the rows set the key themselves; rows of the wrong width are refused")
    func explicitKeysAndWidth() async throws {
        try await withIsolatedEnvironment(schema: .example, manager: KitTests.manager()) { env in
            let result = try await env.connection.batchInsert(
                into: "merchants", columns: ["id", "name"], rows: [[10, "ten"], [20, "twenty"]])
            #expect(result.generatedIDs == nil)
            let error = await #expect(throws: TestEnvError.self) {
                try await env.connection.batchInsert(into: "merchants", columns: ["id", "name"], rows: [[30]])
            }
            #expect(error?.code == .invalidInput)
            #expect(error?.message.contains("row 0 has 1 values for 2 columns") == true)
        }
    }

    @Test("Concurrent inserters on MySQL each get exactly their own ids", .mysqlServer)
    func concurrentInserters() async throws {
        try await withIsolatedEnvironment(schema: .example, manager: KitTests.manager { $0.backend = .mysql }) { env in
            var settings = KitTests.configuration.mysql
            settings.database = env.databaseName
            let other = try await MySQLConnection.connect(settings)
            let first = env.connection
            async let a = first.batchInsert(into: "merchants", columns: ["name"], rows: merchantRows(4000, prefix: "a"), batchSize: 500)
            async let b = other.batchInsert(into: "merchants", columns: ["name"], rows: merchantRows(4000, prefix: "b"), batchSize: 500)
            let (idsA, idsB) = (try #require(try await a.generatedIDs), try #require(try await b.generatedIDs))
            await other.close()
            let stored = try await env.connection.all("SELECT id, name FROM merchants", [])
            let nameByID = try Dictionary(
                uniqueKeysWithValues: stored.map { (try $0.decode(Int64.self, "id"), try $0.decode(String.self, "name")) })
            #expect(idsA.enumerated().allSatisfy { nameByID[$0.element] == "a\($0.offset + 1)" })
            #expect(idsB.enumerated().allSatisfy { nameByID[$0.element] == "b\($0.offset + 1)" })
            #expect(Set(idsA).isDisjoint(with: idsB))
        }
    }
}
