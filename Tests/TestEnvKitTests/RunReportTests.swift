import Foundation
import TestEnvKitTesting
import Testing

@testable import TestEnvKit

@Suite struct RunReportTests {
    @Test("The run report counts this process's environments and encodes the documented keys")
    func inProcessShape() async throws {
        let manager = KitTests.manager()
        let mode = try await withIsolatedEnvironment(manager: manager) { env in "\(env.backend.rawValue) \(env.isolation.rawValue)" }
        let report = RunRecorder.report()
        #expect(report.environments.created >= 1)
        #expect(report.acquire.count >= 1)
        #expect(report.acquireByMode.values.map(\.count).reduce(0, +) == report.acquire.count, "the modes split every acquire")
        #expect(report.acquireByMode[mode] != nil, "\(report.acquireByMode.keys.sorted())")
        let object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(report)) as? [String: Any])
        #expect(Set(object.keys) == RunReportTests.keys)
        #expect(report.summary.hasPrefix("TestEnvKit: "))
    }

    static let keys: Set<String> = [
        "backend", "backends", "requested_backend", "fallback_reason", "environments", "acquire_ms", "acquire_ms_by_mode",
        "admission_wait_ms",
        "slowest",
        "errors_by_kind", "kept",
        "leak_check", "pid", "finished_at",
    ]

    /// scripts/test.sh writes a report with the full MySQL run, then runs this with the file's path.
    @Test(
        "The report the CI run wrote has the documented shape and passes its leak check",
        .enabled(if: ProcessInfo.processInfo.environment["TESTENV_VALIDATE_REPORT"] != nil, "set by scripts/test.sh after the MySQL run"))
    func reportFileOfTheRun() throws {
        let path = try #require(ProcessInfo.processInfo.environment["TESTENV_VALIDATE_REPORT"])
        let data = try #require(FileManager.default.contents(atPath: path), "no report at \(path)")
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(object.keys) == RunReportTests.keys)
        let environments = try #require(object["environments"] as? [String: Int])
        #expect(Set(environments.keys) == ["created", "reused", "recycled", "discarded", "removed", "kept", "by_fallback"])
        #expect(environments["created"] ?? 0 >= 100, "the MySQL run creates hundreds of environments")
        #expect(object["backend"] as? String == "mysql")
        let acquire = try #require(object["acquire_ms"] as? [String: Any])
        #expect(Set(acquire.keys) == ["count", "p50", "p99"])
        let byMode = try #require(object["acquire_ms_by_mode"] as? [String: [String: Any]])
        #expect(byMode["mysql pooled"] != nil && byMode["mysql fresh"] != nil, "\(byMode.keys.sorted())")
        #expect(byMode.values.map { $0["count"] as? Int ?? 0 }.reduce(0, +) == acquire["count"] as? Int, "the modes split every acquire")
        let leakCheck = try #require(object["leak_check"] as? [String: Any])
        #expect(leakCheck["ok"] as? Bool == true, "leak check: \(leakCheck)")
        #expect((leakCheck["live_environments"] as? [String])?.isEmpty == true)
        #expect((leakCheck["pooled_not_dropped"] as? [String])?.isEmpty == true)
    }

    @Test("An environment knows the test that asked for it, and the run report's slowest entries name it")
    func environmentsNameTheirTest() async throws {
        let label = try await withIsolatedEnvironment(manager: KitTests.manager()) { env in env.label }
        #expect(label?.contains("environmentsNameTheirTest()") == true, "\(String(describing: label))")
        #expect(label?.contains("RunReportTests.swift:") == true)
        let slow = RunReport.Slow(database: "test_x", test: label, acquireMilliseconds: 1)
        let json = String(decoding: try JSONEncoder().encode(slow), as: UTF8.self)
        #expect(json.contains("\"test\""))
    }

    @Test("With the trait, the environment is named after the test", .isolatedDatabase())
    func traitNamesTheTest() throws {
        let env = try IsolatedEnvironment.requireCurrent()
        #expect(env.label?.contains("traitNamesTheTest") == true, "\(String(describing: env.label))")
    }
}
