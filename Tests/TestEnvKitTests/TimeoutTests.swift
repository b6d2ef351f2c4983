import TestEnvTestSupport
import Testing

@testable import TestEnvKit

@Suite struct TimeoutTests {
    @Test("A MySQL statement past its limit is stopped on the server with KILL QUERY; the connection stays usable", .mysqlServer)
    func mysqlKillQuery() async throws {
        let manager = KitTests.manager { $0.backend = .mysql }
        try await withIsolatedEnvironment(manager: manager) { env in
            #expect(env.backend == .mysql)
            let clock = ContinuousClock()
            let start = clock.now
            let error = await #expect(throws: TestEnvError.self) {
                try await env.withTimeout(.milliseconds(200)) { db in try await db.all("SELECT SLEEP(10)") }
            }
            let elapsed = clock.now - start
            #expect(error?.code == .timeout)
            #expect(elapsed < .seconds(3), "the caller waited \(elapsed) for a 200 ms limit")
            let processes = try await env.connection.get(
                "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO = 'SELECT SLEEP(10)'")
            let stillSleeping = try processes?.decode(Int.self, 0)
            #expect(stillSleeping == 0)
            let answer = try await env.connection.get("SELECT 41 + 1")?.decode(Int.self, 0)
            #expect(answer == 42)
        }
    }

    @Test("A SQLite statement past its limit is interrupted; the connection stays usable")
    func sqliteInterrupt() async throws {
        let manager = KitTests.manager { $0.backend = .sqlite }
        try await withIsolatedEnvironment(manager: manager) { env in
            let error = await #expect(throws: TestEnvError.self) {
                try await env.withTimeout(.milliseconds(200)) { db in
                    try await db.get("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT COUNT(*) FROM n")
                }
            }
            #expect(error?.code == .timeout)
            let answer = try await env.connection.get("SELECT 41 + 1")?.decode(Int.self, 0)
            #expect(answer == 42)
        }
    }

    @Test("Work that finishes within its limit returns its value")
    func withinLimit() async throws {
        try await withIsolatedEnvironment(manager: KitTests.manager()) { env in
            let value = try await env.withTimeout(.seconds(30)) { db in try await db.get("SELECT 7")?.decode(Int.self, 0) }
            #expect(value == 7)
        }
    }
}
