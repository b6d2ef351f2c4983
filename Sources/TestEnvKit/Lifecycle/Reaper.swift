import TestEnvCore
import TestEnvMySQL

/// What the reaper decided about one recorded database, and why.
public struct ReaperDecision: Sendable, Hashable, Codable {
    /// The database's name.
    public let database: String
    /// The host and process that created it.
    public let owner: String
    /// `remove` or `keep`.
    public let action: String
    /// Why, in words.
    public let reason: String
}

/// Removes databases whose owner is gone, and only those.
///
/// A database is removed only when all of these hold: its name is `test_` and 32 hex digits; it has
/// a record in the tracking table (a `test_` database without one is never touched); its owner is
/// gone — on this host the process no longer runs, on another host its lease has expired — and no
/// connection uses it. Then the database is dropped and its record deleted.
enum Reaper {
    /// Decides what to do with every recorded database; with `apply`, removes those it may.
    static func run(admin: MySQLConnection, registry: DatabaseRegistry, apply: Bool) async throws -> [ReaperDecision] {
        try await registry.ensureTable(admin)
        let records = try await admin.all(
            "SELECT db_name, host, pid, process_start, state, lease_until < NOW(6) AS expired, DATE_FORMAT(lease_until, '%Y-%m-%d %H:%i:%s') AS lease FROM \(DatabaseRegistry.table) ORDER BY db_name",
            [])
        let inUse = Set(
            try await admin.all("SELECT DISTINCT DB FROM information_schema.PROCESSLIST WHERE DB LIKE 'test\\_%'", []).map {
                try $0.decode(String.self, 0)
            })
        var decisions: [ReaperDecision] = []
        for record in records {
            let decision = try decide(record, inUse: inUse, here: registry.owner.host)
            if apply, decision.action == "remove" {
                try await admin.executeScript("DROP DATABASE IF EXISTS \(DatabaseName.quoted(decision.database))")
                try await registry.unregister(decision.database, admin)
            }
            decisions.append(decision)
        }
        return decisions
    }

    private static func decide(_ record: Row, inUse: Set<String>, here: String) throws -> ReaperDecision {
        let name = try record.decode(String.self, "db_name")
        let host = try record.decode(String.self, "host")
        let pid = try record.decode(Int32.self, "pid")
        let owner = "\(host) pid \(pid)"
        func decision(_ action: String, _ reason: String) -> ReaperDecision {
            ReaperDecision(database: name, owner: owner, action: action, reason: reason)
        }
        guard DatabaseName.isValid(name) else { return decision("keep", "the name is not one TestEnvKit creates") }
        guard !inUse.contains(name) else { return decision("keep", "a connection is using it") }
        let lease = try record.decode(String.self, "lease")
        if try record.decode(String.self, "state") == "kept" {
            return try record.decode(Bool.self, "expired")
                ? decision("remove", "it was kept after a failed test, and its time to live ended at \(lease)")
                : decision("keep", "it was kept after a failed test, until \(lease)")
        }
        if host == here, let alive = ProcessIdentity.isAlive(pid: pid, startTicks: try record.decode(Int64.self, "process_start")) {
            return alive ? decision("keep", "its owner is running") : decision("remove", "its owner, process \(pid) on this host, is gone")
        }
        return try record.decode(Bool.self, "expired")
            ? decision("remove", "its owner on \(host) let the lease expire at \(lease)")
            : decision("keep", "its owner on \(host) holds the lease until \(lease)")
    }
}
