import TestEnvCore
import TestEnvMySQL

/// What the reaper decided about one recorded database, and why.
public struct ReaperDecision: Sendable, Hashable, Codable {
    /// The database's name.
    public let database: String
    /// The host and process that created it.
    public let owner: String
    /// `remove`, `keep`, or `failed` (it was to be removed, and dropping it failed: ``reason`` says why and what to do).
    public let action: String
    /// Why, in words.
    public let reason: String
    /// Whether the database exists on the server; false for a tracking row whose database is
    /// already gone (a crash between the drop and the row's delete): only the row is removed.
    public var databaseExists = true
}

/// Removes databases whose owner is gone, and only those.
///
/// A database is removed only when all of these hold: its name is `test_` and 32 hex digits; it has
/// our record — a row in the tracking table, or, where a server crash lost that row, the owner
/// written into the database's own comment at creation (a `test_` database with neither is never
/// touched); its owner is gone — on this host the process no longer runs, on another host its
/// lease has expired — and no connection uses it. Then the database is dropped and its record deleted.
/// A database a process parked for the next run stays until its time to live ends, or while more
/// than the cap are parked for its schema (the oldest go first).
///
/// One database that cannot be dropped (a lock held, a stray file, a missing privilege) is reported
/// with the reason and skipped: the reaper goes on with the rest.
enum Reaper {
    /// One recorded database, from the tracking table or from its comment.
    struct Record {
        let name: String
        let host: String
        let pid: Int32
        let startTicks: Int64
        let state: String
        let expired: Bool
        let lease: String
        var fingerprint: String? = nil
        /// Whether a tracking row stands behind it (not only the database's comment).
        var isTracked = true
    }

    /// Decides what to do with every recorded database; with `apply`, removes those it may.
    ///
    /// `admin` should carry a short `lock_wait_timeout`: a drop that waits for a lock fails soon
    /// and is reported, instead of holding up the run. `parkedCap`: the most parked databases kept per schema.
    static func run(
        admin: MySQLConnection, registry: DatabaseRegistry, apply: Bool, parkedCap: Int = .max,
        progress: (@Sendable (Int, Int) -> Void)? = nil
    ) async throws -> [ReaperDecision] {
        try await registry.ensureTable(admin)
        var records = try await admin.all(
            "SELECT db_name, host, pid, process_start, state, lease_until < NOW(6) AS expired, DATE_FORMAT(lease_until, '%Y-%m-%d %H:%i:%s') AS lease, fingerprint FROM \(DatabaseRegistry.table) ORDER BY lease_until DESC, db_name",
            []
        ).map {
            Record(
                name: try $0.decode(String.self, "db_name"), host: try $0.decode(String.self, "host"),
                pid: try $0.decode(Int32.self, "pid"),
                startTicks: try $0.decode(Int64.self, "process_start"), state: try $0.decode(String.self, "state"),
                expired: try $0.decode(Bool.self, "expired"), lease: try $0.decode(String.self, "lease"),
                fingerprint: try $0.decode(String?.self, "fingerprint"))
        }
        let tracked = Set(records.map(\.name))
        records += try await commentRecords(admin, lease: registry.lease).filter { !tracked.contains($0.name) }
        let inUse = try await databasesInUse(admin)
        let existing = Set(
            try await admin.all("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'test\\_%'", []).map {
                try $0.decode(String.self, 0)
            })
        var decisions: [ReaperDecision] = []
        var parkedPerSchema: [String: Int] = [:]
        for record in records {
            var decision = decide(record, inUse: inUse, here: registry.owner.host)
            if record.isParked, decision.action == "keep" {
                // Newest first: the oldest beyond the cap go.
                parkedPerSchema[record.fingerprint ?? "", default: 0] += 1
                if parkedPerSchema[record.fingerprint ?? "", default: 0] > parkedCap {
                    decision = ReaperDecision(
                        database: record.name, owner: decision.owner, action: "remove",
                        reason: "more than \(parkedCap) databases are parked for its schema, and it is among the oldest")
                }
            }
            if apply, decision.action == "remove" {
                decision = await remove(record, decision, admin: admin, registry: registry)
            }
            decision.databaseExists = existing.contains(record.name)
            decisions.append(decision)
            progress?(decisions.count, records.count)
        }
        return decisions
    }

    /// Drops every parked database (of `fingerprint`, or of every schema): what `testenv pool drain` does.
    static func drainParked(fingerprint: String?, admin: MySQLConnection, registry: DatabaseRegistry) async throws -> [ReaperDecision] {
        try await registry.ensureTable(admin)
        var decisions: [ReaperDecision] = []
        for parked in try await ParkedDatabase.list(admin) where fingerprint == nil || parked.fingerprint.hasPrefix(fingerprint ?? "") {
            let record = Record(
                name: parked.database, host: "", pid: 0, startTicks: 0, state: parked.state, expired: false, lease: parked.parkedUntil,
                fingerprint: parked.fingerprint)
            let decision = ReaperDecision(
                database: parked.database, owner: "parked", action: "remove", reason: "the parked databases are drained")
            decisions.append(await remove(record, decision, admin: admin, registry: registry))
        }
        return decisions
    }

    /// Drops the database and then its record; a failure becomes a `failed` decision that says why.
    static func remove(
        _ record: Record, _ decision: ReaperDecision, admin: MySQLConnection, registry: DatabaseRegistry
    ) async -> ReaperDecision {
        do {
            // The decision came from a snapshot: a record changed since (parked by its exiting owner,
            // claimed by another process) is left alone, and a process claiming at this moment wins or loses cleanly.
            if record.isTracked, try await !registry.markReaping(record.name, from: record.state, admin) {
                return ReaperDecision(
                    database: record.name, owner: decision.owner, action: "keep", reason: "its record changed while the reaper decided")
            }
            // Known by its comment only: the records were read before its owner registered it (a record
            // always comes before the database), so the owner may have parked it since. Its record decides.
            if !record.isTracked, try await registry.state(of: record.name, admin) != nil {
                return ReaperDecision(
                    database: record.name, owner: decision.owner, action: "keep", reason: "its record appeared while the reaper decided")
            }
            try await DatabaseDrop.run(record.name, admin: admin)
            try await registry.unregister(record.name, admin)
            return decision
        } catch let error as any DatabaseDriverError where error.kind == .lockWaitTimeout {
            // Someone holds a lock on it (a transaction that named one of its tables): in use, so left for a later run.
            return ReaperDecision(
                database: record.name, owner: decision.owner, action: "keep",
                reason: "a connection holds a lock on it (\(error.message)); a later run removes it once that connection ends")
        } catch {
            let message = (error as? any DatabaseDriverError)?.message ?? "\(error)"
            let advice =
                message.contains("errno: 39")
                ? "the server left a file in the database's directory (a trigger file ending in TRG- from an interrupted CREATE TRIGGER, for example); remove it from the server's data directory, then run `testenv gc`"
                : message.contains("ock wait") || message.contains("ock_wait")
                    ? "a connection holds a lock on it; end that connection (SHOW PROCESSLIST), then run `testenv gc`"
                    : "run `testenv gc` again, or drop it by hand"
            return ReaperDecision(
                database: record.name, owner: decision.owner, action: "failed",
                reason: "\(decision.reason), but dropping it failed: \(message); \(advice)")
        }
    }

    /// Test databases a connection uses: as its default database, or — where the server tells
    /// (MariaDB's `metadata_lock_info` plugin, MySQL's `performance_schema`) — through a metadata
    /// lock, which a transaction that named `test_x.t` without `USE` holds.
    static func databasesInUse(_ admin: MySQLConnection) async throws -> Set<String> {
        var names = Set(
            try await admin.all("SELECT DISTINCT DB FROM information_schema.PROCESSLIST WHERE DB LIKE 'test\\_%'", []).map {
                try $0.decode(String.self, 0)
            })
        for query in [
            "SELECT DISTINCT TABLE_SCHEMA FROM information_schema.METADATA_LOCK_INFO WHERE TABLE_SCHEMA LIKE 'test\\_%'",
            "SELECT DISTINCT OBJECT_SCHEMA FROM performance_schema.metadata_locks WHERE OBJECT_SCHEMA LIKE 'test\\_%'",
        ] {
            // Either source may be missing (no plugin, performance_schema off): the drop's one-second lock wait still protects.
            guard let rows = try? await admin.all(query, []) else { continue }
            names.formUnion(rows.compactMap { try? $0.decode(String.self, 0) })
        }
        return names
    }

    /// Databases whose tracking row is gone but whose comment names their owner (MariaDB only).
    private static func commentRecords(_ admin: MySQLConnection, lease: Duration) async throws -> [Record] {
        guard DatabaseOwnerComment.isSupported(by: admin.serverVersion) else { return [] }
        let rows = try await admin.all(
            """
            SELECT SCHEMA_NAME, SCHEMA_COMMENT, UNIX_TIMESTAMP() FROM information_schema.SCHEMATA
            WHERE SCHEMA_NAME LIKE 'test\\_%' AND SCHEMA_COMMENT LIKE 'testenv %'
            """, [])
        return try rows.compactMap { row in
            guard let owner = DatabaseOwnerComment(parsing: try row.decode(String.self, 1)) else { return nil }
            let until = owner.created + max(1, lease.components.seconds)
            return Record(
                name: try row.decode(String.self, 0), host: owner.host, pid: owner.pid, startTicks: owner.startTicks, state: "ready",
                expired: until < (try row.decode(Int64.self, 2)), lease: "\(until) (Unix time; from the database's comment)",
                isTracked: false)
        }
    }

    private static func decide(_ record: Record, inUse: Set<String>, here: String) -> ReaperDecision {
        let (name, host, pid, lease) = (record.name, record.host, record.pid, record.lease)
        func decision(_ action: String, _ reason: String) -> ReaperDecision {
            ReaperDecision(database: name, owner: "\(host) pid \(pid)", action: action, reason: reason)
        }
        guard DatabaseName.isValid(name) else { return decision("keep", "the name is not one TestEnvKit creates") }
        guard !inUse.contains(name) else { return decision("keep", "a connection is using it") }
        if record.isParked {
            return record.expired
                ? decision("remove", "it was parked for the next run of its schema, and its time to live ended at \(lease)")
                : decision("keep", "it is parked for the next run of its schema, until \(lease)")
        }
        if record.state == "kept" {
            return record.expired
                ? decision("remove", "it was kept after a failed test, and its time to live ended at \(lease)")
                : decision("keep", "it was kept after a failed test, until \(lease)")
        }
        if host == here, let alive = ProcessIdentity.isAlive(pid: pid, startTicks: record.startTicks) {
            return alive ? decision("keep", "its owner is running") : decision("remove", "its owner, process \(pid) on this host, is gone")
        }
        return record.expired
            ? decision("remove", "its owner on \(host) let the lease expire at \(lease)")
            : decision("keep", "its owner on \(host) holds the lease until \(lease)")
    }
}

/// A pooled database a process parked at exit for the next run of its schema.
public struct ParkedDatabase: Sendable, Hashable, Codable {
    /// The database's name.
    public let database: String
    /// The fingerprint of the schema it holds (64 hex digits).
    public let fingerprint: String
    /// `parked`, or `parked_template` for a database that holds the schema's reference rows for resets.
    public let state: String
    /// The version of TestEnvKit that parked it; only the same version claims it.
    public let libraryVersion: String
    /// When the reaper removes it if no run claims it (server time, `YYYY-MM-DD HH:MM:SS`).
    public let parkedUntil: String

    static func list(_ admin: MySQLConnection) async throws -> [ParkedDatabase] {
        try await admin.all(
            """
            SELECT db_name, COALESCE(fingerprint, ''), state, COALESCE(library_version, ''), DATE_FORMAT(lease_until, '%Y-%m-%d %H:%i:%s')
            FROM \(DatabaseRegistry.table) WHERE state IN (?, ?) ORDER BY fingerprint, lease_until
            """, [.text(DatabaseRegistry.parkedState), .text(DatabaseRegistry.parkedTemplateState)]
        ).map {
            ParkedDatabase(
                database: try $0.decode(String.self, 0), fingerprint: try $0.decode(String.self, 1), state: try $0.decode(String.self, 2),
                libraryVersion: try $0.decode(String.self, 3), parkedUntil: try $0.decode(String.self, 4))
        }
    }
}

extension Reaper.Record {
    var isParked: Bool { state == DatabaseRegistry.parkedState || state == DatabaseRegistry.parkedTemplateState }
}

/// The owner written into a database's comment when it is created (MariaDB), so the database stays
/// identifiable when a crash of a server with relaxed durability loses its tracking row: DDL is
/// durable there, recent commits are not. `testenv host=<host> pid=<pid> start=<ticks> created=<unix>`.
struct DatabaseOwnerComment {
    let host: String
    let pid: Int32
    let startTicks: Int64
    let created: Int64

    init(_ owner: ProcessIdentity, created: Int64) {
        host = owner.host
        pid = owner.pid
        startTicks = owner.startTicks
        self.created = created
    }

    init?(parsing comment: String) {
        var fields: [Substring: Substring] = [:]
        for part in comment.split(separator: " ").dropFirst() {
            guard let equals = part.firstIndex(of: "=") else { continue }
            fields[part[..<equals]] = part[part.index(after: equals)...]
        }
        guard comment.hasPrefix("testenv "), let host = fields["host"], let pid = fields["pid"].flatMap({ Int32($0) }),
            let start = fields["start"].flatMap({ Int64($0) }), let created = fields["created"].flatMap({ Int64($0) })
        else { return nil }
        self.host = String(host)
        self.pid = pid
        self.startTicks = start
        self.created = created
    }

    /// Database comments exist on MariaDB 10.5 and later.
    static func isSupported(by serverVersion: String) -> Bool {
        guard serverVersion.contains("MariaDB") else { return false }
        let numbers = serverVersion.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
        guard numbers.count == 2 else { return false }
        return (numbers[0], numbers[1]) >= (10, 5)
    }

    /// The `COMMENT '…'` clause; host names carry no quotes, but any are dropped to be sure.
    var clause: String {
        let safeHost = host.filter { $0 != "'" && $0 != "\\" && $0 != " " }
        return "COMMENT 'testenv host=\(safeHost) pid=\(pid) start=\(startTicks) created=\(created)'"
    }
}
