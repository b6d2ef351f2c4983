import Foundation
import TestEnvTestSupport
import Testing

@testable import TestEnvKit

@Suite(.mysqlServer) struct DoctorCommandTests {
    /// Runs `testenv doctor --json` with MySQL asked for, fallback allowed (CI unset), and `changes`.
    private func doctor(_ changes: [String: String?] = [:]) async throws -> (
        status: Int32, checks: [String: [String: Any]], report: [String: Any]
    ) {
        var environment: [String: String?] = ["TEST_DB_TYPE": "mysql", "CI": nil, "TEST_DB_REQUIRE": nil]
        environment.merge(changes) { $1 }
        let run = try await testenv(["doctor", "--json"], environment: environment)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any], "\(run.error)")
        let checks = try #require(report["checks"] as? [[String: Any]])
        var byName: [String: [String: Any]] = [:]
        for check in checks { byName[check["name"] as? String ?? "?"] = check }
        return (run.status, byName, report)
    }

    @Test("doctor on a healthy server: every check passes and the exit status is 0")
    func healthy() async throws {
        let (status, checks, report) = try await doctor()
        #expect(status == 0)
        for name in ["configuration", "server reachable", "credentials", "server", "privileges", "boundary", "SQLite", "fallback"] {
            #expect(checks[name]?["status"] as? String == "ok", "\(name): \(checks[name] ?? [:])")
        }
        // Other tests kill processes that hold databases, so orphans may exist right now; they never fail a run.
        #expect(["ok", "failed"].contains(checks["orphaned environments"]?["status"] as? String ?? ""))
        #expect(report["would_fail"] as? Bool == false)
        #expect(report["would_fall_back"] as? Bool == false)
        #expect((checks["configuration"]?["detail"] as? String)?.contains("TEST_DB_PASSWORD set (not shown)") == true)
        #expect((checks["server"]?["detail"] as? String)?.contains("max_connections") == true)
        #expect((checks["boundary"]?["detail"] as? String)?.contains("testenv_sandbox") == true)
    }

    @Test("doctor with a closed port: the server check fails with a fix, and tests would fall back (exit 1)")
    func closedPort() async throws {
        let (status, checks, report) = try await doctor(["TEST_DB_HOST": "127.0.0.1", "TEST_DB_PORT": "1", "TEST_DB_SOCKET": nil])
        #expect(status == 1)
        #expect(checks["server reachable"]?["status"] as? String == "failed")
        #expect((checks["server reachable"]?["fix"] as? String)?.contains("testenv server start") == true)
        #expect(checks["fallback"]?["status"] as? String == "failed")
        #expect(report["would_fall_back"] as? Bool == true)
        let required = try await doctor(["TEST_DB_PORT": "1", "TEST_DB_SOCKET": nil, "TEST_DB_REQUIRE": "1"])
        #expect(required.status == 1)
        #expect(required.report["would_fail"] as? Bool == true)
    }

    @Test("doctor with a wrong password: the credentials check fails, never a fallback, and the password is not printed")
    func wrongPassword() async throws {
        let run = try await testenv(
            ["doctor"], environment: ["TEST_DB_TYPE": "mysql", "CI": nil, "TEST_DB_PASSWORD": "not-the-password-42"])
        #expect(run.status == 1)
        #expect(run.output.contains("✗ credentials"))
        #expect(run.output.contains("fix: check TEST_DB_USER and TEST_DB_PASSWORD"))
        #expect(!run.output.contains("not-the-password-42"))
        #expect(!run.output.contains("would run on SQLite"), "doctor must agree with the library: wrong credentials never fall back")
        let (_, checks, report) = try await doctor(["TEST_DB_PASSWORD": "not-the-password-42"])
        #expect(checks["credentials"]?["status"] as? String == "failed")
        #expect(
            (checks["fallback"]?["detail"] as? String)?.contains("never") == true
                || (checks["fallback"]?["detail"] as? String)?.contains("instead of falling back") == true)
        #expect(report["would_fail"] as? Bool == true)
        #expect(report["would_fall_back"] as? Bool == false)
    }

    @Test("doctor with a user without CREATE: the privileges check fails with the GRANT to run")
    func userWithoutCreate() async throws {
        let admin = try await MySQLTestServer.connect()
        let user = "testenv_doctor_\(UUID().uuidString.prefix(8).lowercased())"
        let password = UUID().uuidString
        try await admin.executeScript("CREATE USER '\(user)'@'%' IDENTIFIED BY '\(password)'; GRANT SELECT ON *.* TO '\(user)'@'%'")
        let result = await capture { try await doctor(["TEST_DB_USER": user, "TEST_DB_PASSWORD": password, "TEST_DB_SOCKET": nil]) }
        try await admin.executeScript("DROP USER '\(user)'@'%'")
        await admin.close()
        let (status, checks, report) = try result.get()
        #expect(status == 1)
        #expect(checks["credentials"]?["status"] as? String == "ok")
        #expect(checks["privileges"]?["status"] as? String == "failed")
        #expect((checks["privileges"]?["fix"] as? String)?.contains("GRANT CREATE") == true)
        #expect(report["would_fail"] as? Bool == true)
    }
}
