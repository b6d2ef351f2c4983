/// Recognizes statements that make MySQL commit the open transaction implicitly.
///
/// On MySQL, DDL and a few other statements end any open transaction before they run, so a
/// later `ROLLBACK` cannot undo what came before them. Inside ``DatabaseConnection/withTransaction(_:)``
/// the MySQL driver refuses them with ``ImplicitCommitError``.
public enum ImplicitCommit {
    /// Whether `sql` begins with a statement that commits implicitly on MySQL.
    ///
    /// ```swift
    /// ImplicitCommit.causedBy("ALTER TABLE users ADD COLUMN age INT")   // true
    /// ImplicitCommit.causedBy("CREATE TEMPORARY TABLE t (v INT)")     // false: temporary tables don't commit
    /// ```
    public static func causedBy(_ sql: String) -> Bool { Effects(of: sql).commitsImplicitly }

    /// Whether `sql` begins with a statement that changes the schema of a database: `CREATE`,
    /// `ALTER`, `DROP` or `RENAME` of anything but a temporary table.
    ///
    /// ```swift
    /// ImplicitCommit.changesSchema("CREATE TRIGGER audit AFTER INSERT ON users …")   // true
    /// ImplicitCommit.changesSchema("TRUNCATE TABLE users")                          // false: rows only
    /// ```
    public static func changesSchema(_ sql: String) -> Bool { Effects(of: sql).changesSchema }

    /// Whether `sql` is `LOCK TABLES` (or `LOCK TABLE`).
    public static func locksTables(_ sql: String) -> Bool { Effects(of: sql).locksTables }

    /// What a statement's two leading words say about it — ``causedBy(_:)``, ``changesSchema(_:)``
    /// and ``locksTables(_:)`` — read once, for a connection that asks of every statement it runs.
    public struct Effects: Sendable, Hashable {
        /// It commits the open transaction implicitly on MySQL.
        public let commitsImplicitly: Bool
        /// It changes the schema: `CREATE`, `ALTER`, `DROP` or `RENAME` of anything but a temporary table.
        public let changesSchema: Bool
        /// It is `LOCK TABLES` (or `LOCK TABLE`).
        public let locksTables: Bool

        /// Reads the leading words of `sql`.
        public init(of sql: String) {
            let words = leadingWords(sql, count: 2)
            let first = words.first ?? ""
            let second = words.count > 1 ? words[1] : ""
            changesSchema =
                switch first {
                case "CREATE", "DROP": second != "TEMPORARY"
                case "ALTER", "RENAME": true
                default: false
                }
            locksTables = first == "LOCK" && (words.count < 2 || second.hasPrefix("TABLE"))
            commitsImplicitly =
                switch first {
                case "CREATE", "DROP": second != "TEMPORARY"
                case "ALTER", "RENAME", "TRUNCATE", "GRANT", "REVOKE", "FLUSH", "INSTALL", "UNINSTALL", "BEGIN": true
                case "LOCK", "UNLOCK": second == "TABLES" || second == "TABLE"
                case "START": second == "TRANSACTION"
                case "ANALYZE", "OPTIMIZE", "REPAIR", "CHECK", "CACHE", "LOAD":
                    second == "TABLE" || second == "INDEX" || (first == "LOAD" && second == "INDEX")
                case "SET": second == "AUTOCOMMIT" || second == "PASSWORD"
                default: false
                }
        }
    }

    /// The first statement of a script that commits implicitly, or nil. Semicolons inside quotes
    /// and comments do not split statements.
    public static func firstCommittingStatement(in script: String) -> String? {
        firstStatement(in: script, where: causedBy)
    }

    /// The first statement of a script for which `matches` is true, or nil. Semicolons inside
    /// quotes and comments do not split statements. `matches` sees 512 bytes of the statement from
    /// its first word (it looks at leading words), so a script of megabytes is scanned byte by byte
    /// without copying it.
    public static func firstStatement(in script: String, where matches: (String) -> Bool) -> String? {
        let bytes = Array(script.utf8)
        var start = 0
        var index = 0
        func check(_ end: Int) -> String? {
            let first = firstWord(bytes, from: start, to: end)
            guard matches(String(decoding: bytes[first..<min(end, first + 512)], as: UTF8.self)) else { return nil }
            return String(decoding: bytes[start..<end], as: UTF8.self).trimmingSpaces()
        }
        while index < bytes.count {
            if let after = skipQuoteOrComment(bytes, at: index) {
                index = after
            } else if bytes[index] == UInt8(ascii: ";") {
                if let statement = check(index) { return statement }
                index += 1
                start = index
            } else {
                index += 1
            }
        }
        return check(bytes.count)
    }

    /// Where the quoted text or comment at `index` ends (by MySQL's ``SQLLexer`` rules), or nil
    /// when none starts there. Executable comments (`/*! … */`) are content, not comments.
    private static func skipQuoteOrComment(_ bytes: [UInt8], at index: Int) -> Int? {
        lexer.isQuote(bytes[index]) ? lexer.endOfQuoted(bytes, from: index) : lexer.endOfComment(bytes, at: index)
    }

    private static let lexer = SQLLexer(.mysql)

    /// The first byte of the statement between `start` and `end` that is neither space nor comment.
    private static func firstWord(_ bytes: [UInt8], from start: Int, to end: Int) -> Int {
        var index = start
        while index < end {
            if bytes[index] <= 0x20 {
                index += 1
            } else if let after = lexer.endOfComment(bytes, at: index) {
                index = after
            } else {
                break
            }
        }
        return min(index, end)
    }

    /// The first `count` words of `sql`, upper-cased (ASCII letters), by ``SQLLexer``'s MySQL rules,
    /// as the server reads them: comments separate words and are skipped (a `#` or `-- ` comment up to
    /// its line feed), an executable comment (`/*!`, `/*M!` and a version) is read as SQL, quoted text
    /// is no word, and a word is a run of ``SQLLexer/isWordByte(_:)`` bytes. Every statement a
    /// connection runs is reviewed this way, so only its first 512 bytes are copied unless comments fill them.
    static func leadingWords(_ sql: String, count: Int) -> [String] {
        let utf8 = sql.utf8
        if utf8.count > 512, let words = leadingWords(Array(utf8.prefix(512)), count: count, isWhole: false) { return words }
        return leadingWords(Array(utf8), count: count, isWhole: true) ?? []
    }

    /// ``leadingWords(_:count:)`` of `bytes`; nil when they are a prefix (not `isWhole`) that ended
    /// before `count` whole words.
    private static func leadingWords(_ bytes: [UInt8], count: Int, isWhole: Bool) -> [String]? {
        var words: [String] = []
        var index = 0
        while index < bytes.count, words.count < count {
            if let content = lexer.executableCommentContent(bytes, at: index) {
                index = content
            } else if let after = lexer.endOfComment(bytes, at: index) {
                index = after
            } else if lexer.isQuote(bytes[index]) {
                index = lexer.endOfQuoted(bytes, from: index)
            } else if SQLLexer.isWordByte(bytes[index]) {
                var end = index
                while end < bytes.count, SQLLexer.isWordByte(bytes[end]) { end += 1 }
                if end == bytes.count, !isWhole { return nil }  // the word may go on past the prefix
                words.append(String(decoding: bytes[index..<end].map { (0x61...0x7A).contains($0) ? $0 - 0x20 : $0 }, as: UTF8.self))
                index = end
            } else {
                index += 1
            }
        }
        return words.count < count && !isWhole ? nil : words
    }
}

/// A statement that would commit the open transaction implicitly was refused inside
/// ``DatabaseConnection/withTransaction(_:)``.
public struct ImplicitCommitError: DatabaseDriverError, Hashable {
    /// The refused statement.
    public let statement: String

    /// Creates the error.
    public init(statement: String) { self.statement = statement }

    public var kind: DatabaseErrorKind { .invalidArgument }
    public var nativeCode: Int { 0 }
    public var sql: String? { statement }
    public var message: String {
        "refused inside withTransaction: on MySQL this statement commits the open transaction implicitly, so a rollback "
            + "could no longer undo the work before it. Run DDL, TRUNCATE and LOCK TABLES outside the transaction."
    }
    public var description: String { "\(message)\n  statement: \(SQLText.abbreviated(statement))" }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
