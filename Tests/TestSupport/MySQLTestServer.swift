import Foundation
import TestEnvCore
import TestEnvMySQL
import Testing

/// The MariaDB server the test script starts (scripts/test.sh exports TEST_DB_*).
///
/// MySQL tests run when `TEST_DB_TYPE=mysql`. When the server cannot be reached they are skipped
/// with a reason — unless `CI` or `TEST_DB_REQUIRE` is set, in which case they run and fail with
/// the connection error, so a missing server can never pass as green.
public enum MySQLTestServer {
    public static let environment = ProcessInfo.processInfo.environment

    public static var configuration: MySQLConfiguration {
        MySQLConfiguration(
            host: environment["TEST_DB_HOST"] ?? "127.0.0.1",
            port: environment["TEST_DB_PORT"].flatMap(Int.init) ?? 3306,
            user: environment["TEST_DB_USER"] ?? "root",
            password: environment["TEST_DB_PASSWORD"] ?? "",
            connectTimeout: .seconds(3))
    }

    public static var isRequested: Bool { environment["TEST_DB_TYPE"] == "mysql" }

    public static var isRequired: Bool {
        let truthy: (String?) -> Bool = { ["1", "true", "yes"].contains($0?.lowercased() ?? "") }
        let ci = environment["CI"]?.lowercased() ?? ""
        return (!ci.isEmpty && !["0", "false", "no", "off"].contains(ci)) || truthy(environment["TEST_DB_REQUIRE"])
    }

    /// One connection attempt per process, shared by every gate.
    private static let reachability = Task<Bool, Never> {
        guard let connection = try? await MySQLConnection.connect(configuration) else { return false }
        await connection.close()
        return true
    }

    public static func shouldRun() async -> Bool {
        guard isRequested else { return false }
        return isRequired ? true : await reachability.value
    }

    public static func connect(database: String? = nil) async throws -> MySQLConnection {
        var configuration = configuration
        configuration.database = database
        return try await MySQLConnection.connect(configuration)
    }

    /// Runs `body` with a connection to a fresh, empty database that is dropped afterwards.
    public static func withScratchDatabase<T: Sendable>(_ body: (MySQLConnection) async throws -> T) async throws -> T {
        let name = "testenv_driver_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let admin = try await connect()
        try await admin.executeScript("CREATE DATABASE `\(name)`")
        let connection: MySQLConnection
        do {
            connection = try await connect(database: name)
        } catch {
            try? await admin.executeScript("DROP DATABASE `\(name)`")
            await admin.close()
            throw error
        }
        let result: Result<T, any Error>
        do { result = .success(try await body(connection)) } catch { result = .failure(error) }
        await connection.close()
        try await admin.executeScript("DROP DATABASE `\(name)`")
        await admin.close()
        return try result.get()
    }
}

/// Where this machine's `mariadbd` is, for tests that start servers of their own; nil when MariaDB is not installed.
public let installedMariaDBD: String? = ["/usr/sbin/mariadbd", "/usr/bin/mariadbd", "/usr/local/sbin/mariadbd"].first {
    FileManager.default.isExecutableFile(atPath: $0)
}

extension Trait where Self == ConditionTrait {
    /// Enables a test or suite only when the MySQL test server should be used (see ``MySQLTestServer``).
    public static var mysqlServer: Self {
        .enabled("needs TEST_DB_TYPE=mysql and a reachable MariaDB: run scripts/test.sh, which starts one") {
            await MySQLTestServer.shouldRun()
        }
    }
}
