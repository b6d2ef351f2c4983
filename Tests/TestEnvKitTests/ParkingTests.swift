import Foundation
import TestEnvMySQL
import TestEnvTestSupport
import Testing

@testable import TestEnvKit

/// Pools that outlive their process: parked at a normal exit, claimed by the next process of the
/// same schema. Each test uses a schema of its own (`--tag`), so parked databases never cross tests.
@Suite(.mysqlServer, .serialized) struct ParkingTests {
    /// The tracking state of each of `names` (nil: no record).
    private func states(_ names: some Sequence<String>) async throws -> [String: String] {
        let admin = try await MySQLTestServer.connect()
        var states: [String: String] = [:]
        for name in names {
            states[name] = try await admin.get("SELECT state FROM \(DatabaseRegistry.table) WHERE db_name = ?", [.text(name)])?.decode(
                String.self, 0)
        }
        await admin.close()
        return states
    }

    /// `names` in the order claims take them: by their records' creation time, which parallel builds
    /// do not keep in the order of the names.
    private func claimOrder(of names: Set<String>) async throws -> [String] {
        guard !names.isEmpty else { return [] }
        let admin = try await MySQLTestServer.connect()
        let rows = try await admin.all(
            "SELECT db_name FROM \(DatabaseRegistry.table) WHERE db_name IN (\(SQLText.placeholders(names.count))) ORDER BY created_at",
            names.sorted().map(DatabaseValue.text))
        await admin.close()
        return try rows.map { try $0.decode(String.self, 0) }
    }

    /// Runs a helper that takes `count` environments of `tag`'s schema, gives them back and exits
    /// normally; returns the databases it parked. (A reset may drop a database instead of making it
    /// ready again — a closed test connection that lingers on a loaded server — so not every one is parked.)
    private func parkBy(tag: String, count: Int, environment: [String: String] = [:]) async throws -> Set<String> {
        let holder = try await HeldEnvironments.start(
            count: count, arguments: ["--release-and-exit", "--tag", tag], environment: environment)
        try await holder.waitForExit()
        return Set(try await states(holder.names).filter { $0.value == DatabaseRegistry.parkedState }.keys)
    }

    /// The schema fingerprints recorded for `names`.
    private func fingerprints(of names: some Sequence<String>) async throws -> Set<String> {
        let admin = try await MySQLTestServer.connect()
        var fingerprints: Set<String> = []
        for name in names {
            let row = try await admin.get("SELECT fingerprint FROM \(DatabaseRegistry.table) WHERE db_name = ?", [.text(name)])
            // Never "": a drain takes every fingerprint that starts with it.
            if let fingerprint = try row?.decode(String?.self, 0), !fingerprint.isEmpty { fingerprints.insert(fingerprint) }
        }
        await admin.close()
        return fingerprints
    }

    /// Drains the parked databases (and parked templates) of the schemas `names` belong to, then reaps.
    /// Only those schemas: a drain of every schema would also take what tests of other suites park meanwhile.
    private func reapEverything(_ names: Set<String>) async throws {
        let manager = KitTests.manager { $0.backend = .mysql }
        for fingerprint in try await fingerprints(of: names) {
            _ = try await manager.drainParkedDatabases(fingerprint: fingerprint)
        }
        _ = try await manager.reap(dryRun: false)
    }

    @Test("A normal exit parks the pool; the next process of the same schema claims those databases and builds none")
    func parkedDatabasesAreReused() async throws {
        let tag = "reuse\(UInt32.random(in: 0...UInt32.max))"
        let parked = try await parkBy(tag: tag, count: 3)
        try #require(!parked.isEmpty, "a normal exit should park the pool's ready databases")
        #expect(try await KitTests.existingDatabases(parked) == parked, "parked databases stay on the server")
        let next = try await HeldEnvironments.start(count: 3, arguments: ["--tag", tag])
        #expect(parked.isSubset(of: next.names), "the next process should claim the parked databases before it builds")
        #expect(Set(try await states(parked).values) == ["ready"], "claimed databases belong to their new owner")
        next.process.terminate()
        try await next.waitForExit()
        try await reapEverything(parked)
        #expect(try await KitTests.existingDatabases(parked).isEmpty)
    }

    @Test("A parked database changed while it waited is reset (rows) or dropped (schema) before a test gets it")
    func changedParkedDatabases() async throws {
        let tag = "tamper\(UInt32.random(in: 0...UInt32.max))"
        // Four, of which the first two (in the order claims take them) are changed: a reset on a loaded
        // machine may drop one instead of parking it, and two are needed.
        let parked = try await claimOrder(of: parkBy(tag: tag, count: 4))
        try #require(parked.count >= 2, "the databases should be parked")
        let written = try await MySQLTestServer.connect(database: parked[0])
        try await written.executeScript("INSERT INTO tag_\(tag) VALUES (7)")
        await written.close()
        let altered = try await MySQLTestServer.connect(database: parked[1])
        try await altered.executeScript("CREATE TABLE extra (id INT)")
        await altered.close()
        try await KitTests.waitUntilUnused([parked[0], parked[1]])
        let manager = KitTests.manager { $0.backend = .mysql }
        let schema = Schema(mysql: [.text("CREATE TABLE tag_\(tag) (id INT)", name: "tag.sql")])  // the helper's schema
        var environments: [IsolatedEnvironment] = []
        for _ in 0..<2 { environments.append(try await manager.createIsolatedEnvironment(schema: schema)) }
        for env in environments {
            let tables = try await env.connection.all("SHOW TABLES").map { try $0.decode(String.self, 0) }
            #expect(tables == ["tag_\(tag)"], "\(env.databaseName)")
            #expect(try await env.connection.get("SELECT COUNT(*) FROM tag_\(tag)")?.decode(Int.self, 0) == 0)
        }
        #expect(environments.contains { $0.databaseName == parked[0] }, "a parked database with rows written is reset and used")
        #expect(!environments.contains { $0.databaseName == parked[1] }, "a parked database whose schema changed is not used")
        #expect(try await KitTests.existingDatabases([parked[1]]).isEmpty, "and it is dropped")
        for env in environments { try await manager.cleanupEnvironment(env) }
        await manager.shutdown()
        try await reapEverything(Set(parked))
    }

    @Test("A claimed parked database compares only the reference tables written while it waited, and restores those")
    func claimedDatabasesCompareWrittenTables() async throws {
        let tag = "stamps\(UInt32.random(in: 0...UInt32.max))"
        let schema = Schema(mysql: [
            .text(
                """
                CREATE TABLE colour_\(tag) (id INT PRIMARY KEY, name VARCHAR(20));
                INSERT INTO colour_\(tag) VALUES (1, 'red'), (2, 'green');
                CREATE TABLE size_\(tag) (id INT PRIMARY KEY, name VARCHAR(20));
                INSERT INTO size_\(tag) VALUES (1, 'S'), (2, 'M');
                """, name: "reference.sql")
        ])
        let first = KitTests.manager { $0.backend = .mysql }
        let held = [try await first.createIsolatedEnvironment(schema: schema), try await first.createIsolatedEnvironment(schema: schema)]
        // InnoDB stamps tables in whole seconds: the resets' clock must be past the second the rows loaded in.
        try await Task.sleep(for: .milliseconds(1_100))
        for env in held { try await first.cleanupEnvironment(env) }
        await first.shutdown(parking: true)
        let parked = held.map(\.databaseName)
        try #require(try await states(parked).values.allSatisfy { $0 == DatabaseRegistry.parkedState }, "both should be parked")

        // Someone writes a reference table of one of them while it waits.
        let writer = try await MySQLTestServer.connect(database: parked[0])
        try await writer.executeScript("UPDATE colour_\(tag) SET name = 'blue' WHERE id = 1")
        await writer.close()

        let second = KitTests.manager { $0.backend = .mysql }
        let claimed = [
            try await second.createIsolatedEnvironment(schema: schema), try await second.createIsolatedEnvironment(schema: schema),
        ]
        #expect(Set(claimed.map(\.databaseName)) == Set(parked), "the next manager claims both")
        #expect(await second.referenceTablesChecksummed == 1, "only the table written since the database was ready is compared")
        for env in claimed {
            let colours = try await env.connection.all("SELECT name FROM colour_\(tag) ORDER BY id").map { try $0.decode(String.self, 0) }
            #expect(colours == ["red", "green"], "\(env.databaseName)")
            try await second.cleanupEnvironment(env)
        }
        await second.shutdown()
        try await reapEverything(Set(parked))
    }

    @Test("Two processes that start at once never claim the same parked database")
    func claimsAreExclusive() async throws {
        let tag = "race\(UInt32.random(in: 0...UInt32.max))"
        let parked = try await parkBy(tag: tag, count: 4)
        try #require(!parked.isEmpty)
        async let first = HeldEnvironments.start(count: 3, arguments: ["--tag", tag])
        async let second = HeldEnvironments.start(count: 3, arguments: ["--tag", tag])
        let (a, b) = try await (first, second)
        #expect(Set(a.names).isDisjoint(with: b.names), "two processes hold the same database")
        #expect(parked.isSubset(of: Set(a.names + b.names)), "every parked database should be claimed before any is built")
        for holder in [a, b] {
            holder.process.terminate()
            try await holder.waitForExit()
        }
        try await reapEverything(Set(a.names + b.names))
    }

    @Test("A changed schema never receives a database parked for another")
    func otherSchemaBuildsItsOwn() async throws {
        let tag = "first\(UInt32.random(in: 0...UInt32.max))"
        let parked = try await parkBy(tag: tag, count: 2)
        try #require(!parked.isEmpty)
        let other = try await HeldEnvironments.start(count: 2, arguments: ["--tag", tag + "changed"])
        #expect(Set(other.names).isDisjoint(with: parked))
        #expect(Set(try await states(parked).values) == [DatabaseRegistry.parkedState], "the other schema's databases stay parked")
        other.process.terminate()
        try await other.waitForExit()
        try await reapEverything(parked.union(other.names))
    }

    @Test("Parked databases go when their time to live ends; `pool drain` drops them at once")
    func timeToLiveAndDrain() async throws {
        let expiring = try await parkBy(tag: "ttl\(UInt32.random(in: 0...UInt32.max))", count: 2, environment: ["TEST_DB_PARK_TTL": "1"])
        let drained = try await parkBy(tag: "drain\(UInt32.random(in: 0...UInt32.max))", count: 2)
        try #require(!expiring.isEmpty && !drained.isEmpty)
        try await Task.sleep(for: .seconds(2))
        let manager = KitTests.manager { $0.backend = .mysql }
        // Reapers of parallel tests may get there first: what counts is that they are gone.
        _ = try await manager.reap(dryRun: false)
        #expect(try await KitTests.existingDatabases(expiring).isEmpty, "expired parked databases are reaped")
        #expect(try await KitTests.existingDatabases(drained) == drained, "unexpired parked databases are kept by the reaper")
        let status = try await manager.parkedDatabases()
        #expect(drained.isSubset(of: Set(status.map(\.database))))
        // Only this schema's: tests of other suites park databases meanwhile.
        let fingerprint = try #require(try await fingerprints(of: drained).first)
        let drain = try await testenv(["pool", "drain", "--fingerprint", fingerprint], environment: ["TEST_DB_TYPE": "mysql"])
        #expect(drain.status == 0)
        #expect(drain.output.contains("parked databases dropped"))
        #expect(try await KitTests.existingDatabases(drained).isEmpty)
        #expect(try await states(drained).isEmpty, "their records go too")
    }

    @Test("With parking off, a normal exit leaves nothing behind")
    func noParkingLeavesNothing() async throws {
        let holder = try await HeldEnvironments.start(
            count: 3, arguments: ["--release-and-exit", "--tag", "off\(UInt32.random(in: 0...UInt32.max))"],
            environment: ["TEST_DB_PARK_TTL": "0"])
        try await holder.waitForExit()
        let names = Set(holder.names)
        #expect(names.count >= 3)
        #expect(try await KitTests.existingDatabases(names).isEmpty)
        #expect(try await states(names).isEmpty)
    }
}
