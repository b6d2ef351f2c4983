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
    /// Rows every environment starts with, loaded once into the template (see ``SchemaSeed``).
    public var seed: SchemaSeed?

    /// Creates a schema from scripts per backend, and optionally the rows every environment starts with.
    public init(
        mysql: [SchemaScript] = [], sqlite: [SchemaScript] = [], databaseStatements: DatabaseStatementPolicy = .refuse,
        seed: SchemaSeed? = nil
    ) {
        self.mysql = mysql
        self.sqlite = sqlite
        self.databaseStatements = databaseStatements
        self.seed = seed
    }

    /// The scripts for `backend`, the seed's scripts last.
    public func scripts(for backend: DatabaseBackend) -> [SchemaScript] {
        (backend == .mysql ? mysql : sqlite) + (seed.map { backend == .mysql ? $0.mysql : $0.sqlite } ?? [])
    }
}

/// The rows every environment of a schema starts with: SQL fixture scripts or a factory closure.
/// They run when a database is built, right after the schema — on SQLite once, into the template
/// every environment is cloned from; on MySQL once per pooled database, which many tests reuse —
/// and a recycled database returns to them (`fresh` builds, and so seeds, per test). The schema's fingerprint includes
/// the scripts' text and ``version``: change the seed, bump the version, and the next environment is
/// built with the new rows.
///
/// ```swift
/// let catalog = Schema(
///     mysql: [.file("Fixtures/mysql/schema.sql")], sqlite: [.file("Fixtures/sqlite/schema.sql")],
///     seed: .factory(version: "2") { factory in
///         _ = try await factory.createList(.product, count: 500)
///     })
/// ```
public struct SchemaSeed: Sendable, Hashable {
    /// Names this seed's rows: part of the fingerprint, so a new version builds new templates.
    public let version: String
    /// Scripts for MySQL environments, run after the schema's.
    public let mysql: [SchemaScript]
    /// Scripts for SQLite environments, run after the schema's.
    public let sqlite: [SchemaScript]
    /// Runs after the scripts, with a factory on the template's connection.
    let populate: (@Sendable (DataFactory) async throws -> Void)?

    /// Fixture scripts per backend (`INSERT`s), checked by the schema guard like the schema's own.
    /// Their text is in the fingerprint; `version` is optional.
    public static func scripts(mysql: [SchemaScript] = [], sqlite: [SchemaScript] = [], version: String = "") -> SchemaSeed {
        SchemaSeed(version: version, mysql: mysql, sqlite: sqlite, populate: nil)
    }

    /// Rows made with factories, on either backend. The closure is not in the fingerprint:
    /// `version` stands for it — with the place the seed is written (`fileID`, `line`, filled in),
    /// so two seeds of one version never pass for each other — so change it whenever the closure
    /// changes what it writes.
    public static func factory(
        version: String, fileID: String = #fileID, line: Int = #line, _ populate: @escaping @Sendable (DataFactory) async throws -> Void
    ) -> SchemaSeed {
        SchemaSeed(version: "\(version) @ \(fileID):\(line)", mysql: [], sqlite: [], populate: populate)
    }

    /// Seeds are equal when their version and scripts are: the closure is stood for by the version.
    public static func == (lhs: SchemaSeed, rhs: SchemaSeed) -> Bool {
        lhs.version == rhs.version && lhs.mysql == rhs.mysql && lhs.sqlite == rhs.sqlite && (lhs.populate == nil) == (rhs.populate == nil)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(version)
        hasher.combine(mysql)
        hasher.combine(sqlite)
        hasher.combine(populate == nil)
    }
}
