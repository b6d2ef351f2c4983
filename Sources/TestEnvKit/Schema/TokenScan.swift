import TestEnvCore

/// What the schema guard reads in one statement's tokens, wherever they stand: at the start, in a
/// routine, trigger or event body, after `SET STATEMENT … FOR`, or inside an executable comment.
struct TokenScan {
    let tokens: [SQLToken]
    let dialect: DatabaseBackend
    /// Lower-cased names of the procedures the script created before this statement.
    var knownProcedures: Set<String> = []
    /// Lower-cased user variables that hold the session's saved `sql_mode`.
    var savedModeVariables: Set<String> = []
    /// Lower-cased user variables that hold the session's saved client character set.
    var savedCharsetVariables: Set<String> = []

    // MARK: Refusals

    /// Why the statement must not run, or nil.
    func refusal() -> String? {
        if tokens.contains(where: { $0.kind == .unbalanced }) {
            return
                "a quote opened inside an executable comment (`/*!…*/`) closes only after the comment ends: a server that skips the comment and one that runs it would read different statements; close the quote inside the comment."
        }
        if dialect == .sqlite { return sqliteRefusal() }
        for index in tokens.indices {
            if let reason = sqlModeRefusal(at: index) { return reason }
            if isSystemVariableAssignment(at: index) {
                return serverWide("SET @@\(tokens[index + 2].value).\(tokens[index + 4].value)")
            }
            guard let word = keyword(at: index) else { continue }
            if let reason = refusal(of: word, at: index) { return reason }
        }
        return nil
    }

    private func refusal(of word: String, at index: Int) -> String? {
        let next = keyword(at: index + 1)
        switch word {
        case "GRANT", "REVOKE":
            return accounts(word)
        case "CREATE", "ALTER", "DROP", "RENAME":
            // Only where a statement starts: `ALTER TABLE t DROP user` drops a column.
            guard isStatementStart(index) else { return nil }
            switch objectKind(after: index) {
            case "USER", "ROLE": return accounts("\(word) \(objectKind(after: index)!)")
            case let kind? where index > 0 && (kind == "DATABASE" || kind == "SCHEMA"):
                return
                    "`\(word) DATABASE` inside another statement would leave the isolated database; a schema may only create objects in its own database."
            case "EVENT" where word != "DROP":
                return
                    "`\(word) EVENT` schedules statements the server runs later, outside the test's control; insert the rows or call the routine directly instead."
            case "SERVER": return serverWide("\(word) SERVER")
            default: return nil
            }
        case "SET":
            // Only where a statement starts: `UPDATE users SET role = 'admin'` sets a column.
            guard isStatementStart(index) else { return nil }
            if let scope = next, ["GLOBAL", "PERSIST", "PERSIST_ONLY"].contains(scope), isAssignment(at: index + 2) {
                return serverWide("SET \(scope)")
            }
            if next == "PASSWORD" || next == "ROLE" || (next == "DEFAULT" && keyword(at: index + 2) == "ROLE") {
                return accounts("SET \(next!)")
            }
            if next == "NAMES" || next == "CHARSET" || (next == "CHARACTER" && keyword(at: index + 2) == "SET") {
                return clientCharsetRefusal(valueAt: index + (next == "CHARACTER" ? 3 : 2))
            }
            return nil
        case "CHARACTER_SET_CLIENT", "CHARACTER_SET_CONNECTION":
            guard !isUserVariable(at: index), let value = assignedValueIndex(after: index) else { return nil }
            return clientCharsetRefusal(valueAt: value)
        case "GLOBAL", "PERSIST", "PERSIST_ONLY":
            // `SET a = 1, GLOBAL b = 2`; a column named `global` is followed by its type, not `name =`.
            guard index > 0, tokens[index - 1].value == ",", isAssignment(at: index + 1) else { return nil }
            return serverWide("SET \(word)")
        case "SHUTDOWN":
            return next == nil && (index + 1 == tokens.count || tokens[index + 1].value == ";") || next == "WAIT" ? serverWide(word) : nil
        case "RESTART":
            return index == 0 ? serverWide(word) : nil
        case "KILL":
            return serverWide(word)
        case "FLUSH":
            return next.map(Self.flushTargets.contains) ?? (index + 1 == tokens.count) ? serverWide("FLUSH \(next ?? "")") : nil
        case "INSTALL", "UNINSTALL":
            return ["PLUGIN", "SONAME", "COMPONENT"].contains(next) ? serverWide("\(word) \(next!)") : nil
        case "SONAME":
            return serverWide("SONAME")
        case "BINLOG":
            return tokens.indices.contains(index + 1) && tokens[index + 1].kind == .string ? serverWide(word) : nil
        case "CHANGE":
            return ["MASTER", "REPLICATION"].contains(next) ? serverWide("CHANGE \(next!)") : nil
        case "START", "STOP":
            return ["SLAVE", "SLAVES", "REPLICA", "ALL", "GROUP_REPLICATION"].contains(next) ? serverWide("\(word) \(next!)") : nil
        case "RESET":
            return ["MASTER", "SLAVE", "REPLICA", "QUERY", "PERSIST", "BINARY"].contains(next) ? serverWide("RESET \(next!)") : nil
        case "PURGE":
            return ["BINARY", "MASTER"].contains(next) ? serverWide("PURGE \(next!) LOGS") : nil
        case "BACKUP":
            return ["STAGE", "LOCK"].contains(next) ? serverWide("BACKUP \(next!)") : nil
        case "LOCK":
            return next == "INSTANCE" ? serverWide("LOCK INSTANCE") : nil
        case "LOAD":
            return ["DATA", "XML", "INDEX"].contains(next) ? files("LOAD \(next!)") : nil
        case "LOAD_FILE":
            return isCall(at: index) ? files("LOAD_FILE()") : nil
        case "DIRECTORY":
            guard index > 0, let previous = keyword(at: index - 1), previous == "DATA" || previous == "INDEX" else { return nil }
            return files("\(previous) DIRECTORY")
        case "INTO":
            return ["OUTFILE", "DUMPFILE"].contains(next) ? files("INTO \(next!)") : nil
        case "PREPARE":
            return keyword(at: index + 2) == "FROM" ? dynamic : nil
        case "EXECUTE":
            return next == "IMMEDIATE" ? dynamic : nil
        case "ENGINE":
            let value = keyword(at: index + (tokens.indices.contains(index + 1) && tokens[index + 1].value == "=" ? 2 : 1))
            guard let value, ["FEDERATED", "FEDERATEDX", "CONNECT", "SPIDER"].contains(value) else { return nil }
            return "`ENGINE=\(value)` tables read and write other servers or files; use a local engine (InnoDB)."
        case "USE":
            // `USE INDEX (…)` / `USE KEY` are index hints; any other `USE` inside a statement switches databases.
            guard index > 0, next != "INDEX", next != "KEY" else { return nil }
            return "`USE` inside a statement would leave the isolated database; a schema may only use its own database."
        case "CALL":
            // Inside a routine, trigger or event body it can only reach this database's routines
            // (dumps create them in name order, after the triggers that call them).
            guard keyword(at: 0) != "CREATE", tokens.indices.contains(index + 1), tokens[index + 1].isIdentifier else { return nil }
            let qualified = tokens.indices.contains(index + 2) && tokens[index + 2].kind == .dot
            guard !qualified, !knownProcedures.contains(tokens[index + 1].value.lowercased()) else { return nil }
            return
                "`CALL \(tokens[index + 1].value)` calls a routine this script did not create; a schema script may call only procedures it created before the call."
        default:
            return nil
        }
    }

    /// Client character sets whose bytes read quotes and backslashes as the guard does (no
    /// multi-byte character ends in `\\`, as in gbk or sjis).
    private static let safeClientCharsets: Set<String> = [
        "utf8mb4", "utf8", "utf8mb3", "latin1", "ascii", "binary", "default", "latin2", "cp1250", "cp1251", "cp1252",
    ]

    /// A refusal unless the client character set at `index` is a literal the guard reads alike, or
    /// a variable that saved the session's own (`SET @saved_cs_client = @@character_set_client`).
    private func clientCharsetRefusal(valueAt index: Int) -> String? {
        guard tokens.indices.contains(index) else { return nil }
        let value = tokens[index]
        if value.kind == .word || value.kind == .string || value.kind == .quotedIdentifier,
            Self.safeClientCharsets.contains(value.value.lowercased())
        {
            return nil
        }
        if let name = userVariableName(at: index), savedCharsetVariables.contains(name.lowercased()) { return nil }
        return
            "this statement sets the client character set to `\(value.value)`, which the guard cannot follow (in gbk, sjis, big5 … a character can end in a backslash and change how quotes are read); use utf8mb4."
    }

    /// Whether a statement starts at `index`: the first token, or after `;`, a label, a body's
    /// opening (`BEGIN`, `THEN`, `ELSE`, `DO`, `LOOP`, `REPEAT`, `FOR EACH ROW`, a routine's
    /// parameters and characteristics), or `SET STATEMENT … FOR`.
    private func isStatementStart(_ index: Int) -> Bool {
        // Comments between the words do not count.
        var before = index - 1
        while before >= 0, tokens[before].kind == .opaque { before -= 1 }
        guard before >= 0 else { return true }
        let previous = tokens[before]
        if [";", ":", ")"].contains(previous.value) || previous.kind == .string { return true }
        guard let word = keyword(at: before) else { return false }
        return Self.statementOpeners.contains(word)
    }

    private static let statementOpeners: Set<String> = [
        "BEGIN", "ATOMIC", "THEN", "ELSE", "DO", "LOOP", "REPEAT", "FOR", "ROW", "DETERMINISTIC", "DATA", "SQL", "DEFINER", "INVOKER",
    ]

    /// `name =` or `name :=` at `index`: a variable being assigned.
    private func isAssignment(at index: Int) -> Bool {
        guard tokens.indices.contains(index), tokens[index].isIdentifier else { return false }
        return assignedValueIndex(after: index) != nil
    }

    private static let flushTargets: Set<String> = [
        "TABLES", "TABLE", "PRIVILEGES", "LOGS", "STATUS", "HOSTS", "QUERY", "LOCAL", "NO_WRITE_TO_BINLOG", "BINARY", "ENGINE", "ERROR",
        "GENERAL", "RELAY", "SLOW", "USER_RESOURCES", "DES_KEY_FILE", "OPTIMIZER_COSTS", "CLIENT_STATISTICS", "INDEX_STATISTICS",
        "TABLE_STATISTICS", "USER_STATISTICS", "USER_VARIABLES", "SSL", "MASTER", "SLAVE", "BINLOG", "CHANGED_PAGE_BITMAPS",
        "QUERY_RESPONSE_TIME", "THREAD_STATISTICS",
    ]

    private var dynamic: String {
        "dynamic SQL (`EXECUTE IMMEDIATE`, `PREPARE … FROM`) cannot be checked to stay inside the isolated database; write the statement itself."
    }

    private func serverWide(_ what: String) -> String {
        "`\(what)` acts on the whole server, not on the test's database; remove it from the schema script (set server options in the server's configuration)."
    }

    private func accounts(_ what: String) -> String {
        "`\(what)` changes the server's accounts or privileges; a schema script may only create objects in its own database."
    }

    private func files(_ what: String) -> String {
        "`\(what)` reads or writes files on the server; load rows with INSERT statements instead."
    }

    private func sqliteRefusal() -> String? {
        for index in tokens.indices {
            guard let word = keyword(at: index) else { continue }
            switch word {
            case "ATTACH", "DETACH":
                return "`\(word)` would reach another database file; a schema may only use its own database."
            case "VACUUM" where tokens[index...].contains(where: { $0.kind == .word && $0.value.uppercased() == "INTO" }):
                return "`VACUUM INTO` writes another database file; a schema may only use its own database."
            case "LOAD_EXTENSION" where isCall(at: index):
                return "`load_extension()` loads native code into the test process; it is refused."
            default:
                continue
            }
        }
        return nil
    }

    // MARK: sql_mode

    /// Modes that change how the server reads quotes and backslashes, which the guard's lexer would then misread.
    private static let lexingModes: Set<String> = [
        "ANSI", "ANSI_QUOTES", "NO_BACKSLASH_ESCAPES", "DB2", "MAXDB", "MSSQL", "ORACLE", "POSTGRESQL",
    ]

    /// A refusal when `sql_mode` is assigned at `index` to anything but a literal without lexing
    /// modes, `DEFAULT`, the current mode, or a variable that saved it.
    private func sqlModeRefusal(at index: Int) -> String? {
        let token = tokens[index]
        guard token.kind == .word, token.value.uppercased() == "SQL_MODE", !isUserVariable(at: index) else { return nil }
        guard let valueIndex = assignedValueIndex(after: index) else { return nil }
        let value = tokens[valueIndex]
        var end = valueIndex + 1
        var acceptable = false
        if value.kind == .string {
            // A backslash would be read by the server (`'\\ANSI_QUOTES'` is `ANSI_QUOTES`) and not here: refused.
            let modes = value.value.uppercased().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            acceptable = !value.value.contains("\\") && !modes.contains(where: Self.lexingModes.contains)
        } else if value.kind == .word, value.value.uppercased() == "DEFAULT" {
            acceptable = true
        } else if let variable = userVariableName(at: valueIndex) {
            acceptable = savedModeVariables.contains(variable.lowercased())
            end = valueIndex + 2
        } else if let read = systemSQLModeRead(at: valueIndex) {
            acceptable = true
            end = read
        }
        // The value must stand alone: `'' ` followed by `||`, a function call around it, … is not read.
        if acceptable, tokens.indices.contains(end), ![",", ";", ")"].contains(tokens[end].value), tokens[end].value.uppercased() != "FOR" {
            acceptable = false
        }
        guard !acceptable else { return nil }
        return
            "this `SET sql_mode` makes the server read quotes or backslashes differently (ANSI_QUOTES, NO_BACKSLASH_ESCAPES, ANSI, …) or sets a value the guard cannot read; use a literal mode without those, or set it in the server's configuration."
    }

    /// The user variables this statement assigns, each with what it saves: the session's
    /// `sql_mode`, its client character set, or something else (then it holds neither any more).
    func variableAssignments() -> [(name: String, savesMode: Bool, savesCharset: Bool)] {
        var assignments: [(String, Bool, Bool)] = []
        for index in tokens.indices {
            guard let name = userVariableName(at: index), let valueIndex = assignedValueIndex(after: index + 1) else { continue }
            let savesMode = systemSQLModeRead(at: valueIndex) != nil
            let savesCharset =
                tokens.indices.contains(valueIndex + 2) && tokens[valueIndex].value == "@" && tokens[valueIndex + 1].value == "@"
                && ["CHARACTER_SET_CLIENT", "CHARACTER_SET_CONNECTION"].contains(tokens[valueIndex + 2].value.uppercased())
            assignments.append((name.lowercased(), savesMode, savesCharset))
        }
        return assignments
    }

    /// `@name` starting at `index` (an `@` not preceded by another): the name.
    private func userVariableName(at index: Int) -> String? {
        guard tokens[index].value == "@", index == 0 || tokens[index - 1].value != "@", tokens.indices.contains(index + 1),
            tokens[index + 1].kind == .word || tokens[index + 1].kind == .quotedIdentifier
        else { return nil }
        return tokens[index + 1].value
    }

    private func isUserVariable(at index: Int) -> Bool {
        index > 0 && tokens[index - 1].value == "@" && (index < 2 || tokens[index - 2].value != "@")
    }

    /// `@@sql_mode` or `@@session.sql_mode` (also `local`, `global`) at `index`: the index after it.
    private func systemSQLModeRead(at index: Int) -> Int? {
        guard tokens.indices.contains(index + 2), tokens[index].value == "@", tokens[index + 1].value == "@" else { return nil }
        var cursor = index + 2
        if tokens.indices.contains(cursor + 2), ["SESSION", "LOCAL", "GLOBAL"].contains(tokens[cursor].value.uppercased()),
            tokens[cursor + 1].kind == .dot
        {
            cursor += 2
        }
        return tokens[cursor].value.uppercased() == "SQL_MODE" ? cursor + 1 : nil
    }

    /// The index of the value after `=` or `:=` following `index`, or nil when nothing is assigned there.
    private func assignedValueIndex(after index: Int) -> Int? {
        var cursor = index + 1
        if tokens.indices.contains(cursor), tokens[cursor].value == ":" { cursor += 1 }
        guard tokens.indices.contains(cursor + 1), tokens[cursor].value == "=" else { return nil }
        return cursor + 1
    }

    /// `@@global.x =` (or `persist`, `persist_only`) at `index`.
    private func isSystemVariableAssignment(at index: Int) -> Bool {
        guard tokens.indices.contains(index + 4), tokens[index].value == "@", tokens[index + 1].value == "@",
            ["GLOBAL", "PERSIST", "PERSIST_ONLY"].contains(tokens[index + 2].value.uppercased()), tokens[index + 3].kind == .dot
        else { return false }
        return assignedValueIndex(after: index + 4) != nil
    }

    // MARK: Names

    /// The qualifiers of `qualifier.name` references that denote a database: every three-part
    /// name's first part, and a two-part name's first part unless the statement declares it as an
    /// alias or table and it stands where a column reference does (`test.id` after `… AS test`).
    func databaseQualifiers() -> [SQLToken] {
        let declared = declaredNames()
        let inTableList = tableLists()
        var qualifiers: [SQLToken] = []
        for (index, token) in tokens.enumerated() where token.isIdentifier {
            guard index + 2 < tokens.count, tokens[index + 1].kind == .dot,
                tokens[index + 2].isIdentifier || tokens[index + 2].value == "*",
                index == 0 || (tokens[index - 1].kind != .dot && tokens[index - 1].value != "@")
            else { continue }
            let threePart = index + 4 < tokens.count && tokens[index + 3].kind == .dot && tokens[index + 4].isIdentifier
            let tablePosition = isTablePosition(index) || (index > 0 && tokens[index - 1].value == "," && inTableList[index])
            if !threePart, declared.contains(token.value.lowercased()), !tablePosition { continue }
            qualifiers.append(token)
        }
        return qualifiers
    }

    /// Names the statement declares as aliases (`AS x`, `FROM t x`) or tables it reads unqualified.
    private func declaredNames() -> Set<String> {
        var names: Set<String> = []
        for index in tokens.indices {
            guard let word = keyword(at: index) else { continue }
            if word == "AS", tokens.indices.contains(index + 1), tokens[index + 1].isIdentifier {
                names.insert(tokens[index + 1].value.lowercased())
            }
            guard ["FROM", "JOIN", "UPDATE"].contains(word), tokens.indices.contains(index + 1), tokens[index + 1].isIdentifier else {
                continue
            }
            var cursor = index + 1
            if tokens.indices.contains(cursor + 2), tokens[cursor + 1].kind == .dot {
                cursor += 2
            } else {
                names.insert(tokens[cursor].value.lowercased())
            }
            if tokens.indices.contains(cursor + 1), tokens[cursor + 1].isIdentifier,
                !Self.clauseWords.contains(tokens[cursor + 1].value.uppercased()) || tokens[cursor + 1].kind == .quotedIdentifier
            {
                names.insert(tokens[cursor + 1].value.lowercased())
            }
        }
        return names
    }

    private static let clauseWords: Set<String> = [
        "WHERE", "JOIN", "LEFT", "RIGHT", "INNER", "OUTER", "CROSS", "NATURAL", "STRAIGHT_JOIN", "ON", "USING", "GROUP", "ORDER", "LIMIT",
        "HAVING", "SET", "WINDOW", "UNION", "EXCEPT", "INTERSECT", "FOR", "LOCK", "PARTITION", "USE", "IGNORE", "FORCE", "AS", "VALUES",
        "SELECT", "INTO", "PROCEDURE", "RETURNING", "WITH", "FULL", "AND", "OR",
    ]

    /// Per token, whether it stands in a list of tables (`FROM a, b`, `UPDATE a, b`), where a
    /// name after `,` is a table, not a column.
    private func tableLists() -> [Bool] {
        var inList = false
        return tokens.indices.map { index in
            if let word = keyword(at: index) {
                if ["FROM", "JOIN", "UPDATE", "INTO", "TABLE", "TABLES"].contains(word) {
                    inList = true
                } else if Self.tableListEnds.contains(word) {
                    inList = false
                }
            } else if [";", "(", ")"].contains(tokens[index].value) {
                inList = false
            }
            return inList
        }
    }

    /// Clause words that end a list of tables: all but the joins and `AS`, which continue it.
    private static let tableListEnds = clauseWords.subtracting([
        "JOIN", "LEFT", "RIGHT", "INNER", "OUTER", "CROSS", "NATURAL", "STRAIGHT_JOIN", "AS",
    ])

    /// Whether the name at `index` stands where only a table (or routine) name can.
    private func isTablePosition(_ index: Int) -> Bool {
        guard index > 0, let previous = keyword(at: index - 1) else { return false }
        // `… AFTER INSERT ON db.t` (a trigger), `CREATE INDEX i ON db.t`.
        if previous == "ON" {
            let before = keyword(at: index - 2)
            return ["INSERT", "UPDATE", "DELETE"].contains(before ?? "") || keyword(at: index - 3) == "INDEX"
        }
        return [
            "FROM", "JOIN", "INTO", "UPDATE", "TABLE", "TABLES", "REFERENCES", "CALL", "LIKE", "TRUNCATE", "HANDLER", "EXISTS", "VIEW",
            "TRIGGER", "PROCEDURE", "FUNCTION", "EVENT", "DELETE", "STRAIGHT_JOIN", "RENAME", "TO",
        ].contains(previous)
    }

    /// The procedures this statement creates (`CREATE [OR REPLACE] [DEFINER=…] PROCEDURE [IF NOT EXISTS] [db.]p`), lower-cased.
    func createdProcedures() -> Set<String> {
        guard keyword(at: 0) == "CREATE", objectKind(after: 0) == "PROCEDURE",
            var cursor = tokens.firstIndex(where: { $0.kind == .word && $0.value.uppercased() == "PROCEDURE" })
        else { return [] }
        cursor += 1
        while let word = keyword(at: cursor), ["IF", "NOT", "EXISTS"].contains(word) { cursor += 1 }
        if tokens.indices.contains(cursor + 2), tokens[cursor + 1].kind == .dot { cursor += 2 }
        return tokens.indices.contains(cursor) && tokens[cursor].isIdentifier ? [tokens[cursor].value.lowercased()] : []
    }

    /// The byte ranges of `DEFINER = user` clauses in the prefix of `CREATE`/`ALTER` statements.
    func definerClauses() -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        for index in tokens.indices where keyword(at: index) == "DEFINER" {
            guard index > 0, let previous = keyword(at: index - 1),
                ["CREATE", "REPLACE", "ALTER", "UNDEFINED", "MERGE", "TEMPTABLE"].contains(previous),
                let end = endOfDefiner(at: index)
            else { continue }
            ranges.append(tokens[index].range.lowerBound..<tokens[end - 1].range.upperBound)
        }
        return ranges
    }

    /// The token index after `DEFINER = user` at `index` (`CURRENT_USER[()]`, `name`, `name@host`), or nil.
    private func endOfDefiner(at index: Int) -> Int? {
        guard tokens.indices.contains(index + 2), tokens[index + 1].value == "=" else { return nil }
        var cursor = index + 2
        if tokens[cursor].value.uppercased() == "CURRENT_USER" {
            cursor += 1
            if tokens.indices.contains(cursor + 1), tokens[cursor].value == "(", tokens[cursor + 1].value == ")" { cursor += 2 }
            return cursor
        }
        guard tokens[cursor].isIdentifier || tokens[cursor].kind == .string else { return nil }
        cursor += 1
        if tokens.indices.contains(cursor + 1), tokens[cursor].value == "@",
            tokens[cursor + 1].isIdentifier || tokens[cursor + 1].kind == .string
        {
            cursor += 2
        }
        return cursor
    }

    // MARK: Helpers

    /// The upper-cased word at `index` when it is a bare word, not part of `a.b` after the dot.
    private func keyword(at index: Int) -> String? {
        guard tokens.indices.contains(index), tokens[index].kind == .word else { return nil }
        if index > 0, tokens[index - 1].kind == .dot { return nil }
        return tokens[index].value.uppercased()
    }

    /// Whether the word at `index` is followed by `(`: a function call.
    private func isCall(at index: Int) -> Bool {
        tokens.indices.contains(index + 1) && tokens[index + 1].value == "("
    }

    /// The kind of object a `CREATE`/`ALTER`/`DROP`/`RENAME` at `index` acts on, past `OR REPLACE`,
    /// `DEFINER = …`, `ALGORITHM = …`, `SQL SECURITY …` and modifiers such as `TEMPORARY`.
    private func objectKind(after index: Int) -> String? {
        var cursor = index + 1
        while let word = keyword(at: cursor) {
            switch word {
            case "OR" where keyword(at: cursor + 1) == "REPLACE": cursor += 2
            case "DEFINER":
                guard let end = endOfDefiner(at: cursor) else { return word }
                cursor = end
            case "ALGORITHM": cursor += 3
            case "SQL" where keyword(at: cursor + 1) == "SECURITY": cursor += 3
            case "TEMPORARY", "UNIQUE", "FULLTEXT", "SPATIAL", "ONLINE", "OFFLINE", "IGNORE", "AGGREGATE": cursor += 1
            default: return word
            }
        }
        return nil
    }
}
