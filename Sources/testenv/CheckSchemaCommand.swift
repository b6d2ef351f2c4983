import ArgumentParser
import Foundation
import TestEnvKit

/// `testenv check-schema FILE...`: loads scripts into a throwaway environment and reports what they create.
struct CheckSchemaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-schema",
        abstract: "Load schema scripts into an isolated environment, print what it contains, and remove it.",
        discussion: """
            Counts tables, views, triggers, routines (MySQL) and indexes, and rows per table. \
            Every statement the schema guard refuses is listed with its file and line before anything \
            is loaded; then errors name the file and line and exit non-zero.
            """
    )

    @Argument(help: "SQL scripts, loaded in order.")
    var files: [String]

    @OptionGroup var backendOptions: BackendOptions

    @Flag(help: "Skip USE / CREATE DATABASE / DROP DATABASE statements and load the script into the isolated database.")
    var skipDatabaseStatements = false

    @Flag(help: "Print one JSON object with keys backend, database, tables, views, triggers, routines, indexes, rows.")
    var json = false

    func run() async throws {
        let configuration = try backendOptions.configuration()
        let scripts = files.map(SchemaScript.file)
        let schema = Schema(mysql: scripts, sqlite: scripts, databaseStatements: skipDatabaseStatements ? .skip : .refuse)
        let manager = TestEnvironmentManager(configuration: configuration)
        do {
            // Every refused statement at once, each with its file and line; then the load, which the server checks too.
            let refusals = try schema.refusedStatements(for: configuration.backend, otherDatabases: await serverDatabases(configuration))
            if !refusals.isEmpty {
                let lines = refusals.map(\.description) + ["\(refusals.count) statement(s) refused; nothing was loaded."]
                FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8))
                throw ExitCode.failure
            }
            let inventory = try await TerminalProgress("loading \(files.joined(separator: ", "))").during {
                try await withIsolatedEnvironment(schema: schema, manager: manager) { environment in
                    try await SchemaInventory.take(of: environment)
                }
            }
            print(json ? try sortedJSON(inventory) : Self.text(inventory))
        } catch let error as TestEnvError {
            FileHandle.standardError.write(Data((error.description + "\n").utf8))
            throw ExitCode.failure
        }
    }

    /// The names of the MySQL server's databases, for the guard's check of qualified names; empty
    /// for SQLite or when the server does not answer (the load reports that).
    private func serverDatabases(_ configuration: TestEnvConfiguration) async -> Set<String> {
        guard configuration.backend == .mysql, let connection = try? await MySQLConnection.connect(configuration.mysql) else { return [] }
        let rows = try? await connection.all("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA", [])
        await connection.close()
        return Set((rows ?? []).compactMap { try? $0.decode(String.self, 0) })
    }

    static func text(_ inventory: SchemaInventory) -> String {
        var lines = [
            "backend:  \(inventory.backend)",
            "database: \(inventory.database) (removed)",
            "tables: \(inventory.tables), views: \(inventory.views), triggers: \(inventory.triggers), routines: \(inventory.routines), indexes: \(inventory.indexes)",
            "rows:",
        ]
        let width = inventory.rows.keys.map(\.count).max() ?? 0
        for (table, count) in inventory.rows.sorted(by: { $0.key < $1.key }) {
            lines.append("  \(table.padding(toLength: width, withPad: " ", startingAt: 0))  \(count)")
        }
        return lines.joined(separator: "\n")
    }
}
