import TestEnvCore

/// A token of one SQL statement, as far as the schema guard needs: identifiers, dots, and
/// everything else lumped as other text. Strings are recognized only so their contents are skipped.
struct SQLToken: Equatable {
    enum Kind: Equatable {
        /// A bare word: a keyword or an unquoted identifier.
        case word
        /// A `` `quoted` `` identifier (or a `"quoted"` one on SQLite).
        case quotedIdentifier
        /// A string literal; its value is the text between the quotes (doubled quotes undone, backslashes kept).
        case string
        /// A comment.
        case opaque
        /// A quote opened inside an executable comment that closes only after the comment's end:
        /// a server that skips the comment and one that runs it read different statements.
        case unbalanced
        /// `.`
        case dot
        /// Any other character.
        case symbol
    }

    let kind: Kind
    /// Byte range in the statement's UTF-8.
    let range: Range<Int>
    /// The identifier's name (unquoted), the word, or the symbol.
    let value: String

    var isIdentifier: Bool { kind == .word || kind == .quotedIdentifier }

    /// Tokenizes one statement's text (comments other than executable ones are already gone), by
    /// the dialect's ``SQLLexer`` rules.
    static func tokenize(_ bytes: [UInt8], dialect: DatabaseBackend) -> [SQLToken] {
        let lexer = SQLLexer(dialect == .mysql ? .mysql : .sqlite)
        var tokens: [SQLToken] = []
        var index = 0
        // Where the executable comment being read ends (its `*/`), while inside one.
        var executableEnd: Int?
        while index < bytes.count {
            let byte = bytes[index]
            let start = index
            if byte <= 0x20 {
                index += 1
                continue
            }
            if lexer.isQuote(byte) {
                index = lexer.endOfQuoted(bytes, from: index)
                if let end = executableEnd, start < end, index > end {
                    tokens.append(SQLToken(kind: .unbalanced, range: start..<index, value: ""))
                    continue
                }
                let inner = String(decoding: bytes[(start + 1)..<max(start + 1, index - 1)], as: UTF8.self)
                let quote = String(UnicodeScalar(byte))
                let value = byte == UInt8(ascii: "[") ? inner : inner.replacingOccurrences(of: quote + quote, with: quote)
                tokens.append(
                    SQLToken(kind: lexer.quotesIdentifier(byte) ? .quotedIdentifier : .string, range: start..<index, value: value))
            } else if let inner = lexer.executableCommentContent(bytes, at: index) {
                // The server runs what a `/*!40000 … */` comment holds: check it like any other text.
                executableEnd = lexer.endOfBlockComment(bytes, from: index) - 2
                index = inner
            } else if byte == UInt8(ascii: "*"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "/") {
                index += 2  // the end of an executable comment
                executableEnd = nil
            } else if lexer.startsBlockComment(bytes, at: index) {
                index = lexer.endOfBlockComment(bytes, from: index)
                tokens.append(SQLToken(kind: .opaque, range: start..<index, value: ""))
            } else if byte == UInt8(ascii: ".") {
                index += 1
                tokens.append(SQLToken(kind: .dot, range: start..<index, value: "."))
            } else if SQLLexer.isWordByte(byte) {
                while index < bytes.count, SQLLexer.isWordByte(bytes[index]) { index += 1 }
                tokens.append(SQLToken(kind: .word, range: start..<index, value: String(decoding: bytes[start..<index], as: UTF8.self)))
            } else {
                index += 1
                tokens.append(SQLToken(kind: .symbol, range: start..<index, value: String(UnicodeScalar(byte))))
            }
        }
        return tokens
    }
}
