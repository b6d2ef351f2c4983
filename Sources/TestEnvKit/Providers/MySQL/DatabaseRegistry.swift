import Foundation
import TestEnvCore
import TestEnvMySQL

/// The server-side record of every database TestEnvKit creates, in `testenv_tracking._testenv_databases`.
///
/// A row is written *before* `CREATE DATABASE` and deleted *after* `DROP DATABASE`, so a crash at
/// any point leaves either nothing or a record the reaper can act on. It lives on the server, not
/// in a local file, because the server is what every process and CI shard using it shares, and it
/// survives the crash of any of them.
struct DatabaseRegistry: Sendable {
    static let table = "`testenv_tracking`.`_testenv_databases`"
    /// The state of a ready pooled database its process parked at exit for the next one.
    static let parkedState = "parked"
    /// The state of a parked template (a database that holds a schema's reference rows for resets).
    static let parkedTemplateState = "parked_template"
    /// Parked databases are claimed only by the same version: a newer one may reset differently.
    static let libraryVersion = "testenvkit-2"

    let owner: ProcessIdentity
    let lease: Duration

    private var leaseSeconds: Int64 { max(1, lease.components.seconds) }

    func ensureTable(_ admin: MySQLConnection) async throws {
        try await admin.executeScript(
            """
            CREATE DATABASE IF NOT EXISTS `testenv_tracking`;
            CREATE TABLE IF NOT EXISTS \(Self.table) (
                db_name VARCHAR(64) NOT NULL PRIMARY KEY,
                host VARCHAR(255) NOT NULL,
                pid INT NOT NULL,
                process_start BIGINT NOT NULL,
                created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
                lease_until DATETIME(6) NOT NULL,
                state VARCHAR(16) NOT NULL,
                fingerprint CHAR(64) NULL,
                library_version VARCHAR(32) NULL,
                ready_at BIGINT NULL
            ) ENGINE = InnoDB
            """)
        // Tables of earlier versions get the newer columns (MySQL has no ADD COLUMN IF NOT EXISTS).
        let columns = Set(
            try await admin.all(
                "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'testenv_tracking' AND TABLE_NAME = '_testenv_databases'",
                []
            ).map { try $0.decode(String.self, 0).lowercased() })
        for (column, type) in [("fingerprint", "CHAR(64)"), ("library_version", "VARCHAR(32)"), ("ready_at", "BIGINT")]
        where !columns.contains(column) {
            do {
                try await admin.executeScript("ALTER TABLE \(Self.table) ADD COLUMN \(column) \(type) NULL")
            } catch let error as MySQLError where error.code == .duplicateColumnName {
                // Duplicate column: another process upgraded the table between the read and the ALTER.
            }
        }
    }

    /// Claims one database parked for `fingerprint` by this library version, and makes this
    /// process its owner: nil when none is parked. Atomic across processes: the `UPDATE` locks the
    /// row it changes, and a concurrent claim that waited for it finds it no longer parked and
    /// moves on. A user variable of a name used once carries the claimed name back, with the
    /// server's clock when the parking process last made the database ready (`ready_at`; nil when
    /// it did not know), for the ``ChangeBaseline`` of its first reset here.
    func claimParked(fingerprint: SchemaFingerprint, template: Bool, _ admin: MySQLConnection) async throws -> (
        name: String, readyAt: Int64?
    )? {
        let variable = "@testenv_claim_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())"
        let claimed = try await admin.run(
            """
            UPDATE \(Self.table) SET db_name = (\(variable) := db_name), state = 'ready', host = ?, pid = ?, process_start = ?,
                lease_until = NOW(6) + INTERVAL ? SECOND
            WHERE state = ? AND fingerprint = ? AND library_version = ? AND lease_until > NOW(6)
            ORDER BY created_at LIMIT 1
            """,
            [
                .text(owner.host), .integer(Int64(owner.pid)), .integer(owner.startTicks), .integer(leaseSeconds),
                .text(template ? Self.parkedTemplateState : Self.parkedState), .text(fingerprint.value), .text(Self.libraryVersion),
            ])
        guard claimed.affectedRows > 0,
            let row = try await admin.get("SELECT \(variable), (SELECT ready_at FROM \(Self.table) WHERE db_name = \(variable))", []),
            let name = try row.decode(String?.self, 0)
        else { return nil }
        return (name, try row.decode(Int64?.self, 1))
    }

    /// Marks `name` as being removed if its record is still in `state`: the reaper's claim before it
    /// drops a database. It decided from a snapshot; if the owner changed the record since — parked
    /// it at exit, or another process claimed it — this returns false and the reaper leaves it. A
    /// record another reaper is removing (`reaping`), or one already gone, is no reason to stop:
    /// dropping is idempotent. A reaper that dies after this leaves a `reaping` record, which the next one finishes.
    func markReaping(_ name: String, from state: String, _ admin: MySQLConnection) async throws -> Bool {
        let marked = try await admin.run(
            "UPDATE \(Self.table) SET state = 'reaping' WHERE db_name = ? AND state = ?", [.text(name), .text(state)])
        if marked.affectedRows > 0 { return true }
        let now = try await self.state(of: name, admin)
        return now == nil || now == "reaping"
    }

    /// The state `name`'s record says now; nil when it has none.
    func state(of name: String, _ admin: MySQLConnection) async throws -> String? {
        try await admin.get("SELECT state FROM \(Self.table) WHERE db_name = ?", [.text(name)])?.decode(String.self, 0)
    }

    /// Records `name` before it is created; `fingerprint` names the schema it is built from.
    func register(_ name: String, fingerprint: SchemaFingerprint?, _ admin: MySQLConnection) async throws {
        try await admin.run(
            "INSERT INTO \(Self.table) (db_name, host, pid, process_start, lease_until, state, fingerprint) VALUES (?, ?, ?, ?, NOW(6) + INTERVAL ? SECOND, 'creating', ?)",
            [
                .text(name), .text(owner.host), .integer(Int64(owner.pid)), .integer(owner.startTicks), .integer(leaseSeconds),
                fingerprint.map { .text($0.value) } ?? .null,
            ])
    }

    func markReady(_ name: String, _ admin: MySQLConnection) async throws {
        try await admin.run("UPDATE \(Self.table) SET state = 'ready' WHERE db_name = ?", [.text(name)])
    }

    /// Marks a database kept after a failed test, until `timeToLive` from now; leases no longer renew it.
    func markKept(_ name: String, timeToLive: Duration, _ admin: MySQLConnection) async throws {
        try await admin.run(
            "UPDATE \(Self.table) SET state = 'kept', lease_until = NOW(6) + INTERVAL ? SECOND WHERE db_name = ?",
            [.integer(timeToLive.components.seconds), .text(name)])
    }

    func unregister(_ name: String, _ admin: MySQLConnection) async throws {
        try await admin.run("DELETE FROM \(Self.table) WHERE db_name = ?", [.text(name)])
    }

    /// Extends the lease of every database this process owns.
    func renewLeases(_ admin: MySQLConnection) async throws {
        try await admin.run(
            "UPDATE \(Self.table) SET lease_until = NOW(6) + INTERVAL ? SECOND WHERE host = ? AND pid = ? AND process_start = ? AND state IN ('creating', 'ready')",
            [.integer(leaseSeconds), .text(owner.host), .integer(Int64(owner.pid)), .integer(owner.startTicks)])
    }
}
