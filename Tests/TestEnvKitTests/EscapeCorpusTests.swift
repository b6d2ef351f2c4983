import Foundation
import TestEnvCore
import TestEnvKit
import TestEnvMySQL
import TestEnvSQLite
import TestEnvTestSupport
import Testing

/// Every hostile script of ``EscapeCorpus`` against a victim: a MariaDB database outside `test_%`
/// and a SQLite file. Three ways each — guard and enforcement together (the default), the guard
/// alone (`TEST_DB_CONFINEMENT=off`), and the enforcement alone (each statement sent straight to a
/// test's connection, no guard) — and after every attempt the victim, the server's accounts and
/// variables, and a directory the scripts try to write to must be exactly as before.
@Suite("Escape corpus", .serialized)
struct EscapeCorpusTests {
    // MARK: MySQL

    @Test(
        "No MySQL escape attempt changes the victim database, accounts, server variables or files: guard and restricted account, guard alone, account alone",
        .mysqlServer)
    func mysqlVictimUnchanged() async throws {
        try await MySQLVictim.with { victim in
            for confinement in [ConfinementPolicy.required, .off] {
                let manager = KitTests.manager {
                    $0.backend = .mysql
                    $0.isolation = .fresh
                    $0.confinement = confinement
                }
                // The restricted account is set up before the baseline, so its creation is not a change.
                _ = try await manager.boundary(for: .mysql)
                var baseline = try await victim.snapshot()
                var refusedByGuard = 0
                for attempt in EscapeCorpus.mysql {
                    let script = victim.substitute(attempt.script)
                    let error = await #expect(throws: TestEnvError.self, "\(attempt.name) (\(confinement))") {
                        try await withIsolatedEnvironment(schema: Schema(mysql: [.text(script, name: attempt.name)]), manager: manager) {
                            _ in
                        }
                    }
                    if error?.code == .schemaStatementRefused { refusedByGuard += 1 }
                    baseline = expectUnchanged(baseline, try await victim.snapshot(), "\(attempt.name) (\(confinement))")
                }
                print(
                    "escape corpus, MySQL, confinement \(confinement): \(refusedByGuard) of \(EscapeCorpus.mysql.count) refused by the guard"
                )
                await manager.shutdown()
            }
        }
    }

    @Test(
        "The restricted account alone holds: each escape statement sent straight to a test's connection changes nothing outside test databases",
        .mysqlServer)
    func mysqlAccountAloneHolds() async throws {
        try await MySQLVictim.with { victim in
            let manager = KitTests.manager {
                $0.backend = .mysql
                $0.isolation = .fresh
                $0.confinement = .required
            }
            #expect(try await manager.boundary(for: .mysql).isEnforced)
            var baseline = try await victim.snapshot()
            // MariaDB lets any account that may create a table put its files elsewhere (`DATA
            // DIRECTORY`); no privilege stops it, so only the guard does (the test above).
            for attempt in EscapeCorpus.mysql where !attempt.script.uppercased().contains("DIRECTORY") {
                try await withIsolatedEnvironment(manager: manager) { env in
                    for statement in SQLScriptSplitter.split(victim.substitute(attempt.script), dialect: .mysql) {
                        try? await env.connection.executeStatement(statement.text)
                    }
                }
                baseline = expectUnchanged(baseline, try await victim.snapshot(), "\(attempt.name), straight to a test's connection")
            }
            await manager.shutdown()
        }
    }

    // MARK: SQLite

    @Test("No SQLite escape attempt changes the victim file or writes a file: guard and authorizer, guard alone, authorizer alone")
    func sqliteVictimUnchanged() async throws {
        let victim = try await SQLiteVictim()
        defer { victim.remove() }
        var baseline = try victim.snapshot()
        for confinement in [ConfinementPolicy.auto, .off] {
            let manager = KitTests.manager {
                $0.backend = .sqlite
                $0.sqlitePath = ":memory:"
                $0.confinement = confinement
            }
            for attempt in EscapeCorpus.sqlite {
                let script = victim.substitute(attempt.script)
                await #expect(throws: TestEnvError.self, "\(attempt.name) (\(confinement))") {
                    try await withIsolatedEnvironment(schema: Schema(sqlite: [.text(script, name: attempt.name)]), manager: manager) { _ in
                    }
                }
                baseline = expectUnchanged(baseline, try victim.snapshot(), "\(attempt.name) (\(confinement))")
            }
        }
        let confined = KitTests.manager {
            $0.backend = .sqlite
            $0.sqlitePath = ":memory:"
        }
        #expect(try await confined.boundary(for: .sqlite).isEnforced)
        for attempt in EscapeCorpus.sqlite {
            try await withIsolatedEnvironment(manager: confined) { env in
                for statement in SQLScriptSplitter.split(victim.substitute(attempt.script), dialect: .sqlite) {
                    try? await env.connection.executeStatement(statement.text)
                }
            }
            baseline = expectUnchanged(baseline, try victim.snapshot(), "\(attempt.name), straight to a test's connection")
        }
    }
}

/// Records an issue naming `attempt` and what changed when `after` differs from `before`; returns
/// `after`, so the next attempt is judged on its own.
private func expectUnchanged(_ before: [String], _ after: [String], _ attempt: String, sourceLocation: SourceLocation = #_sourceLocation)
    -> [String]
{
    if after != before {
        let changed = after.difference(from: before).map { change -> String in
            switch change {
            case .insert(_, let line, _): "+ \(line)"
            case .remove(_, let line, _): "- \(line)"
            }
        }
        Issue.record("\(attempt) changed what it must not:\n\(changed.joined(separator: "\n"))", sourceLocation: sourceLocation)
    }
    return after
}

/// A database outside `test_%` holding rows, and a directory the server could write to.
private struct MySQLVictim {
    let name: String
    let outDirectory: String
    let admin: MySQLConnection

    static func with(_ body: (MySQLVictim) async throws -> Void) async throws {
        // `testenv_…`: other tests that compare the server's databases leave those alone.
        let name = "testenv_victim_" + UUID().uuidString.prefix(8).lowercased()
        let outDirectory = NSTemporaryDirectory() + "testenv-escape-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: outDirectory, withIntermediateDirectories: true)
        let admin = try await MySQLTestServer.connect()
        try await admin.executeScript(
            """
            CREATE DATABASE \(name);
            CREATE TABLE \(name).secrets (id INT PRIMARY KEY, v VARCHAR(50));
            INSERT INTO \(name).secrets VALUES (1, 'alpha'), (2, 'beta'), (3, 'gamma');
            """)
        let victim = MySQLVictim(name: name, outDirectory: outDirectory, admin: admin)
        let result: Result<Void, any Error>
        do { result = .success(try await body(victim)) } catch { result = .failure(error) }
        try? await admin.executeScript("DROP DATABASE IF EXISTS \(name)")
        try? await admin.executeScript("DROP USER IF EXISTS escape_probe, 'escape_probe'@'localhost', 'escape_probe'@'%'")
        await admin.close()
        try? FileManager.default.removeItem(atPath: outDirectory)
        try result.get()
    }

    func substitute(_ script: String) -> String {
        script.replacingOccurrences(of: "OUT_DIR", with: outDirectory).replacingOccurrences(of: "VICTIM", with: name)
    }

    /// Everything an escape could change: the victim's tables, rows and objects, the other
    /// databases, the accounts and their privileges, server variables, and the files in the directory.
    func snapshot() async throws -> [String] {
        var lines: [String] = []
        func add(_ sql: String, _ bindings: [DatabaseValue] = []) async throws {
            for row in try await admin.all(sql, bindings) { lines.append(row.values.map { "\($0)" }.joined(separator: "|")) }
            lines.append("--")
        }
        // Tests running beside this one create and drop `test_…` and `testenv_…` databases and `testenv_…` users of their own.
        try await add(
            "SELECT SCHEMA_NAME, DEFAULT_CHARACTER_SET_NAME FROM information_schema.SCHEMATA WHERE (SCHEMA_NAME NOT LIKE 'test\\_%' AND SCHEMA_NAME NOT LIKE 'testenv\\_%') OR SCHEMA_NAME = ? ORDER BY 1",
            [.text(name)])
        try await add(
            "SELECT TABLE_NAME, TABLE_TYPE, ENGINE FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY 1", [.text(name)])
        try await add(
            "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? ORDER BY 1, 2",
            [.text(name)])
        do { try await add("SELECT id, v FROM \(name).secrets ORDER BY id") } catch { lines.append("secrets unreadable: \(error)") }
        try await add("SELECT ROUTINE_NAME FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ?", [.text(name)])
        try await add(
            "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? OR EVENT_OBJECT_SCHEMA = ?",
            [
                .text(name), .text(name),
            ])
        try await add("SELECT EVENT_SCHEMA, EVENT_NAME FROM information_schema.EVENTS")
        try await add(
            "SELECT User, Host, Super_priv, Grant_priv, File_priv, Shutdown_priv FROM mysql.user WHERE User NOT LIKE 'testenv\\_%' OR User = 'testenv_sandbox' ORDER BY 1, 2"
        )
        try await add("SELECT Db, User, Host FROM mysql.db WHERE User NOT LIKE 'testenv\\_%' OR User = 'testenv_sandbox' ORDER BY 1, 2, 3")
        try await add(
            "SELECT @@global.max_connections, @@global.event_scheduler, @@global.read_only, @@global.general_log, @@global.general_log_file, @@global.sql_mode, @@global.character_set_server"
        )
        lines += (try? FileManager.default.contentsOfDirectory(atPath: outDirectory).sorted()) ?? ["out directory gone"]
        return lines
    }
}

/// A SQLite file holding rows, and a directory no file may appear in.
private struct SQLiteVictim {
    let file: String
    let outDirectory: String

    init() async throws {
        let directory = NSTemporaryDirectory() + "testenv-escape-" + UUID().uuidString.prefix(8).lowercased()
        outDirectory = directory + "/out"
        try FileManager.default.createDirectory(atPath: outDirectory, withIntermediateDirectories: true)
        file = directory + "/victim.sqlite"
        let connection = try await SQLiteConnection.open(SQLiteConfiguration(path: file))
        try await connection.executeScript(
            "CREATE TABLE secrets (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO secrets VALUES (1, 'alpha'), (2, 'beta');")
        await connection.close()
    }

    func substitute(_ script: String) -> String {
        script.replacingOccurrences(of: "VICTIM_FILE", with: file).replacingOccurrences(of: "OUT_DIR", with: outDirectory)
    }

    /// The victim's bytes, and the names of the files beside it and in the out directory.
    func snapshot() throws -> [String] {
        let directory = (file as NSString).deletingLastPathComponent
        let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        return [bytes.base64EncodedString()] + (try FileManager.default.contentsOfDirectory(atPath: directory).sorted())
            + (try FileManager.default.contentsOfDirectory(atPath: outDirectory).sorted())
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: (file as NSString).deletingLastPathComponent)
    }
}
