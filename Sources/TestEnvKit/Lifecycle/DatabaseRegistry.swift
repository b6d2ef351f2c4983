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
                fingerprint CHAR(64) NULL
            ) ENGINE = InnoDB
            """)
        // Tables created before the fingerprint existed get the column (MySQL has no ADD COLUMN IF NOT EXISTS).
        let column = try await admin.get(
            "SELECT 1 FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'testenv_tracking' AND TABLE_NAME = '_testenv_databases' AND COLUMN_NAME = 'fingerprint'",
            [])
        if column == nil { try await admin.executeScript("ALTER TABLE \(Self.table) ADD COLUMN fingerprint CHAR(64) NULL") }
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
            "UPDATE \(Self.table) SET lease_until = NOW(6) + INTERVAL ? SECOND WHERE host = ? AND pid = ? AND process_start = ? AND state <> 'kept'",
            [.integer(leaseSeconds), .text(owner.host), .integer(Int64(owner.pid)), .integer(owner.startTicks)])
    }
}
