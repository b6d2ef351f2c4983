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
}
