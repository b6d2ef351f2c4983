/// Keeps a schema script inside the isolated database, and says early and precisely when it would not.
///
/// It reads every token of a statement — routine, trigger and event bodies, `SET STATEMENT … FOR`
/// and executable comments included — and refuses what would act outside the database or on the
/// whole server: other databases, accounts and grants, server variables, files, plugins, dynamic
/// SQL, events, `CALL`s of routines the script did not create, and `sql_mode` changes that would
/// make the server read quotes differently from this guard. Statements that select, create or drop
/// a database are refused or skipped at the top level (``DatabaseStatementPolicy``) and always
/// refused inside another statement. Qualified names `db.table` are checked: the script's own
/// database (the one it created or selected, when skipping) is rewritten to the isolated one;
/// another existing database is refused. `DEFINER = …` clauses are removed, so the loading account
/// defines every routine, view and trigger.
///
/// It is a parser, and a parser is not a boundary: on MySQL the restricted account
/// (``ConfinementPolicy``) is, and on SQLite the authorizer. The guard makes the common mistakes
/// and the known tricks fail early, with the file and line.
struct SchemaStatementGuard {
    let isolatedDatabase: String
    let policy: DatabaseStatementPolicy
    let dialect: DatabaseBackend
    /// Lower-cased names of the server's other databases.
    let otherDatabases: Set<String>
    /// Lower-cased names of databases the script created or selected.
    private(set) var scriptDatabases: Set<String> = []
    /// Lower-cased names of the procedures the script created (whose bodies passed).
    private var scriptProcedures: Set<String> = []
    /// Lower-cased user variables that hold a saved `sql_mode` (`SET @OLD_SQL_MODE=@@SQL_MODE`).
    private var savedModeVariables: Set<String> = []
    /// Lower-cased user variables that hold the saved client character set (`SET @saved_cs_client = @@character_set_client`).
    private var savedCharsetVariables: Set<String> = []

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
        func refuse(_ reason: String) -> TestEnvError {
            TestEnvError(.schemaStatementRefused, reason, location: location, statement: statement.text)
        }
        if let database = databaseStatementTarget(tokens) {
            guard policy == .skip else {
                throw refuse(
                    "this statement would leave the isolated database (`USE`, `CREATE`/`DROP`/`ALTER DATABASE` are refused). "
                        + "To load a script that creates its own database, skip such statements: Schema(…, databaseStatements: .skip) "
                        + "or `testenv check-schema --skip-database-statements`.")
            }
            if let database, !isDrop(tokens) { scriptDatabases.insert(database.lowercased()) }
            return nil
        }
        let scan = TokenScan(
            tokens: tokens, dialect: dialect, knownProcedures: scriptProcedures, savedModeVariables: savedModeVariables,
            savedCharsetVariables: savedCharsetVariables)
        if let reason = scan.refusal() { throw refuse(reason) }
        var edits = try qualifiedNameEdits(scan) { refuse($0) }
        edits += scan.definerClauses().map { ($0, "") }
        scriptProcedures.formUnion(scan.createdProcedures())
        // A variable assigned anything else no longer holds a saved mode or character set.
        for assignment in scan.variableAssignments() {
            savedModeVariables.set(assignment.name, included: assignment.savesMode)
            savedCharsetVariables.set(assignment.name, included: assignment.savesCharset)
        }
        guard !edits.isEmpty else { return statement.text }
        var rewritten = bytes
        for (range, replacement) in edits.sorted(by: { $0.0.lowerBound > $1.0.lowerBound }) {
            rewritten.replaceSubrange(range, with: Array(replacement.utf8))
        }
        return String(decoding: rewritten, as: UTF8.self)
    }

    /// For `USE x`, `CREATE|DROP|ALTER DATABASE|SCHEMA [IF [NOT] EXISTS] x` at the start of the
    /// statement: `.some(x)` (x may be nil for `ALTER DATABASE` without a name); for anything else nil.
    private func databaseStatementTarget(_ tokens: [SQLToken]) -> String?? {
        // MariaDB's `CREATE OR REPLACE DATABASE` drops and recreates: read it as `CREATE DATABASE`.
        var tokens = tokens
        if tokens.count > 3, tokens[1].value.uppercased() == "OR", tokens[2].value.uppercased() == "REPLACE" {
            tokens.removeSubrange(1...2)
        }
        let words = tokens.prefix(2).map { $0.kind == .word ? $0.value.uppercased() : "" }
        if dialect == .sqlite { return nil }
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

    /// Rewrites of the script's own database to the isolated one; throws for another existing database.
    private func qualifiedNameEdits(_ scan: TokenScan, refuse: (String) -> TestEnvError) throws -> [(Range<Int>, String)] {
        var edits: [(Range<Int>, String)] = []
        for qualifier in scan.databaseQualifiers() {
            let name = qualifier.value.lowercased()
            if name == isolatedDatabase.lowercased() { continue }
            if scriptDatabases.contains(name) {
                edits.append((qualifier.range, "`\(isolatedDatabase)`"))
            } else if otherDatabases.contains(name) {
                throw refuse(
                    "this statement refers to database `\(qualifier.value)`, outside the isolated database; a schema may only use its own tables."
                )
            }
        }
        return edits
    }
}

extension Set {
    /// Inserts `member`, or removes it, as `included` says.
    fileprivate mutating func set(_ member: Element, included: Bool) {
        if included { insert(member) } else { remove(member) }
    }
}
