/// A token of one SQL statement, as far as the schema guard needs: identifiers, dots, and
/// everything else lumped as other text. Strings are recognized only so their contents are skipped.
struct SQLToken: Equatable {
    enum Kind: Equatable {
        /// A bare word: a keyword or an unquoted identifier.
        case word
        /// A `` `quoted` `` identifier (or a `"quoted"` one on SQLite).
        case quotedIdentifier
        /// A string literal, or a MySQL executable comment.
        case opaque
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

    /// Tokenizes one statement's text (comments other than executable ones are already gone).
    static func tokenize(_ bytes: [UInt8], dialect: DatabaseBackend) -> [SQLToken] {
        var tokens: [SQLToken] = []
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            let start = index
            if byte <= 0x20 {
                index += 1
                continue
            }
            let isIdentifierQuote = byte == UInt8(ascii: "`") || (dialect == .sqlite && byte == UInt8(ascii: "\""))
            if isIdentifierQuote {
                index = endOfQuoted(bytes, from: index, escapes: false)
                let inner = String(decoding: bytes[(start + 1)..<max(start + 1, index - 1)], as: UTF8.self)
                let quote = String(UnicodeScalar(byte))
                tokens.append(
                    SQLToken(
                        kind: .quotedIdentifier, range: start..<index, value: inner.replacingOccurrences(of: quote + quote, with: quote)))
            } else if byte == UInt8(ascii: "'") || byte == UInt8(ascii: "\"") {
                index = endOfQuoted(bytes, from: index, escapes: dialect == .mysql)
                tokens.append(SQLToken(kind: .opaque, range: start..<index, value: ""))
            } else if let inner = executableCommentContent(bytes, at: index), dialect == .mysql {
                // The server runs what a `/*!40000 … */` comment holds: check it like any other text.
                index = inner
            } else if byte == UInt8(ascii: "*"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "/") {
                index += 2  // the end of an executable comment
            } else if byte == UInt8(ascii: "/"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "*") {
                index += 2
                while index + 1 < bytes.count, !(bytes[index] == UInt8(ascii: "*") && bytes[index + 1] == UInt8(ascii: "/")) { index += 1 }
                index = min(index + 2, bytes.count)
                tokens.append(SQLToken(kind: .opaque, range: start..<index, value: ""))
            } else if byte == UInt8(ascii: ".") {
                index += 1
                tokens.append(SQLToken(kind: .dot, range: start..<index, value: "."))
            } else if isWordByte(byte) {
                while index < bytes.count, isWordByte(bytes[index]) { index += 1 }
                tokens.append(SQLToken(kind: .word, range: start..<index, value: String(decoding: bytes[start..<index], as: UTF8.self)))
            } else {
                index += 1
                tokens.append(SQLToken(kind: .symbol, range: start..<index, value: String(UnicodeScalar(byte))))
            }
        }
        return tokens
    }

    /// For `/*!` or `/*M!` and an optional version number at `index`, the index where the comment's SQL starts.
    private static func executableCommentContent(_ bytes: [UInt8], at index: Int) -> Int? {
        guard index + 2 < bytes.count, bytes[index] == UInt8(ascii: "/"), bytes[index + 1] == UInt8(ascii: "*") else { return nil }
        var cursor = index + 2
        if bytes[cursor] == UInt8(ascii: "M") { cursor += 1 }
        guard cursor < bytes.count, bytes[cursor] == UInt8(ascii: "!") else { return nil }
        cursor += 1
        while cursor < bytes.count, (0x30...0x39).contains(bytes[cursor]) { cursor += 1 }
        return cursor
    }

    private static func endOfQuoted(_ bytes: [UInt8], from start: Int, escapes: Bool) -> Int {
        let quote = bytes[start]
        var index = start + 1
        while index < bytes.count {
            if escapes, bytes[index] == UInt8(ascii: "\\") {
                index += 2
                continue
            }
            if bytes[index] == quote {
                if index + 1 < bytes.count, bytes[index + 1] == quote {
                    index += 2
                    continue
                }
                return index + 1
            }
            index += 1
        }
        return bytes.count
    }

    /// Letters, digits, `_`, `$` and any non-ASCII byte: what MySQL and SQLite allow in bare identifiers.
    static func isWordByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || byte == UInt8(ascii: "_")
            || byte == UInt8(ascii: "$") || byte >= 0x80
    }
}
