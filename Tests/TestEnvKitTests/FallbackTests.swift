import Foundation
import TestEnvTestSupport
import Testing

@testable import TestEnvKit

@Suite struct FallbackTests {
    /// MySQL asked for at a closed port (port 1 on loopback: privileged, nothing listens).
    func unreachable(_ configuration: inout TestEnvConfiguration) {
        configuration.backend = .mysql
        configuration.mysql.host = "127.0.0.1"
        configuration.mysql.port = 1
        configuration.mysql.unixSocket = nil
        configuration.requiresRequestedBackend = false
    }

    @Test("An unreachable MySQL falls back to SQLite with exactly one warning naming the address and TEST_DB_REQUIRE")
    func fallsBackLoudly() async throws {
        let logs = CapturedLogs()
        let manager = KitTests.manager(unreachable, logger: logs.logger)
        let first = try await manager.createIsolatedEnvironment(schema: .example)
        let second = try await manager.createIsolatedEnvironment(schema: .example)
        for environment in [first, second] {
            #expect(environment.backend == .sqlite)
            #expect(environment.requestedBackend == .mysql)
            #expect(environment.isFallback)
            #expect(environment.fallbackReason?.contains("127.0.0.1:1") == true)
        }
        let warnings = logs.all.filter { $0.level == .warning }
        #expect(warnings.count == 1)
        #expect(warnings.first?.message.contains("127.0.0.1:1") == true)
        #expect(warnings.first?.message.contains("TEST_DB_REQUIRE=1") == true)
        #expect(await manager.statistics.createdByFallback == 2)
        try await manager.cleanupAll()
    }

    @Test("A host that accepts connections but never answers also falls back, after the probe timeout")
    func silentHostFallsBack() async throws {
        let listener = try SilentListener()
        let logs = CapturedLogs()
        let manager = KitTests.manager(
            {
                unreachable(&$0)
                $0.mysql.port = listener.port
                $0.probeTimeout = .seconds(1)
            }, logger: logs.logger)
        let environment = try await manager.createIsolatedEnvironment()
        #expect(environment.isFallback)
        #expect(environment.fallbackReason?.contains("no MySQL greeting") == true || environment.fallbackReason?.contains("2013") == true)
        #expect(logs.all.filter { $0.level == .warning }.count == 1)
        try await manager.cleanupAll()
        withExtendedLifetime(listener) {}
    }

    @Test("With TEST_DB_REQUIRE (or CI) an unreachable MySQL is an error, not a fallback")
    func strictFails() async throws {
        let logs = CapturedLogs()
        let manager = KitTests.manager(
            {
                unreachable(&$0)
                $0.requiresRequestedBackend = true
            }, logger: logs.logger)
        let error = await #expect(throws: TestEnvError.self) { try await manager.createIsolatedEnvironment() }
        #expect(error?.code == .serverUnreachable)
        #expect(error?.driverErrorKind == .serverUnreachable)
        #expect(error?.message.contains("127.0.0.1:1") == true)
        #expect(logs.all.filter { $0.level == .warning }.isEmpty)
        #expect(await manager.liveEnvironments.isEmpty)
    }

    @Test("A wrong password is an access-denied error and never falls back", .mysqlServer)
    func wrongPasswordNeverFallsBack() async throws {
        let logs = CapturedLogs()
        let manager = KitTests.manager(
            {
                $0.backend = .mysql
                $0.requiresRequestedBackend = false
                $0.mysql.password = "wrong-\(UUID().uuidString)"
            }, logger: logs.logger)
        let error = await #expect(throws: TestEnvError.self) { try await manager.createIsolatedEnvironment() }
        #expect(error?.code == .accessDenied)
        #expect(error?.message.contains("TEST_DB_PASSWORD") == true)
        #expect(error?.description.contains(manager.configuration.mysql.password) == false)
        #expect(logs.all.filter { $0.level == .warning }.isEmpty)
    }
}
