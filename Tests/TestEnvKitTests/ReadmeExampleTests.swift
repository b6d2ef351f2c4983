import TestEnvKitTesting
import TestEnvTestSupport
import Testing

/// The README's example, compiled and run, so the documentation cannot drift from the API.
@Suite struct ReadmeExampleTests {
    let schema = Schema(mysql: [.file(FixturePaths.exampleSchema("mysql"))], sqlite: [.file(FixturePaths.exampleSchema("sqlite"))])

    @Test func signUpStoresTheUser() async throws {
        try await withIsolatedEnvironment(schema: schema) { env in
            try await env.connection.run("INSERT INTO users (email) VALUES (?)", ["ada@example.com"])
            #expect(try await env.connection.get("SELECT COUNT(*) FROM users")?.decode(Int.self, 0) == 1)
        }
    }
}
