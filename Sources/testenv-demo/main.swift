// The README's first command runs this: it exercises TestEnvKit on the configured backend
// (by default SQLite in memory, no server needed) and prints what it did at each step.
import Foundation
import TestEnvKit

func step(_ text: String) { print("  ✓ \(text)") }

func runDemo() async throws {
    let manager = try TestEnvironmentManager.shared()
    let directory = FileManager.default.currentDirectoryPath
    let schema = Schema(
        mysql: [.file("\(directory)/Fixtures/mysql/schema.sql")],
        sqlite: [.file("\(directory)/Fixtures/sqlite/schema.sql")])
    print("TestEnvKit demo — TEST_DB_TYPE=\(manager.configuration.backend) (sqlite unless set)")

    try await withIsolatedEnvironment(schema: schema, manager: manager) { env in
        let inventory = try await SchemaInventory.take(of: env)
        step("created an isolated \(env.backend) environment \(env.databaseName) with the Fixtures schema: \(inventory.tables) tables")
        let db = env.connection

        let merchant = try await db.run(
            "INSERT INTO merchants (name, settings) VALUES (?, ?)", ["Corner Shop", .json(#"{"currency":"EUR"}"#)])
        let merchantID = DatabaseValue.integer(merchant.lastInsertID ?? 0)
        let users = try await db.run(
            "INSERT INTO users (merchant_id, email, user_type) VALUES (?, ?, ?), (?, ?, ?), (?, ?, ?)",
            [merchantID, "ada@example.com", "admin", merchantID, "grace@example.com", "staff", merchantID, "linus@example.com", "customer"])
        step(
            "inserted merchant \(merchant.lastInsertID ?? 0) and \(users.affectedRows) users with one multi-row INSERT and bound parameters"
        )

        for row in try await db.all("SELECT id, email, user_type FROM users ORDER BY id") {
            step(
                "read back user \(try row.decode(Int.self, "id")): \(try row.decode(String.self, "email")) (\(try row.decode(String.self, "user_type")))"
            )
        }

        do {
            try await db.run("INSERT INTO users (email) VALUES (?)", ["ada@example.com"])
        } catch let error as any DatabaseDriverError where error.kind == .uniqueViolation {
            step("a duplicate email was refused as \(error.kind) (native code \(error.nativeCode))")
        }

        try await withIsolatedEnvironment(schema: schema, manager: manager) { other in
            let count = try await other.connection.get("SELECT COUNT(*) FROM users")?.decode(Int.self, 0) ?? -1
            step("a second environment, \(other.databaseName), is isolated: it sees \(count) users")
        }
    }
    step("removed both environments: \(await manager.statistics)")
}

do {
    try await runDemo()
} catch {
    FileHandle.standardError.write(Data("testenv-demo failed: \(error)\n".utf8))
    exit(1)
}
