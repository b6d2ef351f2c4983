import Foundation
import TestEnvCore
import TestEnvMySQL
import TestEnvTestSupport
import Testing

@testable import TestEnvKit

/// A disposable server of its own (`testenv server start`), killed in the middle of a run.
@Suite(.mysqlServer) struct ServerKilledTests {
    struct Server {
        let directory: String
        let port: Int
        let password: String
        let socket: String
        let pid: Int32
    }

    @Test(
        "Server killed mid-run: statements fail promptly with a lost-connection error, and after a restart the reaper leaves no orphan",
        .enabled(if: installedMariaDBD != nil, "mariadb-server is not installed"), .timeLimit(.minutes(3)))
    func serverKilledMidRun() async throws {
        let server = try await startServer("testenv-killed")
        defer { try? FileManager.default.removeItem(atPath: (server.directory as NSString).deletingLastPathComponent) }
        var restarted: Int32?
        let outcome = await capture { try await killAndRestart(server, restarted: &restarted) }
        if let restarted { kill(restarted, SIGKILL) }
        kill(server.pid, SIGKILL)
        _ = try await testenv(["server", "stop", "--dir", server.directory])
        try outcome.get()
    }

    private func killAndRestart(_ server: Server, restarted: inout Int32?) async throws {
        let settings = [
            "TEST_DB_TYPE": "mysql", "TEST_DB_HOST": "127.0.0.1", "TEST_DB_PORT": "\(server.port)", "TEST_DB_PASSWORD": server.password,
            "TEST_DB_SOCKET": server.socket, "TEST_DB_ISOLATION": "fresh",
        ]
        // Another run holds five environments on the server, and this process one.
        let holder = try await HeldEnvironments.start(count: 5, environment: settings)
        var configuration = try TestEnvConfiguration.fromEnvironment(settings)
        configuration.operationTimeout = .seconds(10)
        let manager = TestEnvironmentManager(configuration: configuration)
        let env = try await manager.createIsolatedEnvironment()

        kill(server.pid, SIGKILL)
        let clock = ContinuousClock()
        let killedAt = clock.now
        let lost = await driverError { try await env.connection.run("SELECT 1", []) }
        #expect(lost?.kind == .connectionLost, "\(String(describing: lost))")
        #expect(lost?.message.isEmpty == false)
        #expect(clock.now - killedAt < .seconds(10), "the statement must fail promptly, not hang")
        let cleanup = await capture { try await manager.cleanupEnvironment(env) }
        #expect(throws: TestEnvError.self) { try cleanup.get() }
        #expect(clock.now - killedAt < .seconds(30), "cleanup is bounded too")
        kill(holder.pid, SIGKILL)
        try await holder.waitForExit()

        // The server comes back on the same data; the next run's reaper removes the crashed run's databases.
        restarted = try relaunch(server)
        let admin = try await waitForServer(server)
        let next = TestEnvironmentManager(configuration: configuration)
        let decisions = try await next.reap(dryRun: false)
        let removed = Set(decisions.filter { $0.action == "remove" }.map(\.database))
        #expect(Set(holder.names).isSubset(of: removed), "\(decisions.map { "\($0.database): \($0.action), \($0.reason)" })")
        let left = try await admin.all("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'test\\\\_%'")
            .map { try $0.decode(String.self, 0) }
        // Only this process's own database stays: its owner is alive, so no reaper may touch it.
        #expect(Set(left).isSubset(of: [env.databaseName]), "orphans left: \(left)")
        await admin.close()
    }

    @Test(
        "Server frozen (SIGSTOP): a test's statement fails within about the operation timeout instead of hanging",
        .enabled(if: installedMariaDBD != nil, "mariadb-server is not installed"), .timeLimit(.minutes(2)))
    func serverFrozen() async throws {
        let server = try await startServer("testenv-frozen")
        let settings = [
            "TEST_DB_TYPE": "mysql", "TEST_DB_HOST": "127.0.0.1", "TEST_DB_PORT": "\(server.port)", "TEST_DB_PASSWORD": server.password,
            "TEST_DB_SOCKET": server.socket, "TEST_DB_ISOLATION": "fresh", "TEST_DB_TIMEOUT": "3",
        ]
        let outcome = await capture {
            let manager = TestEnvironmentManager(configuration: try TestEnvConfiguration.fromEnvironment(settings))
            let env = try await manager.createIsolatedEnvironment()
            kill(server.pid, SIGSTOP)
            let clock = ContinuousClock()
            let frozenAt = clock.now
            let lost = await driverError { try await env.connection.run("SELECT 1", []) }
            let waited = clock.now - frozenAt
            kill(server.pid, SIGCONT)
            #expect(lost?.kind == .connectionLost, "\(String(describing: lost))")
            #expect(waited < .seconds(15), "a statement on a frozen server waited \(waited) with TEST_DB_TIMEOUT=3")
            print("frozen server: the statement failed after \(waited)")
            try? await manager.cleanupEnvironment(env)
            await manager.shutdown()
        }
        kill(server.pid, SIGCONT)
        kill(server.pid, SIGKILL)
        _ = try await testenv(["server", "stop", "--dir", server.directory])
        try? FileManager.default.removeItem(atPath: (server.directory as NSString).deletingLastPathComponent)
        try outcome.get()
    }

    /// Starts a throwaway server under a directory named with `prefix`.
    private func startServer(_ prefix: String) async throws -> Server {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))").path
        let start = try await testenv(["server", "start", "--json", "--datadir", base])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(start.output.utf8)) as? [String: Any], "\(start.error)")
        return Server(
            directory: try #require(json["directory"] as? String), port: try #require(json["port"] as? Int),
            password: try #require(json["password"] as? String), socket: try #require(json["socket"] as? String),
            pid: Int32(try #require(json["pid"] as? Int)))
    }

    private func relaunch(_ server: Server) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(installedMariaDBD))
        process.arguments = ["--defaults-file=\(server.directory)/my.cnf"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process.processIdentifier
    }

    private func waitForServer(_ server: Server) async throws -> MySQLConnection {
        let settings = MySQLConfiguration(port: server.port, password: server.password, connectTimeout: .seconds(1))
        for _ in 0..<300 {
            if let connection = try? await MySQLConnection.connect(settings) { return connection }
            try await Task.sleep(for: .milliseconds(100))
        }
        return try await MySQLConnection.connect(settings)
    }
}
