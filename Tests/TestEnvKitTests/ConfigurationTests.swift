import Testing

@testable import TestEnvKit

@Suite struct ConfigurationTests {
    @Test("An empty environment gives the documented defaults")
    func defaults() throws {
        let configuration = try TestEnvConfiguration.fromEnvironment([:])
        #expect(configuration.backend == .sqlite)
        #expect(configuration.mysql.host == "127.0.0.1")
        #expect(configuration.mysql.port == 3306)
        #expect(configuration.mysql.user == "root")
        #expect(configuration.mysql.password == "")
        #expect(configuration.mysql.unixSocket == nil)
        #expect(configuration.sqlitePath == ":memory:")
        #expect(configuration.requiresRequestedBackend == false)
    }

    @Test("Every variable is read")
    func readsEverything() throws {
        let configuration = try TestEnvConfiguration.fromEnvironment([
            "TEST_DB_TYPE": "MySQL", "TEST_DB_HOST": "db.internal", "TEST_DB_PORT": "3307", "TEST_DB_USER": "ci",
            "TEST_DB_PASSWORD": "s3cret", "TEST_DB_SOCKET": "/run/mysqld.sock", "DB_TEST_PATH": "/tmp/dbs", "TEST_DB_TIMEOUT": "2.5",
        ])
        #expect(configuration.backend == .mysql)
        #expect(configuration.mysql.host == "db.internal")
        #expect(configuration.mysql.port == 3307)
        #expect(configuration.mysql.user == "ci")
        #expect(configuration.mysql.password == "s3cret")
        #expect(configuration.mysql.unixSocket == "/run/mysqld.sock")
        #expect(configuration.sqlitePath == "/tmp/dbs")
        #expect(configuration.operationTimeout == .milliseconds(2500))
    }

    @Test(
        "TEST_DB_REQUIRE and CI each turn fallback off; CI may name its system",
        arguments: [["TEST_DB_REQUIRE": "1"], ["CI": "true"], ["TEST_DB_REQUIRE": "yes", "CI": "0"], ["CI": "woodpecker"]])
    func strictness(environment: [String: String]) throws {
        #expect(try TestEnvConfiguration.fromEnvironment(environment).requiresRequestedBackend)
    }

    @Test("An unknown backend is an error naming the variable and the accepted values")
    func unknownBackend() {
        let error = #expect(throws: TestEnvError.self) { try TestEnvConfiguration.fromEnvironment(["TEST_DB_TYPE": "postgres"]) }
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.message == #"TEST_DB_TYPE="postgres" is not valid: use sqlite or mysql."#)
    }

    @Test("A port that is not a number from 1 to 65535 is an error naming the variable", arguments: ["abc", "0", "65536", "-1", "33o6"])
    func invalidPort(value: String) {
        let error = #expect(throws: TestEnvError.self) { try TestEnvConfiguration.fromEnvironment(["TEST_DB_PORT": value]) }
        #expect(error?.message.hasPrefix("TEST_DB_PORT=") == true)
        #expect(error?.message.contains("1 to 65535") == true)
    }

    @Test("Flags and timeouts refuse values they do not understand")
    func invalidFlagAndTimeout() throws {
        #expect(throws: TestEnvError.self) { try TestEnvConfiguration.fromEnvironment(["TEST_DB_REQUIRE": "maybe"]) }
        #expect(throws: TestEnvError.self) { try TestEnvConfiguration.fromEnvironment(["TEST_DB_TIMEOUT": "-3"]) }
        #expect(throws: TestEnvError.self) { try TestEnvConfiguration.fromEnvironment(["TEST_DB_TIMEOUT": "1e17"]) }
        #expect(throws: TestEnvError.self) { try TestEnvConfiguration.fromEnvironment(["TEST_DB_TIMEOUT": "0.0001"]) }
        #expect(try TestEnvConfiguration.fromEnvironment(["CI": "false"]).requiresRequestedBackend == false)
    }

    @Test("Settings made in code win over the environment")
    func codeWins() throws {
        var configuration = try TestEnvConfiguration.fromEnvironment(["TEST_DB_TYPE": "mysql", "TEST_DB_PORT": "3307"])
        configuration.backend = .sqlite
        configuration.mysql.port = 4000
        let manager = TestEnvironmentManager(configuration: configuration)
        #expect(manager.configuration.backend == .sqlite)
        #expect(manager.configuration.mysql.port == 4000)
    }

    @Test("Database names are test_ and 32 hex digits, unique, and sort by creation time")
    func databaseNames() {
        let earlier = DatabaseName.make(now: .init(timeIntervalSince1970: 1_700_000_000))
        let later = DatabaseName.make(now: .init(timeIntervalSince1970: 1_700_000_001))
        #expect(DatabaseName.isValid(earlier))
        #expect(earlier < later)
        #expect(Set((0..<1000).map { _ in DatabaseName.make() }).count == 1000)
        #expect(!DatabaseName.isValid("test_x; DROP DATABASE mysql"))
        #expect(!DatabaseName.isValid("test_" + String(repeating: "A", count: 32)))
    }
}
