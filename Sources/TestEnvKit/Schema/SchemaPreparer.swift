import Foundation
import TestEnvCore

/// A schema as one backend loads it: its fingerprint and each script's statements, split once.
struct PreparedSchema: Sendable {
    let schema: Schema
    let backend: DatabaseBackend
    let fingerprint: SchemaFingerprint
    /// Per script, its name and statements, in loading order.
    let scripts: [(name: String, statements: [ScriptStatement])]

    /// Runs the statements into `connection`, each checked by the schema guard first, one per call.
    ///
    /// - Throws: ``TestEnvError/Code/schemaStatementRefused`` or `schemaStatementFailed`, naming file and line.
    func load(into connection: any DatabaseConnection, database: String, otherDatabases: Set<String>) async throws {
        var statementGuard = SchemaStatementGuard(
            isolatedDatabase: database, policy: schema.databaseStatements, dialect: backend, otherDatabases: otherDatabases)
        for script in scripts {
            for statement in script.statements {
                let location = "\(script.name):\(statement.line)"
                guard let sql = try statementGuard.review(statement, location: location) else { continue }
                do {
                    try await connection.executeScript(sql)
                } catch let error as any DatabaseDriverError {
                    throw TestEnvError(
                        .schemaStatementFailed, "the \(backend) database rejected this schema statement: \(error.message)",
                        location: location, statement: statement.text, underlying: error)
                }
            }
        }
    }
}

/// Prepares each schema once per backend and server version: every file is read once, hashed and
/// split from the same text, off Swift's cooperative pool (a large dump is seconds of CPU). Asking
/// again costs a `stat` per file; an edited file is prepared again.
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
    /// - Throws: ``TestEnvError/Code/schemaFileUnreadable``, or `invalidInput` for a script with no statement.
    func prepare(_ schema: Schema, backend: DatabaseBackend, serverVersion: String) async throws -> PreparedSchema {
        let scripts = schema.scripts(for: backend)
        let key = Key(schema: schema, backend: backend, serverVersion: serverVersion, stamps: scripts.map(\.stamp))
        return try await prepared.value(for: key) {
            try await runOffPool {
                let contents = try scripts.map { try $0.contents() }
                let split = try zip(scripts, contents).map { script, text in
                    let statements = SQLScriptSplitter.split(text, dialect: backend)
                    guard !statements.isEmpty else {
                        throw TestEnvError(
                            .invalidInput,
                            "the schema script \(script.name) holds no statements: check the path, or whether the export that wrote it failed"
                        )
                    }
                    return (script.name, statements)
                }
                return PreparedSchema(
                    schema: schema, backend: backend,
                    fingerprint: SchemaFingerprint(schema, backend: backend, serverVersion: serverVersion, contents: contents),
                    scripts: split)
            }
        }
    }
}
