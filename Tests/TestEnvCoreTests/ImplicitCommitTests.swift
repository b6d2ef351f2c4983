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
    @Test(
        "Statements are classified by their leading words as MariaDB reads them: comments separate words, executable comments are SQL",
        arguments: [
            ("#\u{301}x\nDROP TABLE café", true),  // a combining mark after `#` is still in the comment
            ("/*\u{301} x */ DROP TABLE café", true),
            ("DROP/**/TABLE t", true),  // a comment separates words
            ("/*M!100000 DROP TABLE t */", true),  // executable: MariaDB runs it
            ("/*!40101 ALTER TABLE t ADD COLUMN w INT */", true),
            ("-- note\r\nCREATE TABLE t (v INT)", true),  // the comment ends at the line feed
            ("# note\r\nRENAME TABLE a TO b", true),
            ("/* unterminated DROP TABLE t", false),
            ("-- DROP TABLE t", false),
            ("SELECT 'DROP TABLE t'", false),
            ("CREATE/* x */TEMPORARY TABLE t (v INT)", false),
        ])
    func schemaChanges(sql: String, changes: Bool) {
        #expect(ImplicitCommit.changesSchema(sql) == changes)
        #expect(ImplicitCommit.causedBy(sql) == changes)
    }

    @Test("LOCK TABLES is found through comments between its words")
    func locksThroughComments() {
        #expect(ImplicitCommit.locksTables("LOCK/**/TABLES t WRITE"))
        #expect(ImplicitCommit.locksTables("/*!40000 LOCK TABLE t WRITE */"))
        #expect(!ImplicitCommit.locksTables("SELECT GET_LOCK('tables', 0)"))
    }

    @Test("Leading comments longer than the first 512 bytes, and a word across that boundary, are read whole")
    func longLeadingComments() {
        let comment = "/* " + String(repeating: "x", count: 600) + " */ "
        #expect(ImplicitCommit.changesSchema(comment + "DROP TABLE t"))
        let padding = "/* " + String(repeating: "y", count: 502) + " */ "  // ALTER spans bytes 509 to 514
        #expect(padding.utf8.count == 509)
        #expect(ImplicitCommit.leadingWords(padding + "ALTER TABLE t ADD COLUMN w INT", count: 2) == ["ALTER", "TABLE"])
        #expect(ImplicitCommit.leadingWords("insert into t values (1)", count: 3) == ["INSERT", "INTO", "T"])
    }
}
