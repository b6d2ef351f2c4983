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
    public static func causedBy(_ sql: String) -> Bool {
        let words = leadingWords(sql, count: 3)
        guard let first = words.first else { return false }
        let second = words.count > 1 ? words[1] : ""
        switch first {
        case "CREATE", "DROP":
            return second != "TEMPORARY"
        case "ALTER", "RENAME", "TRUNCATE", "GRANT", "REVOKE", "FLUSH", "INSTALL", "UNINSTALL", "BEGIN":
            return true
        case "LOCK", "UNLOCK":
            return second == "TABLES" || second == "TABLE"
        case "START":
            return second == "TRANSACTION"
        case "ANALYZE", "OPTIMIZE", "REPAIR", "CHECK", "CACHE", "LOAD":
            return second == "TABLE" || second == "INDEX" || (first == "LOAD" && second == "INDEX")
        case "SET":
            return second == "AUTOCOMMIT" || second == "PASSWORD"
        default:
            return false
        }
    }

    /// Whether `sql` begins with a statement that changes the schema of a database: `CREATE`,
    /// `ALTER`, `DROP` or `RENAME` of anything but a temporary table.
    ///
    /// ```swift
    /// ImplicitCommit.changesSchema("CREATE TRIGGER audit AFTER INSERT ON users …")   // true
    /// ImplicitCommit.changesSchema("TRUNCATE TABLE users")                          // false: rows only
    /// ```
    public static func changesSchema(_ sql: String) -> Bool {
        let words = leadingWords(sql, count: 2)
        guard let first = words.first else { return false }
        switch first {
        case "CREATE", "DROP": return words.count < 2 || words[1] != "TEMPORARY"
        case "ALTER", "RENAME": return true
        default: return false
        }
    }

    /// Whether `sql` is `LOCK TABLES` (or `LOCK TABLE`).
    public static func locksTables(_ sql: String) -> Bool {
        let words = leadingWords(sql, count: 2)
        return words.first == "LOCK" && (words.count < 2 || words[1].hasPrefix("TABLE"))
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

    /// The first `count` words of `sql`, upper-cased, skipping leading comments and `=` signs. Every
    /// statement a connection runs is reviewed by its leading words, so they are read as UTF-8 bytes;
    /// text outside ASCII before the last word is read as characters (``unicodeLeadingWords(_:count:)``).
    static func leadingWords(_ sql: String, count: Int) -> [String] {
        var sql = sql
        return sql.withUTF8 { asciiLeadingWords($0, count: count) } ?? unicodeLeadingWords(sql, count: count)
    }

    /// ``leadingWords(_:count:)`` of ASCII text; nil at the first byte outside ASCII.
    private static func asciiLeadingWords(_ bytes: UnsafeBufferPointer<UInt8>, count: Int) -> [String]? {
        let (dash, hash, slash, star, bang, newline) = (
            UInt8(ascii: "-"), UInt8(ascii: "#"), UInt8(ascii: "/"), UInt8(ascii: "*"), UInt8(ascii: "!"), UInt8(ascii: "\n")
        )
        var words: [String] = []
        var current: [UInt8] = []
        var index = 0
        let end = bytes.count
        func follows(_ byte: UInt8, at position: Int) -> Bool { position < end && bytes[position] == byte }
        while index < end, words.count < count {
            let byte = bytes[index]
            if (byte == dash && follows(dash, at: index + 1)) || byte == hash {
                while index < end, bytes[index] != newline { index += 1 }
                continue
            }
            if byte == slash, follows(star, at: index + 1), !follows(bang, at: index + 2) {
                index += 2
                while index < end, !(bytes[index] == star && follows(slash, at: index + 1)) { index += 1 }
                index = min(end, index + 2)
                continue
            }
            guard byte < 0x80 else { return nil }
            index += 1
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"): current.append(byte - 32)
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "_"): current.append(byte)
            default:
                if !current.isEmpty {
                    words.append(String(decoding: current, as: UTF8.self))
                    current.removeAll(keepingCapacity: true)
                }
            }
        }
        if !current.isEmpty, words.count < count { words.append(String(decoding: current, as: UTF8.self)) }
        return words
    }

    /// ``leadingWords(_:count:)`` by characters: a letter is whatever Unicode calls one.
    static func unicodeLeadingWords(_ sql: String, count: Int) -> [String] {
        var words: [String] = []
        var current = ""
        var rest = Substring(sql)
        while let character = rest.first, words.count < count {
            if rest.hasPrefix("--") || rest.hasPrefix("#") {
                rest = rest.drop { $0 != "\n" && $0 != "\r\n" }
                continue
            }
            if rest.hasPrefix("/*"), !rest.hasPrefix("/*!") {
                rest = rest.dropFirst(2)
                if let end = rest.firstRange(of: "*/") { rest = rest[end.upperBound...] } else { rest = "" }
                continue
            }
            rest = rest.dropFirst()
            if character.isLetter || character == "_" {
                current.append(character)
            } else if !current.isEmpty {
                words.append(current.uppercased())
                current = ""
            }
        }
        if !current.isEmpty, words.count < count { words.append(current.uppercased()) }
        return words
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
