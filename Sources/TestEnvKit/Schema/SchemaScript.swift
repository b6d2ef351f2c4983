import Foundation

/// One SQL script to load into every new environment: a file, read when first needed, or text.
///
/// ```swift
/// let script = SchemaScript.file("Fixtures/mysql/schema.sql")
/// let inline = SchemaScript.text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)", name: "notes")
/// ```
public struct SchemaScript: Sendable, Hashable {
    enum Source: Sendable, Hashable {
        case file(String)
        case text(String)
    }

    let source: Source
    /// The name used in error messages: the file's path, or the name given to text.
    public let name: String

    /// A script read from a file (relative paths resolve against the current directory).
    public static func file(_ path: String) -> SchemaScript {
        SchemaScript(source: .file(path), name: path)
    }

    /// A script given as text; `name` appears in error messages.
    public static func text(_ sql: String, name: String = "inline script") -> SchemaScript {
        SchemaScript(source: .text(sql), name: name)
    }

    /// The script's text with line endings normalized to `\n`.
    ///
    /// - Throws: ``TestEnvError/Code/schemaFileUnreadable`` naming the file and the reason.
    public func contents() throws -> String {
        switch source {
        case .text(let sql):
            return sql.replacingOccurrences(of: "\r\n", with: "\n")
        case .file(let path):
            do {
                return try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: "\r\n", with: "\n")
            } catch {
                let directory = FileManager.default.currentDirectoryPath
                throw TestEnvError(
                    .schemaFileUnreadable,
                    "cannot read schema file \(path) (current directory: \(directory)): \(error.localizedDescription)")
            }
        }
    }
}

/// What to do with statements that select, create or drop a whole database (`USE`, `CREATE
/// DATABASE`, `DROP SCHEMA`, …) in a schema script.
public enum DatabaseStatementPolicy: Sendable, Hashable {
    /// Refuse them with an error naming the file, line and statement. The default.
    case refuse
    /// Skip them, and rewrite references to the database the script creates or selects
    /// (`sakila.film` after `USE sakila`) to the isolated database. References to any other
    /// existing database are still refused.
    case skip
}

/// The schema of an environment: scripts per backend, loaded in order into every new environment.
///
/// A MySQL script and a SQLite script describe the same logical schema; each environment loads
/// the ones for the backend it really got (after a fallback, the SQLite ones).
///
/// ```swift
/// let schema = Schema(
///     mysql: [.file("Fixtures/mysql/schema.sql")],
///     sqlite: [.file("Fixtures/sqlite/schema.sql")])
/// try await withIsolatedEnvironment(schema: schema) { env in … }
/// ```
public struct Schema: Sendable, Hashable {
    /// Scripts for MySQL environments.
    public var mysql: [SchemaScript]
    /// Scripts for SQLite environments.
    public var sqlite: [SchemaScript]
    /// What to do with `USE`, `CREATE DATABASE` and similar statements.
    public var databaseStatements: DatabaseStatementPolicy

    /// Creates a schema from scripts per backend.
    public init(mysql: [SchemaScript] = [], sqlite: [SchemaScript] = [], databaseStatements: DatabaseStatementPolicy = .refuse) {
        self.mysql = mysql
        self.sqlite = sqlite
        self.databaseStatements = databaseStatements
    }

    /// The scripts for `backend`.
    public func scripts(for backend: DatabaseBackend) -> [SchemaScript] {
        backend == .mysql ? mysql : sqlite
    }
}
