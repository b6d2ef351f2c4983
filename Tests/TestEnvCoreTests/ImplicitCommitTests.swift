import Testing

@testable import TestEnvCore

@Suite struct ImplicitCommitTests {
    @Test(
        "DDL and table-level statements commit implicitly on MySQL",
        arguments: [
            "CREATE TABLE t (v INT)", "  alter table t add column w int", "DROP INDEX i ON t", "TRUNCATE TABLE t", "RENAME TABLE a TO b",
            "LOCK TABLES t WRITE", "UNLOCK TABLES", "START TRANSACTION", "BEGIN", "-- note\nCREATE INDEX i ON t (v)", "/* x */ DROP VIEW v",
            "GRANT SELECT ON *.* TO u", "SET autocommit = 1",
        ])
    func commits(sql: String) {
        #expect(ImplicitCommit.causedBy(sql))
    }

    @Test(
        "Data statements, savepoints and temporary tables do not",
        arguments: [
            "INSERT INTO t VALUES (1)", "UPDATE t SET v = 2", "DELETE FROM t", "SELECT * FROM creates", "SAVEPOINT a",
            "CREATE TEMPORARY TABLE t (v INT)", "DROP TEMPORARY TABLE t", "SET @x = 1", "",
        ])
    func doesNotCommit(sql: String) {
        #expect(!ImplicitCommit.causedBy(sql))
    }

    @Test("In a script, DDL is found after long comments, apostrophes in comments and semicolons in strings")
    func scriptScan() {
        let longComment = "/* " + String(repeating: "migration notes ", count: 64) + "*/"
        #expect(ImplicitCommit.firstCommittingStatement(in: "INSERT INTO t VALUES (1);\n\(longComment)\nALTER TABLE t ADD c INT") != nil)
        #expect(ImplicitCommit.firstCommittingStatement(in: "-- don't panic\nINSERT INTO t VALUES (1);\nDROP TABLE t;") == "DROP TABLE t")
        #expect(ImplicitCommit.firstCommittingStatement(in: "# it's fine\nINSERT INTO t VALUES ('a;DROP TABLE t');") == nil)
        #expect(ImplicitCommit.firstCommittingStatement(in: "INSERT INTO t VALUES (1); /* ; */ SELECT 1") == nil)
        #expect(ImplicitCommit.firstStatement(in: "SELECT 1;\n  CREATE VIEW v AS SELECT 1", where: ImplicitCommit.changesSchema) != nil)
    }
}

@Suite struct LeadingWordsTests {
    @Test("Leading words read as bytes equal those read as characters, for comments, quotes, mixed case and text outside ASCII")
    func bytesMatchCharacters() {
        let pieces = [
            "create", "TEMPORARY", "Table", "lock", "tables", "_x", " ", "\n", "\t", "(", ")", "=", ";", "'", "\"", "`", "--", "-", "#",
            "/*", "*/", "/*!", "!", "*", "/", "1", "café", "naïve", "ÉTÉ", "\u{00A0}", "日本", "set", "autocommit",
        ]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let sql = (0..<Int.random(in: 0...12, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
            for count in 1...3 {
                #expect(
                    ImplicitCommit.leadingWords(sql, count: count) == ImplicitCommit.unicodeLeadingWords(sql, count: count),
                    "\(sql.debugDescription), \(count) words")
            }
        }
    }

    @Test("A comment ends at a line feed, also after a carriage return")
    func commentEndsAtLineFeed() {
        #expect(ImplicitCommit.leadingWords("-- note\r\nCREATE TABLE t (v INT)", count: 2) == ["CREATE", "TABLE"])
        #expect(ImplicitCommit.changesSchema("# note\r\nDROP TABLE t"))
    }
}
