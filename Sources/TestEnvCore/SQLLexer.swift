/// The lexical rules of one SQL dialect, in one place: where quoted text and comments end, what an
/// executable comment is, which bytes make a word. The schema script splitter, the schema guard's
/// tokenizer and the implicit-commit check all read SQL through it, so they cannot disagree about
/// where a string or a comment ends.
///
/// | | MySQL / MariaDB | SQLite |
/// |---|---|---|
/// | `'…'` | string; `\` escapes, `''` doubles | string; `''` doubles |
/// | `"…"` | string; `\` escapes, `""` doubles | identifier; `""` doubles |
/// | `` `…` `` | identifier; ` `` ` doubles | identifier; ` `` ` doubles |
/// | `[…]` | not a quote | identifier, up to the first `]` |
/// | `-- ` | comment to the end of the line, only with a space or control character after `--` | comment after any `--` |
/// | `#` | comment to the end of the line | not a comment |
/// | `/* … */` | comment; `/*! … */` and `/*M! … */` are executable: their text runs | comment |
///
/// ```swift
/// let lexer = SQLLexer(.mysql)
/// let bytes = Array("'it''s' -- note".utf8)
/// lexer.endOfQuoted(bytes, from: 0)   // 7
/// ```
public struct SQLLexer: Sendable, Hashable {
    public let dialect: SQLDialect

    public init(_ dialect: SQLDialect) { self.dialect = dialect }

    /// Whether the byte opens quoted text (string or quoted identifier).
    public func isQuote(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "'") || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "`")
            || (dialect == .sqlite && byte == UInt8(ascii: "["))
    }

    /// Whether quoted text opened by `quote` is an identifier rather than a string.
    public func quotesIdentifier(_ quote: UInt8) -> Bool {
        quote == UInt8(ascii: "`") || (dialect == .sqlite && (quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "[")))
    }

    /// The index just past the quoted text that opens at `start` (the quote character), or the end
    /// of `bytes` when it never closes. A doubled quote stands for itself; on MySQL a backslash
    /// escapes the next byte inside strings.
    public func endOfQuoted(_ bytes: [UInt8], from start: Int) -> Int {
        if bytes[start] == UInt8(ascii: "[") {
            // SQLite's [name]: no escapes, no doubling; it ends at the first "]".
            let close = bytes[(start + 1)...].firstIndex(of: UInt8(ascii: "]"))
            return close.map { $0 + 1 } ?? bytes.count
        }
        let quote = bytes[start]
        let escapes = dialect == .mysql && quote != UInt8(ascii: "`")
        var index = start + 1
        while index < bytes.count {
            let byte = bytes[index]
            if escapes, byte == UInt8(ascii: "\\") {
                index += 2
                continue
            }
            index += 1
            if byte == quote {
                guard index < bytes.count, bytes[index] == quote else { return index }
                index += 1
            }
        }
        return bytes.count
    }

    /// Whether a line comment starts at `index`.
    public func startsLineComment(_ bytes: [UInt8], at index: Int) -> Bool {
        let byte = bytes[index]
        if dialect == .mysql, byte == UInt8(ascii: "#") { return true }
        guard byte == UInt8(ascii: "-"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "-") else { return false }
        // MySQL needs whitespace (or the end) after "--"; SQLite does not.
        guard dialect == .mysql, index + 2 < bytes.count else { return true }
        return bytes[index + 2] <= 0x20
    }

    /// Whether a block comment (`/*`) starts at `index`, executable ones included.
    public func startsBlockComment(_ bytes: [UInt8], at index: Int) -> Bool {
        index + 1 < bytes.count && bytes[index] == UInt8(ascii: "/") && bytes[index + 1] == UInt8(ascii: "*")
    }

    /// For an executable comment (`/*!`, `/*M!`, with an optional version number) at `index` on
    /// MySQL, the index where the SQL it holds starts; nil for anything else.
    public func executableCommentContent(_ bytes: [UInt8], at index: Int) -> Int? {
        guard dialect == .mysql, startsBlockComment(bytes, at: index), index + 2 < bytes.count else { return nil }
        var cursor = index + 2
        if bytes[cursor] == UInt8(ascii: "M") { cursor += 1 }
        guard cursor < bytes.count, bytes[cursor] == UInt8(ascii: "!") else { return nil }
        cursor += 1
        while cursor < bytes.count, (0x30...0x39).contains(bytes[cursor]) { cursor += 1 }
        return cursor
    }

    /// The index just past the comment at `index` — a line comment ends before its newline, a
    /// block comment after its `*/` — or nil when no comment starts there. Executable comments
    /// are SQL, not comments: nil.
    public func endOfComment(_ bytes: [UInt8], at index: Int) -> Int? {
        if startsLineComment(bytes, at: index) {
            var cursor = index
            while cursor < bytes.count, bytes[cursor] != UInt8(ascii: "\n") { cursor += 1 }
            return cursor
        }
        guard startsBlockComment(bytes, at: index), executableCommentContent(bytes, at: index) == nil else { return nil }
        return endOfBlockComment(bytes, from: index)
    }

    /// The index just past the `*/` that closes the block comment opening at `index`, or the end.
    public func endOfBlockComment(_ bytes: [UInt8], from index: Int) -> Int {
        var cursor = index + 2
        while cursor + 1 < bytes.count, !(bytes[cursor] == UInt8(ascii: "*") && bytes[cursor + 1] == UInt8(ascii: "/")) { cursor += 1 }
        return min(cursor + 2, bytes.count)
    }

    /// Letters, digits, `_`, `$` and any non-ASCII byte: what MySQL and SQLite allow in bare identifiers.
    public static func isWordByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || byte == UInt8(ascii: "_")
            || byte == UInt8(ascii: "$") || byte >= 0x80
    }
}
