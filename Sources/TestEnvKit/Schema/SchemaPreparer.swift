import Foundation
import Synchronization
import TestEnvCore

/// A schema as one backend loads it: its fingerprint, and each script's statements, split once
/// when first loaded — a run that finds its template image or parked databases never splits.
struct PreparedSchema: Sendable {
    let schema: Schema
    let backend: DatabaseBackend
    let fingerprint: SchemaFingerprint
    private let statements: ScriptStatements

    init(schema: Schema, backend: DatabaseBackend, fingerprint: SchemaFingerprint, statements: ScriptStatements) {
        self.schema = schema
        self.backend = backend
        self.fingerprint = fingerprint
        self.statements = statements
    }

    /// Whether the schema has scripts for this backend at all.
    var hasScripts: Bool { statements.hasScripts }

    /// Per script, its name and statements, in loading order; split off the cooperative pool.
    ///
    /// - Throws: `invalidInput` for a script with no statement.
    func scripts() async throws -> [(name: String, statements: [ScriptStatement])] {
        let statements = statements
        return try await runOffPool { try statements.value() }
    }

    /// Runs the statements into `connection`, each checked by the schema guard first, one per call.
    ///
    /// - Throws: ``TestEnvError/Code/schemaStatementRefused`` or `schemaStatementFailed`, naming file and line.
    func load(into connection: any DatabaseConnection, database: String, otherDatabases: Set<String>) async throws {
        var statementGuard = SchemaStatementGuard(
            isolatedDatabase: database, policy: schema.databaseStatements, dialect: backend, otherDatabases: otherDatabases)
        var previous: String?
        for script in try await scripts() {
            for statement in script.statements {
                let location = "\(script.name):\(statement.line)"
                guard let sql = try statementGuard.review(statement, location: location) else { continue }
                do {
                    try await connection.executeStatement(sql)
                } catch let error as any DatabaseDriverError {
                    throw TestEnvError(
                        .schemaStatementFailed, Self.failureMessage(error, backend: backend, previous: previous),
                        location: location, statement: statement.text, underlying: error)
                }
                previous = location
            }
        }
        if let seed = schema.seed, let populate = seed.populate {
            do { try await populate(DataFactory(connection: connection)) } catch let error as TestEnvError {
                throw error
            } catch {
                throw TestEnvError(
                    .schemaStatementFailed, "the schema's seed (version \(String(reflecting: seed.version))) failed: \(error)",
                    location: "seed \(seed.version)", underlying: error as? any DatabaseDriverError)
            }
        }
    }

    private static func failureMessage(_ error: any DatabaseDriverError, backend: DatabaseBackend, previous: String?) -> String {
        switch error.kind {
        case .permissionDenied where backend == .sqlite:
            return "SQLite refused this schema statement (\(error.message)): environments are confined to their own database file."
        case .permissionDenied:
            return "the server refused this schema statement for lack of a privilege (\(error.message)); "
                + "a statement that needs rights beyond the test's own database does not belong in a schema script."
        case _ where error.nativeCode == 1419 && backend == .mysql:
            return
                "the server writes a binary log, and then lets only accounts with SUPER create a function not declared DETERMINISTIC, NO SQL or READS SQL DATA (\(error.message)). "
                + "Declare the function so, set log_bin_trust_function_creators=1 on the server, or load as the configured user with TEST_DB_CONFINEMENT=off."
        case .connectionLost:
            return "the connection to the server was lost at this statement (\(error.message))"
                + (previous.map { "; the statement before it (\($0)) may have stopped the server" } ?? "")
        default:
            return "\(backend == .mysql ? "the server" : "SQLite") rejected this schema statement: \(error.message)"
        }
    }

    /// Every statement of the scripts the schema guard refuses, each naming its file and line —
    /// not only the first. `otherDatabases`: the server's databases, lower-cased, for qualified names.
    static func refusals(
        in scripts: [(name: String, statements: [ScriptStatement])], schema: Schema, backend: DatabaseBackend, otherDatabases: Set<String>
    )
        -> [TestEnvError]
    {
        var statementGuard = SchemaStatementGuard(
            isolatedDatabase: "test_review", policy: schema.databaseStatements, dialect: backend, otherDatabases: otherDatabases)
        var refusals: [TestEnvError] = []
        for script in scripts {
            for statement in script.statements {
                do { _ = try statementGuard.review(statement, location: "\(script.name):\(statement.line)") } catch let error
                    as TestEnvError
                {
                    refusals.append(error)
                } catch {}
            }
        }
        return refusals
    }
}

/// Prepares each schema once per backend and server version: every file is read once and hashed,
/// off Swift's cooperative pool, and the same text is split when first loaded (``ScriptStatements``;
/// a large dump is seconds of CPU). Asking again costs a `stat` per file; an edited file is
/// prepared again.
actor SchemaPreparer {
    private struct Key: Hashable {
        let schema: Schema
        let backend: DatabaseBackend
        let serverVersion: String
        let stamps: [FileStamp?]
    }

    private let prepared = OnceTasks<Key, PreparedSchema>()

    /// `schema` prepared for `backend` on a server of `serverVersion`.
    ///
    /// - Throws: ``TestEnvError/Code/schemaFileUnreadable``.
    func prepare(_ schema: Schema, backend: DatabaseBackend, serverVersion: String) async throws -> PreparedSchema {
        let scripts = schema.scripts(for: backend)
        let key = Key(schema: schema, backend: backend, serverVersion: serverVersion, stamps: scripts.map(\.stamp))
        return try await prepared.value(for: key) {
            try await runOffPool {
                let contents = try scripts.map { try $0.contents() }
                return PreparedSchema(
                    schema: schema, backend: backend,
                    fingerprint: SchemaFingerprint(schema, backend: backend, serverVersion: serverVersion, contents: contents),
                    statements: ScriptStatements(scripts: scripts, contents: contents, backend: backend))
            }
        }
    }

    /// Each script's statements; a script without any is an error.
    static func split(_ scripts: [SchemaScript], contents: [String], backend: DatabaseBackend) throws -> [(
        name: String, statements: [ScriptStatement]
    )] {
        try zip(scripts, contents).map { script, text in
            let statements = SQLScriptSplitter.split(text, dialect: backend)
            guard !statements.isEmpty else {
                throw TestEnvError(
                    .invalidInput,
                    "the schema script \(script.name) holds no statements: check the path, or whether the export that wrote it failed")
            }
            return (script.name, statements)
        }
    }
}

extension Schema {
    /// Every statement of this schema's `backend` scripts that the schema guard refuses, each an
    /// error naming its file and line, without loading anything. `otherDatabases`: the names of the
    /// server's other databases, for references such as `other_db.table` (unknown names pass here
    /// and are checked again when the schema loads).
    ///
    /// ```swift
    /// for refusal in try schema.refusedStatements(for: .mysql) { print(refusal) }
    /// ```
    ///
    /// - Throws: ``TestEnvError/Code/schemaFileUnreadable`` or `invalidInput` for a script with no statement.
    public func refusedStatements(for backend: DatabaseBackend, otherDatabases: Set<String> = []) throws -> [TestEnvError] {
        let scripts = scripts(for: backend)
        let split = try SchemaPreparer.split(scripts, contents: try scripts.map { try $0.contents() }, backend: backend)
        return PreparedSchema.refusals(
            in: split, schema: self, backend: backend, otherDatabases: Set(otherDatabases.map { $0.lowercased() }))
    }
}

/// The statements of a schema's scripts, split from their text the first time they are asked for.
/// Splitting blocks the calling thread (a large dump is seconds of CPU): call it off the cooperative pool.
final class ScriptStatements: Sendable {
    private let scripts: [SchemaScript]
    private let contents: [String]
    private let backend: DatabaseBackend
    private let split = Mutex<Result<[(name: String, statements: [ScriptStatement])], any Error>?>(nil)

    init(scripts: [SchemaScript], contents: [String], backend: DatabaseBackend) {
        self.scripts = scripts
        self.contents = contents
        self.backend = backend
    }

    var hasScripts: Bool { !scripts.isEmpty }

    /// - Throws: `invalidInput` for a script with no statement.
    func value() throws -> [(name: String, statements: [ScriptStatement])] {
        try split.withLock { split in
            if let split { return try split.get() }
            let result = Result { try SchemaPreparer.split(scripts, contents: contents, backend: backend) }
            split = result
            return try result.get()
        }
    }
}
