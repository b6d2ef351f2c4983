/// Keeps a schema script inside the isolated database.
///
/// Statements that select, create or drop a database are refused or skipped (``DatabaseStatementPolicy``).
/// Qualified names `db.table` are checked: the script's own database (the one it created or
/// selected, when skipping) is rewritten to the isolated one; another existing database is refused.
struct SchemaStatementGuard {
    let isolatedDatabase: String
    let policy: DatabaseStatementPolicy
    let dialect: DatabaseBackend
    /// Lower-cased names of the server's other databases.
    let otherDatabases: Set<String>
    /// Lower-cased names of databases the script created or selected.
    private(set) var scriptDatabases: Set<String> = []

    init(isolatedDatabase: String, policy: DatabaseStatementPolicy, dialect: DatabaseBackend, otherDatabases: Set<String>) {
        self.isolatedDatabase = isolatedDatabase
        self.policy = policy
        self.dialect = dialect
        self.otherDatabases = otherDatabases
    }

    /// The statement to run (possibly rewritten), or nil to skip it.
    ///
    /// - Throws: ``TestEnvError/Code/schemaStatementRefused`` naming `location` and the statement.
    mutating func review(_ statement: ScriptStatement, location: String) throws -> String? {
        let bytes = Array(statement.text.utf8)
        let tokens = SQLToken.tokenize(bytes, dialect: dialect)
        if isDynamicSQL(tokens) {
            throw TestEnvError(
                .schemaStatementRefused,
                "dynamic SQL (`EXECUTE IMMEDIATE`, `PREPARE … FROM`) cannot be checked to stay inside the isolated database; write the statement itself.",
                location: location, statement: statement.text)
        }
        if let database = databaseStatementTarget(tokens) {
            guard policy == .skip else {
                throw TestEnvError(
                    .schemaStatementRefused,
                    "this statement would leave the isolated database (`USE`, `CREATE`/`DROP`/`ALTER DATABASE` are refused). "
                        + "To load a script that creates its own database, skip such statements: Schema(…, databaseStatements: .skip) "
                        + "or `testenv check-schema --skip-database-statements`.",
                    location: location, statement: statement.text)
            }
            if let database, !isDrop(tokens) { scriptDatabases.insert(database.lowercased()) }
            return nil
        }
        return try rewriteQualifiedNames(bytes, tokens, statement: statement, location: location)
    }

    /// For `USE x`, `CREATE|DROP|ALTER DATABASE|SCHEMA [IF [NOT] EXISTS] x`: `.some(x)` (x may be nil
    /// for `ALTER DATABASE` without a name); for anything else nil.
    private func isDynamicSQL(_ tokens: [SQLToken]) -> Bool {
        guard dialect == .mysql, let first = tokens.first?.value.uppercased() else { return false }
        let second = tokens.count > 1 ? tokens[1].value.uppercased() : ""
        return first == "PREPARE" || (first == "EXECUTE" && second == "IMMEDIATE")
    }

    private func databaseStatementTarget(_ tokens: [SQLToken]) -> String?? {
        // MariaDB's `CREATE OR REPLACE DATABASE` drops and recreates: read it as `CREATE DATABASE`.
        var tokens = tokens
        if tokens.count > 3, tokens[1].value.uppercased() == "OR", tokens[2].value.uppercased() == "REPLACE" {
            tokens.removeSubrange(1...2)
        }
        let words = tokens.prefix(2).map { $0.kind == .word ? $0.value.uppercased() : "" }
        if dialect == .sqlite {
            return ["ATTACH", "DETACH"].contains(words.first) ? .some(nil) : nil
        }
        if words.first == "USE" { return .some(tokens.dropFirst().first(where: \.isIdentifier)?.value) }
        guard words.count == 2, ["CREATE", "DROP", "ALTER"].contains(words[0]), ["DATABASE", "SCHEMA"].contains(words[1]) else {
            return nil
        }
        let name = tokens.dropFirst(2).first { token in
            token.kind == .quotedIdentifier || (token.kind == .word && !["IF", "NOT", "EXISTS"].contains(token.value.uppercased()))
        }
        return .some(name?.value)
    }

    private func isDrop(_ tokens: [SQLToken]) -> Bool {
        tokens.first?.value.uppercased() == "DROP"
    }

    private func rewriteQualifiedNames(_ bytes: [UInt8], _ tokens: [SQLToken], statement: ScriptStatement, location: String) throws
        -> String
    {
        var replacements: [Range<Int>] = []
        for (index, token) in tokens.enumerated() where token.isIdentifier {
            guard index + 2 < tokens.count, tokens[index + 1].kind == .dot,
                tokens[index + 2].isIdentifier || tokens[index + 2].value == "*",
                index == 0 || tokens[index - 1].kind != .dot
            else { continue }
            let qualifier = token.value.lowercased()
            if qualifier == isolatedDatabase.lowercased() { continue }
            if scriptDatabases.contains(qualifier) {
                replacements.append(token.range)
            } else if otherDatabases.contains(qualifier) {
                throw TestEnvError(
                    .schemaStatementRefused,
                    "this statement refers to database `\(token.value)`, outside the isolated database; a schema may only use its own tables.",
                    location: location, statement: statement.text)
            }
        }
        guard !replacements.isEmpty else { return statement.text }
        var rewritten = bytes
        for range in replacements.reversed() {
            rewritten.replaceSubrange(range, with: Array("`\(isolatedDatabase)`".utf8))
        }
        return String(decoding: rewritten, as: UTF8.self)
    }
}
