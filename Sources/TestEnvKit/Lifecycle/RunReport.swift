import Foundation
import Synchronization

/// What a test process did with its environments, written when it exits: to the JSON file that
/// `TEST_DB_REPORT` names (`{pid}` in it becomes the process id), with a one-line summary on
/// standard error. `swift test` runs XCTest and Swift Testing in two processes, so without `{pid}`
/// the second one's report replaces the first's.
///
/// Every ``TestEnvironmentManager`` of the process contributes. The file's keys are stable:
///
/// ```json
/// {"backend": "mysql", "backends": {"mysql": 180}, "requested_backend": "mysql", "fallback_reason": null,
///  "environments": {"created": 180, "reused": 150, "recycled": 149, "discarded": 1, "removed": 178, "kept": 2, "by_fallback": 0},
///  "acquire_ms": {"count": 180, "p50": 0.9, "p99": 31.0},
///  "acquire_ms_by_mode": {"mysql fresh": {"count": 30, "p50": 24.0, "p99": 31.0}, "mysql pooled": {"count": 150, "p50": 0.8, "p99": 12.0}},
///  "admission_wait_ms": {"count": 40, "p50": 0.0, "p99": 120.0},
///  "slowest": [{"database": "test_…", "test": "signUp() (AppTests/SignUpTests.swift:12)", "acquire_ms": 31.0}],
///  "errors_by_kind": {"syntax": 1},
///  "kept": [{"database": "test_…", "access": "mariadb --host=… -p test_…"}],
///  "leak_check": {"ok": true, "live_environments": [], "pooled_not_dropped": [], "undroppable": []},
///  "pid": 4242, "finished_at": "2026-11-23T14:00:00Z"}
/// ```
///
/// `acquire_ms_by_mode` splits `acquire_ms` by backend and isolation mode (`pooled`, `fresh`,
/// `transaction`): a run's p50 is mostly that of its most common mode.
///
/// `leak_check.ok` is false when an environment was never cleaned up or the exit handler could
/// neither park nor drop a pooled database. `leak_check.undroppable` names databases the server
/// refused to drop (`errno 39`: a file it did not remove stayed in the directory), with its message:
/// their records stay, and the reaper tries again and says what to remove.
public struct RunReport: Sendable, Encodable {
    public struct Environments: Sendable, Encodable {
        public var created = 0
        public var reused = 0
        public var recycled = 0
        public var discarded = 0
        public var removed = 0
        public var kept = 0
        public var byFallback = 0

        enum CodingKeys: String, CodingKey {
            case created, reused, recycled, discarded, removed, kept
            case byFallback = "by_fallback"
        }
    }

    public struct Acquire: Sendable, Encodable {
        public var count = 0
        public var p50: Double = 0
        public var p99: Double = 0
    }

    public struct Slow: Sendable, Encodable {
        public let database: String
        /// The test that asked for it (`function (file:line)`, the Swift Testing test or the XCTest case), when known.
        public let test: String?
        public let acquireMilliseconds: Double

        enum CodingKeys: String, CodingKey {
            case database, test
            case acquireMilliseconds = "acquire_ms"
        }
    }

    public struct Kept: Sendable, Encodable {
        public let database: String
        public let access: String
    }

    public struct LeakCheck: Sendable, Encodable {
        public var ok: Bool { liveEnvironments.isEmpty && pooledNotDropped.isEmpty }
        public var liveEnvironments: [String] = []
        public var pooledNotDropped: [String] = []
        public var undroppable: [Undroppable] = []

        enum CodingKeys: String, CodingKey {
            case ok
            case liveEnvironments = "live_environments"
            case pooledNotDropped = "pooled_not_dropped"
            case undroppable
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(ok, forKey: .ok)
            try container.encode(liveEnvironments, forKey: .liveEnvironments)
            try container.encode(pooledNotDropped, forKey: .pooledNotDropped)
            try container.encode(undroppable, forKey: .undroppable)
        }
    }

    /// A database the server refused to drop, and what it said.
    public struct Undroppable: Sendable, Encodable {
        public let database: String
        public let reason: String
    }

    /// The backend most environments used; ``backends`` counts each.
    public var backend: String?
    public var backends: [String: Int] = [:]
    public var requestedBackend: String?
    public var fallbackReason: String?
    public var environments = Environments()
    public var acquire = Acquire()
    /// ``acquire`` per backend and isolation mode, keyed `"mysql pooled"`, `"sqlite fresh"` and so on.
    public var acquireByMode: [String: Acquire] = [:]
    /// How long requests waited for a place under the bound on environments held at once, before
    /// ``acquire`` began (see ``TestEnvConfiguration/maxConcurrentEnvironments``).
    public var admissionWait = Acquire()
    public var slowest: [Slow] = []
    public var errorsByKind: [String: Int] = [:]
    public var kept: [Kept] = []
    public var leakCheck = LeakCheck()
    public var pid = Int(ProcessInfo.processInfo.processIdentifier)
    public var finishedAt = ""

    enum CodingKeys: String, CodingKey {
        case backend, backends
        case requestedBackend = "requested_backend"
        case fallbackReason = "fallback_reason"
        case environments
        case acquire = "acquire_ms"
        case acquireByMode = "acquire_ms_by_mode"
        case admissionWait = "admission_wait_ms"
        case slowest
        case errorsByKind = "errors_by_kind"
        case kept
        case leakCheck = "leak_check"
        case pid
        case finishedAt = "finished_at"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(backend, forKey: .backend)  // null when no environment was asked for
        try container.encode(backends, forKey: .backends)
        try container.encode(requestedBackend, forKey: .requestedBackend)
        try container.encode(fallbackReason, forKey: .fallbackReason)
        try container.encode(environments, forKey: .environments)
        try container.encode(acquire, forKey: .acquire)
        try container.encode(acquireByMode, forKey: .acquireByMode)
        try container.encode(admissionWait, forKey: .admissionWait)
        try container.encode(slowest, forKey: .slowest)
        try container.encode(errorsByKind, forKey: .errorsByKind)
        try container.encode(kept, forKey: .kept)
        try container.encode(leakCheck, forKey: .leakCheck)
        try container.encode(pid, forKey: .pid)
        try container.encode(finishedAt, forKey: .finishedAt)
    }

    /// One line for standard error.
    public var summary: String {
        let used = backends.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        let fallback = fallbackReason.map { ", \(environments.byFallback) by fallback: \($0)" } ?? ""
        let errors =
            errorsByKind.isEmpty
            ? "no errors" : errorsByKind.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        let leaks = leakCheck.liveEnvironments.count + leakCheck.pooledNotDropped.count
        let modes = acquireByMode.sorted { ($1.value.count, $0.key) < ($0.value.count, $1.key) }.map {
            "\($0.key) \($0.value.count): p50 \(String(format: "%.2f", $0.value.p50)) ms"
        }
        let byMode = modes.count > 1 ? " [\(modes.joined(separator: ", "))]" : ""
        return
            "TestEnvKit: \(environments.created) environments (\(used.isEmpty ? "none" : used)\(fallback); \(environments.reused) from a pool), "
            + "acquire p50 \(String(format: "%.2f", acquire.p50)) ms p99 \(String(format: "%.2f", acquire.p99)) ms\(byMode) "
            + "(after waiting for a place: p50 \(String(format: "%.2f", admissionWait.p50)) ms), \(errors), "
            + "\(kept.count) kept, leak check \(leakCheck.ok ? "ok" : "FAILED: \(leaks) left")"
    }
}

/// Collects the process's ``RunReport`` from every manager and writes it at exit.
enum RunRecorder {
    private struct State {
        var statistics: [UUID: EnvironmentStatistics] = [:]
        var acquires: [(database: String, test: String?, mode: String, milliseconds: Double)] = []
        var admissionWaits: [Double] = []
        var backends: [String: Int] = [:]
        var requestedBackend: String?
        var fallbackReason: String?
        var kept: [RunReport.Kept] = []
        var live: Set<String> = []
        var pooledNotDropped: [String] = []
        var undroppable: [RunReport.Undroppable] = []
    }

    private static let state = Mutex(State())
    /// `{pid}` in the name becomes the process id, for runs of several test processes.
    private static let destination = ProcessInfo.processInfo.environment["TEST_DB_REPORT"].flatMap {
        $0.isEmpty ? nil : $0.replacingOccurrences(of: "{pid}", with: String(ProcessInfo.processInfo.processIdentifier))
    }
    /// Installed before any pool's exit handler, so it runs after them (exit handlers run in reverse).
    private static let installed: Bool = {
        if destination != nil { atexit { RunRecorder.write() } }
        return true
    }()

    static func install() { _ = installed }

    static func update(_ manager: UUID, _ statistics: EnvironmentStatistics) {
        state.withLock { $0.statistics[manager] = statistics }
    }

    /// `duration`: from admission to a ready environment; `waited`: for admission before that.
    static func acquired(_ environment: IsolatedEnvironment, after duration: Duration, waited: Duration) {
        let milliseconds = { (duration: Duration) in
            Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        }
        state.withLock { state in
            let mode = "\(environment.backend.rawValue) \(environment.isolation.rawValue)"
            state.acquires.append((environment.databaseName, environment.label, mode, milliseconds(duration)))
            state.admissionWaits.append(milliseconds(waited))
            state.backends[environment.backend.rawValue, default: 0] += 1
            state.requestedBackend = environment.requestedBackend.rawValue
            state.fallbackReason = environment.fallbackReason ?? state.fallbackReason
            state.live.insert(environment.id.uuidString + " " + environment.databaseName)
        }
    }

    static func released(_ environment: IsolatedEnvironment) {
        _ = state.withLock { $0.live.remove(environment.id.uuidString + " " + environment.databaseName) }
    }

    static func kept(_ kept: KeptEnvironment) {
        state.withLock { $0.kept.append(RunReport.Kept(database: kept.database, access: kept.access)) }
    }

    static func undroppable(_ database: String, reason: String) {
        state.withLock { $0.undroppable.append(RunReport.Undroppable(database: database, reason: reason)) }
    }

    static func pooledNotDropped(_ names: [String]) {
        state.withLock { $0.pooledNotDropped += names }
    }

    /// The report as of now.
    static func report() -> RunReport {
        state.withLock { state in
            var report = RunReport()
            report.backends = state.backends
            report.backend = state.backends.max { $0.value < $1.value }?.key
            report.requestedBackend = state.requestedBackend
            report.fallbackReason = state.fallbackReason
            for statistics in state.statistics.values {
                report.environments.created += statistics.created
                report.environments.reused += statistics.reused
                report.environments.recycled += statistics.recycled
                report.environments.discarded += statistics.discarded
                report.environments.removed += statistics.removed
                report.environments.kept += statistics.kept
                report.environments.byFallback += statistics.createdByFallback
                report.errorsByKind.merge(statistics.errorsByKind, uniquingKeysWith: +)
            }
            report.acquire = distribution(state.acquires.map(\.milliseconds))
            report.acquireByMode = Dictionary(grouping: state.acquires, by: \.mode).mapValues { distribution($0.map(\.milliseconds)) }
            report.admissionWait = distribution(state.admissionWaits)
            report.slowest = state.acquires.sorted { $0.milliseconds > $1.milliseconds }.prefix(5).map {
                RunReport.Slow(database: $0.database, test: $0.test, acquireMilliseconds: $0.milliseconds)
            }
            report.kept = state.kept
            report.leakCheck.liveEnvironments = state.live.map { String($0.split(separator: " ").last ?? "") }.sorted()
            report.leakCheck.pooledNotDropped = state.pooledNotDropped.sorted()
            report.leakCheck.undroppable = state.undroppable
            report.finishedAt = ISO8601DateFormatter().string(from: Date())
            return report
        }
    }

    private static func distribution(_ milliseconds: [Double]) -> RunReport.Acquire {
        let sorted = milliseconds.sorted()
        return RunReport.Acquire(count: sorted.count, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99))
    }

    private static func percentile(_ sorted: [Double], _ fraction: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        return sorted[max(0, min(sorted.count - 1, Int((Double(sorted.count) * fraction).rounded(.up)) - 1))]
    }

    private static func write() {
        guard let destination else { return }
        let report = report()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        if let data = try? encoder.encode(report) {
            _ = FileManager.default.createFile(atPath: destination, contents: data)
        }
        FileHandle.standardError.write(Data((report.summary + " (report: \(destination))\n").utf8))
    }
}
