import Foundation
import TestEnvCore
import TestEnvMySQL
import TestEnvTestSupport
import Testing

@testable import TestEnvKit

@Suite struct ServerCommandTests {
    @Test(
        "testenv server start gives a working server and its settings; status sees it; stop ends it and removes its directory",
        .enabled(if: installedMariaDBD != nil, "mariadb-server is not installed"), .timeLimit(.minutes(2)))
    func startStatusStop() async throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("testenv-server-test-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: base) }
        let start = try await testenv(["server", "start", "--json", "--max-connections", "25", "--datadir", base])
        #expect(start.status == 0, "\(start.error)")
        let server = try #require(try JSONSerialization.jsonObject(with: Data(start.output.utf8)) as? [String: Any])
        let directory = try #require(server["directory"] as? String)
        let port = try #require(server["port"] as? Int)
        let password = try #require(server["password"] as? String)
        #expect(directory.hasPrefix(base))
        #expect(start.error.contains("127.0.0.1:\(port)"))
        #expect(!start.error.contains(password), "the password goes to the settings only")

        // Whatever fails here, the server is stopped below.
        let checks = await capture {
            let connection = try await MySQLConnection.connect(MySQLConfiguration(port: port, password: password))
            let maxConnections = try await connection.get("SELECT @@max_connections")?.decode(Int.self, 0)
            await connection.close()
            #expect(maxConnections == 25)
            let status = try await testenv(["server", "status", "--json", "--dir", directory])
            #expect(status.status == 0)
            #expect(status.output.contains("\"running\":true"))
        }
        let stop = try await testenv(["server", "stop", "--dir", directory])
        #expect(stop.status == 0, "\(stop.error)")
        #expect(!FileManager.default.fileExists(atPath: directory))
        let after = try await testenv(["server", "status", "--dir", directory])
        #expect(after.status != 0)
        try checks.get()
    }

    @Test(
        "testenv server stop without --dir refuses to guess when two servers run, naming both; with one left it stops that one",
        .enabled(if: installedMariaDBD != nil, "mariadb-server is not installed"), .timeLimit(.minutes(2)))
    func stopDoesNotGuess() async throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("testenv-two-servers-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        // A private list of started servers, and no TESTENV_SERVER_DIR from the test run.
        let environment: [String: String?] = ["XDG_RUNTIME_DIR": base, "TESTENV_SERVER_DIR": nil]
        var directories: [String] = []
        for _ in 0..<2 {
            let start = try await testenv(["server", "start", "--json", "--datadir", base], environment: environment)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(start.output.utf8)) as? [String: Any], "\(start.error)")
            directories.append(try #require(json["directory"] as? String))
        }
        let outcome = await capture {
            let refused = try await testenv(["server", "stop"], environment: environment)
            #expect(refused.status != 0)
            #expect(refused.error.contains("2 testenv servers are running"))
            for directory in directories { #expect(refused.error.contains(directory)) }
            #expect(directories.allSatisfy { FileManager.default.fileExists(atPath: $0) }, "nothing was stopped")
            _ = try await testenv(["server", "stop", "--dir", directories[0]], environment: environment)
            let last = try await testenv(["server", "stop"], environment: environment)
            #expect(last.status == 0, "\(last.error)")
            #expect(!FileManager.default.fileExists(atPath: directories[1]))
        }
        for directory in directories where FileManager.default.fileExists(atPath: directory) {
            _ = try? await testenv(["server", "stop", "--dir", directory], environment: environment)
        }
        try outcome.get()
    }

    @Test("testenv server start without mariadbd says which package provides it and how to install it")
    func missingServerBinary() async throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("testenv-no-mariadb-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: empty) }
        let run = try await testenv(["server", "start"], environment: ["TESTENV_MARIADB_BIN_DIR": empty])
        #expect(run.status != 0)
        #expect(run.error.contains("mariadbd was not found"))
        #expect(run.error.contains("apt-get install -y mariadb-server"))
        #expect(run.output.isEmpty, "nothing to evaluate when there is no server")
    }
}
