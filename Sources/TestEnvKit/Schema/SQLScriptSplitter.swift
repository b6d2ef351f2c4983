import Foundation
import TestEnvCore

/// One statement of a script and the line it starts on.
public struct ScriptStatement: Sendable, Hashable {
    /// The statement, without its delimiter and without plain comments.
    public let text: String
    /// The 1-based line of the statement's first character in the script.
    public let line: Int
}

/// Splits SQL scripts into statements the way the `mysql` and `sqlite3` command-line clients do.
///
/// It understands what real dump and schema files contain:
/// - `--` comments (MySQL: followed by a space), `#` comments (MySQL), `/* … */` comments — dropped;
/// - MySQL executable comments `/*!40101 … */` and `/*M!… */` — kept, so the server runs them;
/// - `'…'`, `"…"` and backquotes with doubled quotes, and backslash escapes on MySQL; `N'…'` strings;
/// - `DELIMITER $$` (or `;;`, `//`, …) at the start of a line (MySQL), for trigger, procedure and
///   function bodies;
/// - SQLite `CREATE TRIGGER … BEGIN …; …; END;` bodies, and `BEGIN TRANSACTION; … COMMIT;` in
///   `.dump` output (each a statement of its own).
///
/// ```swift
/// let statements = SQLScriptSplitter.split("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('a;b');", dialect: .mysql)
/// // [ScriptStatement(text: "CREATE TABLE t (v TEXT)", line: 1), ScriptStatement(text: "INSERT INTO t VALUES ('a;b')", line: 1)]
/// ```
public enum SQLScriptSplitter {
    /// Splits `script` into statements, dropping empty ones.
    public static func split(_ script: String, dialect: DatabaseBackend) -> [ScriptStatement] {
        var scanner = Scanner(bytes: Array(script.utf8), dialect: dialect)
        return scanner.run()
    }
}

private struct Scanner {
    let bytes: [UInt8]
    let dialect: DatabaseBackend
    let lexer: SQLLexer
    var index = 0
    var line = 1
    var delimiter: [UInt8] = [UInt8(ascii: ";")]
    var atLineStart = true
    var current: [UInt8] = []
    var startLine: Int?
    var leadingWords: [String] = []
    var blockDepth = 0
    var statements: [ScriptStatement] = []

    init(bytes: [UInt8], dialect: DatabaseBackend) {
        self.bytes = bytes
        self.dialect = dialect
        lexer = SQLLexer(dialect == .mysql ? .mysql : .sqlite)
    }

    mutating func run() -> [ScriptStatement] {
        while index < bytes.count {
            step()
        }
        flush()
        return statements
    }

    private mutating func step() {
        let byte = bytes[index]
        if byte == UInt8(ascii: "\n") {
            line += 1
            atLineStart = true
            append(byte)
            return
        }
        if byte == 0x20 || byte == 0x09 || byte == 0x0D {
            append(byte)
            return
        }
        if dialect == .mysql, atLineStart, let newDelimiter = delimiterCommand() {
            flush()
            delimiter = newDelimiter
            return
        }
        atLineStart = false
        if lexer.startsLineComment(bytes, at: index) {
            skip(until: [UInt8(ascii: "\n")], consumingTerminator: false)
        } else if lexer.startsBlockComment(bytes, at: index) {
            blockComment()
        } else if lexer.isQuote(byte) {
            quoted()
        } else if blockDepth == 0, matches(delimiter) {
            flush()
            index += delimiter.count
        } else if isWordByte(byte) {
            word()
        } else {
            markStart()
            append(byte)
        }
    }

    // MARK: Pieces

    private mutating func blockComment() {
        let start = index
        let end = lexer.endOfBlockComment(bytes, from: index)
        advance(to: end)
        if lexer.executableCommentContent(bytes, at: start) != nil {
            markStart(at: start)
            current.append(contentsOf: bytes[start..<end])
        } else {
            current.append(0x20)  // a comment separates tokens
        }
    }

    private mutating func quoted() {
        markStart()
        let start = index
        advance(to: lexer.endOfQuoted(bytes, from: index))
        current.append(contentsOf: bytes[start..<index])
    }

    /// Moves to `end`, counting the lines passed.
    private mutating func advance(to end: Int) {
        line += bytes[index..<end].lazy.filter { $0 == UInt8(ascii: "\n") }.count
        index = end
    }

    private mutating func word() {
        markStart()
        let start = index
        // Stop at the delimiter too: with `DELIMITER $$`, "END$$" is a word and a delimiter.
        while index < bytes.count, isWordByte(bytes[index]), index == start || !matches(delimiter) { index += 1 }
        current.append(contentsOf: bytes[start..<index])
        // Words matter only to find SQLite trigger bodies: the first three, then BEGIN/CASE/END inside a trigger.
        guard dialect == .sqlite, leadingWords.count < 3 || isTrigger else { return }
        let word = String(decoding: bytes[start..<index], as: UTF8.self).uppercased()
        if leadingWords.count < 3 { leadingWords.append(word) }
        guard isTrigger else { return }
        if word == "BEGIN" || word == "CASE" { blockDepth += 1 }
        if word == "END" { blockDepth = max(0, blockDepth - 1) }
    }

    /// SQLite trigger bodies hold `;`-terminated statements between BEGIN and END.
    private var isTrigger: Bool {
        guard leadingWords.first == "CREATE", leadingWords.count >= 2 else { return false }
        return leadingWords[1] == "TRIGGER"
            || (["TEMP", "TEMPORARY"].contains(leadingWords[1]) && leadingWords.count >= 3 && leadingWords[2] == "TRIGGER")
    }

    /// `DELIMITER x` at the start of a line: returns the new delimiter and skips the line.
    private mutating func delimiterCommand() -> [UInt8]? {
        let keyword = Array("delimiter".utf8)
        guard index + keyword.count < bytes.count,
            zip(bytes[index..<(index + keyword.count)], keyword).allSatisfy({ $0 | 0x20 == $1 }),
            bytes[index + keyword.count] == 0x20 || bytes[index + keyword.count] == 0x09
        else { return nil }
        var end = index + keyword.count
        while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
        let argument = bytes[(index + keyword.count)..<end].split(whereSeparator: { $0 <= 0x20 }).first.map(Array.init)
        guard let argument, !argument.isEmpty else { return nil }
        index = end
        return argument
    }

    // MARK: Helpers

    private func peek(_ offset: Int) -> UInt8? {
        index + offset < bytes.count ? bytes[index + offset] : nil
    }

    private func matches(_ pattern: [UInt8]) -> Bool {
        guard index + pattern.count <= bytes.count else { return false }
        return bytes[index..<(index + pattern.count)].elementsEqual(pattern)
    }

    private mutating func skip(until terminator: [UInt8], consumingTerminator: Bool) {
        while index < bytes.count, !matches(terminator) {
            if bytes[index] == UInt8(ascii: "\n") { line += 1 }
            index += 1
        }
        if consumingTerminator { index = min(index + terminator.count, bytes.count) }
    }

    private func isWordByte(_ byte: UInt8) -> Bool { SQLLexer.isWordByte(byte) }

    private mutating func markStart() {
        if startLine == nil { startLine = line }
    }

    /// Marks the statement's start at `offset`, whose line is counted back from where the scanner is.
    private mutating func markStart(at offset: Int) {
        if startLine == nil { startLine = line - bytes[offset..<index].lazy.filter { $0 == UInt8(ascii: "\n") }.count }
    }

    private mutating func append(_ byte: UInt8) {
        current.append(byte)
        index += 1
    }

    private mutating func flush() {
        let text = String(decoding: current, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if !text.isEmpty, let startLine {
            statements.append(ScriptStatement(text: text, line: startLine))
        }
        current = []
        startLine = nil
        leadingWords = []
        blockDepth = 0
    }
}
