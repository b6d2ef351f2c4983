import Testing

@testable import TestEnvKit

@Suite struct SQLScriptSplitterTests {
    func texts(_ script: String, _ dialect: DatabaseBackend = .mysql) -> [String] {
        SQLScriptSplitter.split(script, dialect: dialect).map(\.text)
    }

    @Test("Splits statements on semicolons outside quotes")
    func semicolonsInQuotes() {
        #expect(
            texts("INSERT INTO t VALUES ('a;b'); INSERT INTO t VALUES (\"c;d\"); CREATE TABLE `x;y` (v INT);")
                == ["INSERT INTO t VALUES ('a;b')", "INSERT INTO t VALUES (\"c;d\")", "CREATE TABLE `x;y` (v INT)"])
    }

    @Test("Understands doubled quotes, backslash escapes and N'…' strings")
    func escapes() {
        #expect(
            texts(#"INSERT INTO t VALUES (N'Guns N'' Roses', 'it\'s; fine', 'back\\'); SELECT 1;"#)
                == [#"INSERT INTO t VALUES (N'Guns N'' Roses', 'it\'s; fine', 'back\\')"#, "SELECT 1"])
    }

    @Test("SQLite strings have no backslash escapes")
    func sqliteBackslash() {
        #expect(texts(#"INSERT INTO t VALUES ('C:\'); SELECT 2;"#, .sqlite) == [#"INSERT INTO t VALUES ('C:\')"#, "SELECT 2"])
    }

    @Test("Drops --, # and /* */ comments, keeps executable comments")
    func comments() {
        let script = """
            -- a comment; with a semicolon
            # another; one
            /* block; comment */
            /*!40101 SET NAMES utf8mb4 */;
            SELECT 1 --not a comment in MySQL without a space
            ;
            SELECT /* inline */ 2;
            """
        #expect(texts(script) == ["/*!40101 SET NAMES utf8mb4 */", "SELECT 1 --not a comment in MySQL without a space", "SELECT   2"])
    }

    @Test("Reports the line each statement starts on, after comments and multi-line strings")
    func lineNumbers() {
        let script = "/* header\n spanning lines */\n\nCREATE TABLE a (v TEXT);\nINSERT INTO a VALUES ('one\ntwo');\n\n  SELECT 3;"
        #expect(SQLScriptSplitter.split(script, dialect: .mysql).map(\.line) == [4, 5, 8])
    }

    @Test("DELIMITER switches the delimiter for procedure and trigger bodies", arguments: ["$$", ";;", "//"])
    func delimiter(_ delimiter: String) {
        let script = """
            DELIMITER \(delimiter)
            CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END\(delimiter)
            CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW BEGIN SET NEW.v = 1; END \(delimiter)
            DELIMITER ;
            SELECT 3;
            """
        #expect(
            texts(script) == [
                "CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END",
                "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW BEGIN SET NEW.v = 1; END",
                "SELECT 3",
            ])
    }

    @Test("SQLite trigger bodies stay whole, CASE…END included; BEGIN TRANSACTION … COMMIT are statements")
    func sqliteTriggers() {
        let script = """
            BEGIN TRANSACTION;
            CREATE TABLE t (v INT);
            CREATE TRIGGER tr AFTER INSERT ON t BEGIN
              UPDATE t SET v = CASE WHEN NEW.v > 0 THEN 1 ELSE 0 END WHERE rowid = NEW.rowid;
              SELECT 1;
            END;
            COMMIT;
            """
        let statements = texts(script, .sqlite)
        #expect(statements.count == 4)
        #expect(statements[0] == "BEGIN TRANSACTION")
        #expect(statements[2].hasPrefix("CREATE TRIGGER tr") && statements[2].hasSuffix("END"))
        #expect(statements[3] == "COMMIT")
    }

    @Test("A script of only comments and blank lines has no statements")
    func empty() {
        #expect(texts("-- nothing\n\n/* here */\n;\n") == [])
    }
}
