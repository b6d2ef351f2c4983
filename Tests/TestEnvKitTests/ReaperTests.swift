import Foundation
import TestEnvTestSupport
import Testing

@_spi(TestEnvPlatform) @testable import TestEnvKit

/// Serialized: each test reaps, and must not race the others' planted databases.
@Suite(.mysqlServer, .serialized) struct ReaperTests {
    let manager = KitTests.manager { $0.backend = .mysql }

    /// Creates `test_<hex>` on the server, runs `before` (say, to connect to it), then records it
    /// for the given owner: from then on any reaper of this run may act on it.
    func plantDatabase(
        host: String, pid: Int32, startTicks: Int64 = 1, leaseSeconds: Int, before: (String) async throws -> Void = { _ in }
    ) async throws -> String {
        let name = DatabaseName.make()
        let admin = try await manager.admin()
        try await manager.mysql.ensureRegistry(admin)
        try await admin.executeScript("CREATE DATABASE \(DatabaseName.quoted(name))")
        try await before(name)
        try await admin.run(
            "INSERT INTO \(DatabaseRegistry.table) (db_name, host, pid, process_start, lease_until, state) VALUES (?, ?, ?, ?, NOW(6) + INTERVAL ? SECOND, 'ready')",
            [.text(name), .text(host), .integer(Int64(pid)), .integer(startTicks), .integer(Int64(leaseSeconds))])
        return name
    }

    func recordExists(_ name: String) async throws -> Bool {
        let admin = try await manager.admin()
        return try await admin.get("SELECT COUNT(*) FROM \(DatabaseRegistry.table) WHERE db_name = ?", [.text(name)])?.decode(Int.self, 0)
            == 1
    }

    /// The pid of a process that has exited.
    func deadPid() throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        return process.processIdentifier
    }

    @Test("A database is recorded before it exists, marked ready, and its record goes when it is dropped")
    func recordLifecycle() async throws {
        let environment = try await manager.createIsolatedEnvironment()
        let admin = try await manager.admin()
        let record = try #require(
            try await admin.get(
                "SELECT host, pid, state FROM \(DatabaseRegistry.table) WHERE db_name = ?", [.text(environment.databaseName)]))
        #expect(try record.decode(String.self, "host") == ProcessIdentity.current.host)
        #expect(ProcessIdentity.current.host.hasPrefix(ProcessInfo.processInfo.hostName))
        #expect(try record.decode(Int32.self, "pid") == ProcessInfo.processInfo.processIdentifier)
        #expect(try record.decode(String.self, "state") == "ready")
        try await manager.cleanupEnvironment(environment)
        await manager.shutdown()  // a pooled database is dropped, with its record, when the pool shuts down
        #expect(try await recordExists(environment.databaseName) == false)
    }

    @Test("The reaper removes a database whose owner on this host is gone, with its record")
    func removesDeadLocalOwner() async throws {
        let orphan = try await plantDatabase(host: ProcessIdentity.current.host, pid: try deadPid(), leaseSeconds: 600)
        let decisions = try await manager.reap(dryRun: false)
        if let decision = decisions.first(where: { $0.database == orphan }) {
            #expect(decision.action == "remove")
            #expect(decision.reason.contains("is gone"))
        }
        #expect(try await KitTests.existingDatabases([orphan]).isEmpty)
        #expect(try await recordExists(orphan) == false)
    }

    /// A manager whose environments are dropped when given back, not recycled.
    var freshManager: TestEnvironmentManager {
        KitTests.manager {
            $0.backend = .mysql
            $0.isolation = .fresh
        }
    }

    /// Puts a file the server does not know into `database`'s directory, as an interrupted
    /// `CREATE TRIGGER` leaves `film.TRG-`: `DROP DATABASE` then fails with errno 39. Nil when the
    /// server's data directory is not on this machine (the test then cannot plant the file).
    func plantStrayFile(_ file: String, in database: String) async throws -> String? {
        let admin = try await manager.admin()
        guard let datadir = try await admin.get("SELECT @@datadir")?.decode(String.self, 0) else { return nil }
        let directory = (datadir as NSString).appendingPathComponent(database)
        guard FileManager.default.fileExists(atPath: directory) else { return nil }
        let path = (directory as NSString).appendingPathComponent(file)
        guard FileManager.default.createFile(atPath: path, contents: Data("stray".utf8)) else { return nil }
        return path
    }

    @Test("On a server TestEnvKit manages, a trigger backup left in a database's directory (errno 39) is removed and the drop finishes")
    func strayTriggerBackupIsRemoved() async throws {
        let fresh = freshManager
        let env = try await fresh.createIsolatedEnvironment()
        let admin = try await manager.admin()
        let datadir = try await admin.get("SELECT @@datadir")?.decode(String.self, 0) ?? ""
        let managed = FileManager.default.fileExists(
            atPath: ((datadir as NSString).standardizingPath as NSString).deletingLastPathComponent + "/server.json")
        guard managed, try await plantStrayFile("film.TRG-", in: env.databaseName) != nil else {
            try await fresh.cleanupEnvironment(env)
            return  // not the test script's server: nothing of ours to clean
        }
        try await fresh.cleanupEnvironment(env)
        #expect(try await KitTests.existingDatabases([env.databaseName]).isEmpty)
        #expect(try await recordExists(env.databaseName) == false)
    }

    @Test("A database the server cannot drop does not fail a passing test; the reaper names the file, reports it and goes on")
    func undroppableDatabase() async throws {
        let fresh = freshManager
        let env = try await fresh.createIsolatedEnvironment()
        guard let stray = try await plantStrayFile("notes.keep", in: env.databaseName) else {
            try await fresh.cleanupEnvironment(env)
            return  // a server on another machine: nothing to plant
        }
        try await fresh.cleanupEnvironment(env)  // must not throw: the leftover is the server's, not the test's
        #expect(try await KitTests.existingDatabases([env.databaseName]) == [env.databaseName])
        #expect(
            RunRecorder.report().leakCheck.undroppable.contains { $0.database == env.databaseName && $0.reason.contains("notes.keep") },
            "the run report names it and the file")
        // A second orphan of a dead process beside it: the reaper reports the stuck one and removes the other.
        let free = try await plantDatabase(host: ProcessIdentity.current.host, pid: try deadPid(), leaseSeconds: 600)
        let admin = try await manager.admin()
        try await admin.run(
            "UPDATE \(DatabaseRegistry.table) SET pid = ?, process_start = 1 WHERE db_name = ?",
            [.integer(Int64(try deadPid())), .text(env.databaseName)])
        var decisions = try await manager.reap(dryRun: false)
        #expect(try await KitTests.existingDatabases([free]).isEmpty, "one undroppable database must not stop the reaper")
        // A parallel test's reaper may have claimed it first (and failed the same way): then the next pass reports it.
        for _ in 0..<3 where decisions.first(where: { $0.database == env.databaseName })?.action == "keep" {
            decisions = try await manager.reap(dryRun: false)
        }
        if let decision = decisions.first(where: { $0.database == env.databaseName }) {
            #expect(decision.action == "failed")
            #expect(decision.reason.contains("errno: 39") && decision.reason.contains("notes.keep"))
        }
        #expect(try await recordExists(env.databaseName), "its record stays, so a later reaper tries again")
        try FileManager.default.removeItem(atPath: stray)
        _ = try await manager.reap(dryRun: false)
        #expect(try await KitTests.existingDatabases([env.databaseName]).isEmpty, "with the file gone, the next reaper removes it")
    }

    @Test("The reaper removes only what it read: a record its owner parked after the reaper looked is left alone")
    func staleDecisionIsNotActedOn() async throws {
        let name = try await plantDatabase(host: ProcessIdentity.current.host, pid: try deadPid(), leaseSeconds: 600)
        let admin = try await manager.admin()
        // The owner parked it at exit after the reaper had read it as `ready` with a dead owner.
        try await admin.run("UPDATE \(DatabaseRegistry.table) SET state = 'parked' WHERE db_name = ?", [.text(name)])
        #expect(try await manager.registry.markReaping(name, from: "ready", admin) == false)
        let state = try await admin.get("SELECT state FROM \(DatabaseRegistry.table) WHERE db_name = ?", [.text(name)])
        #expect(try state?.decode(String.self, 0) == "parked")
        #expect(try await KitTests.existingDatabases([name]) == [name])
        #expect(try await manager.registry.markReaping(name, from: "parked", admin))
        _ = try await manager.reap(dryRun: false)  // a record left in `reaping` is finished by the next reaper
        #expect(try await KitTests.existingDatabases([name]).isEmpty)
        #expect(try await recordExists(name) == false)
    }

    @Test("On another host, an expired lease is removed and a valid one kept")
    func otherHostLeases() async throws {
        let expired = try await plantDatabase(host: "ci-shard-7.invalid", pid: 4242, leaseSeconds: -60)
        let valid = try await plantDatabase(host: "ci-shard-8.invalid", pid: 4242, leaseSeconds: 600)
        let dryRun = try await manager.reap(dryRun: true)
        #expect(dryRun.first { $0.database == valid }?.action == "keep")
        #expect(dryRun.first { $0.database == valid }?.reason.contains("holds the lease") == true)
        _ = try await manager.reap(dryRun: false)
        #expect(try await KitTests.existingDatabases([expired, valid]) == [valid])
        let admin = try await manager.admin()
        try await admin.executeScript("DROP DATABASE \(DatabaseName.quoted(valid))")
        try await manager.registry.unregister(valid, admin)
    }

    @Test("The reaper keeps a database in use, and one whose owner runs")
    func keepsInUseAndLive() async throws {
        var user: MySQLConnection?
        let orphan = try await plantDatabase(host: ProcessIdentity.current.host, pid: try deadPid(), leaseSeconds: 600) { name in
            var settings = KitTests.configuration.mysql
            settings.database = name
            user = try await MySQLConnection.connect(settings)
        }
        let me = ProcessIdentity.current
        let mine = try await plantDatabase(host: me.host, pid: me.pid, startTicks: me.startTicks, leaseSeconds: -60)
        let decisions = try await manager.reap(dryRun: false)
        #expect(decisions.first { $0.database == orphan }?.reason == "a connection is using it")
        #expect(decisions.first { $0.database == mine }?.reason == "its owner is running", "a live local owner wins over an expired lease")
        #expect(try await KitTests.existingDatabases([orphan, mine]) == [orphan, mine])
        await user?.close()
        // The server notices the closed connection a moment later.
        for _ in 0..<100 where try await !KitTests.existingDatabases([orphan]).isEmpty {
            _ = try await manager.reap(dryRun: false)
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(try await KitTests.existingDatabases([orphan]).isEmpty)
        let admin = try await manager.admin()
        try await admin.executeScript("DROP DATABASE \(DatabaseName.quoted(mine))")
        try await manager.registry.unregister(mine, admin)
    }

    @Test(
        "Three orphans, one held by a transaction that names its table without USE: the reaper removes two at once and keeps the held one as in use"
    )
    func heldByQualifiedName() async throws {
        let dead = try deadPid()
        let orphans = [
            try await plantDatabase(host: ProcessIdentity.current.host, pid: dead, leaseSeconds: 600),
            try await plantDatabase(host: ProcessIdentity.current.host, pid: dead, leaseSeconds: 600),
            try await plantDatabase(host: ProcessIdentity.current.host, pid: dead, leaseSeconds: 600) { name in
                let admin = try await manager.admin()
                try await admin.executeScript("CREATE TABLE \(DatabaseName.quoted(name)).t (i INT)")
            },
        ]
        // No default database: only the metadata lock of the open transaction ties this connection to it.
        let holder = try await MySQLConnection.connect(KitTests.configuration.mysql)
        try await holder.executeScript("BEGIN; SELECT COUNT(*) FROM \(DatabaseName.quoted(orphans[2])).t")
        let started = ContinuousClock.now
        let decisions = try await manager.reap(dryRun: false)
        let elapsed = ContinuousClock.now - started
        let held = decisions.first { $0.database == orphans[2] }
        #expect(held?.action == "keep", "\(String(describing: held))")
        #expect(held?.reason.contains("lock") == true || held?.reason == "a connection is using it")
        #expect(try await KitTests.existingDatabases(Set(orphans)) == [orphans[2]])
        #expect(elapsed < .seconds(10), "the reaper waited \(elapsed) for a held database")
        // `testenv gc` reports it and exits at once, successfully: a database in use is not a failure.
        let gcStarted = ContinuousClock.now
        let gc = try await testenv(["gc", "--json"], environment: ["TEST_DB_TYPE": "mysql", "TEST_DB_TIMEOUT": "60"])
        #expect(gc.status == 0, "\(gc.output) \(gc.error)")
        #expect(gc.output.contains(orphans[2]))
        #expect(ContinuousClock.now - gcStarted < .seconds(20), "gc waited for the held database")
        try await holder.executeScript("ROLLBACK")
        await holder.close()
        _ = try await manager.reap(dryRun: false)
        #expect(try await KitTests.existingDatabases(Set(orphans)).isEmpty)
    }

    @Test("The reaper at a manager's first use runs in the background: an orphan held by a lock does not hold up the first environment")
    func firstEnvironmentNotHeldUp() async throws {
        let orphan = try await plantDatabase(host: ProcessIdentity.current.host, pid: try deadPid(), leaseSeconds: 600) { name in
            let admin = try await manager.admin()
            try await admin.executeScript("CREATE TABLE \(DatabaseName.quoted(name)).t (i INT)")
        }
        let holder = try await MySQLConnection.connect(KitTests.configuration.mysql)
        try await holder.executeScript("BEGIN; SELECT COUNT(*) FROM \(DatabaseName.quoted(orphan)).t")
        let starting = KitTests.manager {
            $0.backend = .mysql
            $0.isolation = .fresh
            $0.reapsAtStart = true
            $0.operationTimeout = .seconds(12)
        }
        let started = ContinuousClock.now
        try await withIsolatedEnvironment(manager: starting) { _ in }
        let elapsed = ContinuousClock.now - started
        #expect(elapsed < .seconds(6), "the first environment took \(elapsed) with TEST_DB_TIMEOUT=12 and a held orphan")
        await starting.waitForBackgroundWork()
        #expect(try await KitTests.existingDatabases([orphan]) == [orphan], "held: left for a later run")
        try await holder.executeScript("ROLLBACK")
        await holder.close()
        await starting.shutdown()
        _ = try await manager.reap(dryRun: false)
        #expect(try await KitTests.existingDatabases([orphan]).isEmpty)
    }

    @Test("An owner that exited but is still a zombie (not yet waited for by its parent) is dead")
    func zombieOwnerIsDead() throws {
        var pid: pid_t = 0
        let program = strdup("/bin/true")
        defer { free(program) }
        let arguments: [UnsafeMutablePointer<CChar>?] = [program, nil]
        #expect(posix_spawn(&pid, "/bin/true", nil, nil, arguments, nil) == 0)
        // Not waited for yet: the process table keeps it as a zombie.
        var state = Platform.ProcessState.running
        for _ in 0..<200 where state != .zombie {
            state = Platform.state(of: pid)
            usleep(10_000)
        }
        let started = Platform.startTime(of: pid)
        #expect(state == .zombie)
        #expect(started != nil)
        #expect(ProcessIdentity.isAlive(pid: pid, startTicks: started ?? 0) == false)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        #expect(Platform.state(of: pid) == .gone)
    }

    @Test("A database whose tracking row a server crash lost is still found by the owner in its comment, and removed")
    func ownerCommentSurvivesLostRow() async throws {
        let orphan = DatabaseName.make()
        let stranger = DatabaseName.make()
        let owner = ProcessIdentity(host: ProcessIdentity.current.host, pid: try deadPid(), startTicks: 1)
        let admin = try await manager.admin()
        let comment = DatabaseOwnerComment(owner, created: Int64(Date().timeIntervalSince1970)).clause
        try await admin.executeScript(
            "CREATE DATABASE \(DatabaseName.quoted(orphan)) \(comment); CREATE DATABASE \(DatabaseName.quoted(stranger)) COMMENT 'not ours'"
        )
        let decisions = try await manager.reap(dryRun: false)
        #expect(decisions.first { $0.database == orphan }?.action == "remove")
        #expect(!decisions.contains { $0.database == stranger })
        #expect(try await KitTests.existingDatabases([orphan, stranger]) == [stranger])
        try await admin.executeScript("DROP DATABASE \(DatabaseName.quoted(stranger))")
    }

    @Test("A database the reaper knew by its comment alone is kept when its record appeared meanwhile: its owner parked it")
    func commentOnlyDatabaseWhoseRecordAppearedIsKept() async throws {
        // The reaper read the records just before the owner registered the database, then its
        // comment; by the time it decides, the owner has parked it and exited.
        let name = DatabaseName.make()
        let owner = ProcessIdentity(host: ProcessIdentity.current.host, pid: try deadPid(), startTicks: 1)
        let admin = try await manager.admin()
        try await manager.registry.register(name, fingerprint: nil, admin)
        let comment = DatabaseOwnerComment(owner, created: Int64(Date().timeIntervalSince1970)).clause
        try await admin.executeScript("CREATE DATABASE \(DatabaseName.quoted(name)) \(comment)")
        try await admin.run("UPDATE \(DatabaseRegistry.table) SET state = 'parked' WHERE db_name = ?", [.text(name)])
        let seen = Reaper.Record(
            name: name, host: owner.host, pid: owner.pid, startTicks: 1, state: "ready", expired: false, lease: "", isTracked: false)
        let decision = await Reaper.remove(
            seen, ReaperDecision(database: name, owner: "", action: "remove", reason: "its owner is gone"), admin: admin,
            registry: manager.registry)
        #expect(decision.action == "keep")
        #expect(try await KitTests.existingDatabases([name]) == [name])
        try await admin.executeScript("DROP DATABASE \(DatabaseName.quoted(name))")
        try await manager.registry.unregister(name, admin)
    }

    @Test("Owner comments are written only where the server has database comments (MariaDB 10.5 and later)")
    func ownerCommentSupport() {
        #expect(DatabaseOwnerComment.isSupported(by: "10.11.6-MariaDB-0+deb12u1"))
        #expect(DatabaseOwnerComment.isSupported(by: "10.5.0-MariaDB"))
        #expect(!DatabaseOwnerComment.isSupported(by: "10.4.32-MariaDB"))
        #expect(!DatabaseOwnerComment.isSupported(by: "8.0.36"))
    }

    @Test("A test_ database without a record is never touched, whatever its name")
    func neverTouchesUnrecorded() async throws {
        let stranger = DatabaseName.make()
        let admin = try await manager.admin()
        try await admin.executeScript("CREATE DATABASE \(DatabaseName.quoted(stranger))")
        let decisions = try await manager.reap(dryRun: false)
        #expect(!decisions.contains { $0.database == stranger })
        #expect(try await KitTests.existingDatabases([stranger]) == [stranger])
        try await admin.executeScript("DROP DATABASE \(DatabaseName.quoted(stranger))")
    }
}

extension ReaperTests {
    @Test("testenv gc --dry-run --json lists each recorded database with its action and reason, and removes nothing")
    func gcDryRun() async throws {
        let held = try await plantDatabase(host: "ci-shard-9.invalid", pid: 7, leaseSeconds: 600)
        let run = try await testenv(["gc", "--dry-run", "--json"])
        #expect(run.status == 0, "\(run.error)")
        let decisions = try JSONDecoder().decode([ReaperDecision].self, from: Data(run.output.utf8))
        let mine = try #require(decisions.first { $0.database == held })
        #expect(mine.action == "keep")
        #expect(mine.owner == "ci-shard-9.invalid pid 7")
        #expect(try await KitTests.existingDatabases([held]) == [held])
        let admin = try await manager.admin()
        try await admin.executeScript("DROP DATABASE \(DatabaseName.quoted(held))")
        try await manager.registry.unregister(held, admin)
    }
}

extension ReaperTests {
    @Test("gc tells databases from stale tracking rows: a row whose database is gone is listed as a row, and removed as one")
    func staleRowsCountedApart() async throws {
        // Another host's valid lease: every reaper of this run keeps them until the lease is ended below.
        let database = try await plantDatabase(host: "ci-shard-7.invalid", pid: 7, leaseSeconds: 600)
        let stale = try await plantDatabase(host: "ci-shard-7.invalid", pid: 7, leaseSeconds: 600)
        let admin = try await manager.admin()
        try await admin.executeScript("DROP DATABASE \(DatabaseName.quoted(stale))")  // its row stays, as after a crash mid-drop
        let dry = try await testenv(["gc", "--dry-run", "--json"])
        let decisions = try JSONDecoder().decode([ReaperDecision].self, from: Data(dry.output.utf8))
        #expect(decisions.first { $0.database == database }?.databaseExists == true)
        #expect(decisions.first { $0.database == stale }?.databaseExists == false)
        let text = try await testenv(["gc", "--dry-run"])
        #expect(text.output.contains("kept: the tracking row of \(stale) (the database is already gone)"), "\(text.output)")
        #expect(text.output.contains("stale tracking row"))
        try await admin.run(
            "UPDATE \(DatabaseRegistry.table) SET lease_until = NOW(6) - INTERVAL 1 HOUR WHERE db_name IN (?, ?)",
            [.text(database), .text(stale)])
        _ = try await manager.reap(dryRun: false)
        #expect(try await recordExists(stale) == false)
        #expect(try await recordExists(database) == false)
        #expect(try await KitTests.existingDatabases([database]).isEmpty)
    }

    @Test("A process killed with SIGKILL while it holds 20 environments: the next reaper removes all 20, its pool, and nothing else")
    func crashCleanup() async throws {
        let bystander = try await manager.createIsolatedEnvironment()
        let holder = try await HeldEnvironments.start(count: 20)
        #expect(holder.names.count == 20)
        #expect(try await KitTests.existingDatabases(Set(holder.names)).count == 20)
        kill(holder.pid, SIGKILL)
        try await holder.waitForExit()
        // The server closes the killed process's connections a moment later; until then they are in use.
        var decisions: [ReaperDecision] = []
        for _ in 0..<200 where try await !KitTests.existingDatabases(Set(holder.names)).isEmpty {
            decisions += try await manager.reap(dryRun: false)
            try await Task.sleep(for: .milliseconds(25))
        }
        #expect(try await KitTests.existingDatabases(Set(holder.names)).isEmpty)
        #expect(try await KitTests.existingDatabases([bystander.databaseName]) == [bystander.databaseName])
        // Besides its 20 environments, the killed process may have held ready databases in its pool.
        // Other tests' managers reap at start too and may remove some of them first: all must be gone (above),
        // and each this reaper removed must have been the killed process's or other tests' garbage.
        let removed = decisions.filter { $0.action == "remove" }
        #expect(!Set(holder.names).isDisjoint(with: removed.map(\.database)), "this reaper removed none of them")
        // Besides, only what parallel tests left to the reaper: parked databases whose time to live ended, dead owners' databases.
        let others = removed.filter { !$0.owner.hasSuffix(" pid \(holder.pid)") }
        #expect(
            others.allSatisfy { $0.reason.contains("time to live ended") || $0.reason.hasSuffix("is gone") },
            "removed only the killed process's databases and other garbage: \(others)")
        try await manager.cleanupEnvironment(bystander)
    }
}

/// A `testenv-hold` process and the databases it created.
struct HeldEnvironments {
    let pid: Int32
    let names: [String]
    let process: Process

    static func start(count: Int, arguments: [String] = [], environment changes: [String: String] = [:]) async throws -> HeldEnvironments {
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [directory, directory.deletingLastPathComponent()].map { $0.appendingPathComponent("testenv-hold").path }
        let path = try #require(candidates.first { FileManager.default.isExecutableFile(atPath: $0) }, "testenv-hold is not built")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = [String(count)] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["TEST_DB_TYPE"] = "mysql"
        environment["TEST_DB_REPORT"] = nil  // the test process writes the run's report, not its helpers
        environment.merge(changes) { $1 }
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        // Reading blocks: do it on a dispatch thread, not the cooperative pool.
        let lines: [String] = try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                var lines: [String] = []
                var buffer = Data()
                while !lines.contains("ready") {
                    let chunk = output.fileHandleForReading.availableData
                    if chunk.isEmpty { break }
                    buffer.append(chunk)
                    lines = String(decoding: buffer, as: UTF8.self).split(separator: "\n").map(String.init)
                }
                continuation.resume(returning: lines)
            }
        }
        guard lines.last == "ready" else {
            process.terminate()
            throw HoldFailed(output: lines)
        }
        return HeldEnvironments(pid: process.processIdentifier, names: Array(lines.dropLast()), process: process)
    }

    func waitForExit() async throws {
        let process = process
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                process.waitUntilExit()
                continuation.resume()
            }
        }
    }
}

struct HoldFailed: Error {
    let output: [String]
}
