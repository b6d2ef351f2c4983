import Testing

@testable import TestEnvCore

@Suite struct SQLLexerTests {
    private func end(_ sql: String, _ dialect: SQLDialect) -> Int {
        SQLLexer(dialect).endOfQuoted(Array(sql.utf8), from: 0)
    }

    @Test("A doubled quote stands for itself; a backslash escapes only in MySQL strings")
    func quotedText() {
        #expect(end("'it''s' x", .mysql) == 7)
        #expect(end("'a\\'b' x", .mysql) == 6)
        #expect(end("'a\\'b' x", .sqlite) == 4, "SQLite has no backslash escapes")
        #expect(end("`a\\`b` x", .mysql) == 4, "no escapes in MySQL identifiers")
        #expect(end("'never closed", .mysql) == 13)
    }

    @Test("Double quotes are strings on MySQL and identifiers on SQLite")
    func doubleQuotes() {
        #expect(!SQLLexer(.mysql).quotesIdentifier(UInt8(ascii: "\"")))
        #expect(SQLLexer(.sqlite).quotesIdentifier(UInt8(ascii: "\"")))
        #expect(SQLLexer(.mysql).quotesIdentifier(UInt8(ascii: "`")))
    }

    @Test("Line comments: `--` needs a space after it on MySQL only; `#` is a comment on MySQL only")
    func lineComments() {
        let dashes = Array("--x".utf8)
        #expect(!SQLLexer(.mysql).startsLineComment(dashes, at: 0))
        #expect(SQLLexer(.sqlite).startsLineComment(dashes, at: 0))
        #expect(SQLLexer(.mysql).startsLineComment(Array("-- x".utf8), at: 0))
        #expect(SQLLexer(.mysql).endOfComment(Array("# note\nSELECT".utf8), at: 0) == 6)
        #expect(SQLLexer(.sqlite).endOfComment(Array("# note".utf8), at: 0) == nil)
    }

    @Test("Executable comments are SQL on MySQL, comments on SQLite; `/*/` does not close a comment")
    func blockComments() {
        let executable = Array("/*!40000 DROP DATABASE x */".utf8)
        #expect(SQLLexer(.mysql).executableCommentContent(executable, at: 0) == 8)
        #expect(SQLLexer(.mysql).endOfComment(executable, at: 0) == nil)
        #expect(SQLLexer(.mysql).executableCommentContent(Array("/*M!100000 x */".utf8), at: 0) == 10)
        #expect(SQLLexer(.sqlite).endOfComment(executable, at: 0) == executable.count)
        #expect(SQLLexer(.mysql).endOfComment(Array("/*/ x */".utf8), at: 0) == 8)
    }

    @Test("The implicit-commit check reads strings and comments by the same rules as the splitter")
    func implicitCommitAgrees() {
        #expect(ImplicitCommit.firstCommittingStatement(in: "SELECT 'a\\';DROP TABLE t'; SELECT 1") == nil)
        #expect(ImplicitCommit.firstCommittingStatement(in: "SELECT 'it''s;'; DROP TABLE t") == "DROP TABLE t")
        #expect(ImplicitCommit.firstCommittingStatement(in: "SELECT 1 --x; DROP TABLE t") == "DROP TABLE t", "--x is no comment on MySQL")
        #expect(ImplicitCommit.firstCommittingStatement(in: "SELECT 1 # ; DROP TABLE t") == nil)
    }
}
