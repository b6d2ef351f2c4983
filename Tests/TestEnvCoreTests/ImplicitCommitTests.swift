import TestEnvCore
import Testing

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
