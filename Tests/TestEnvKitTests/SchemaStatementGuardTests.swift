import Testing

@testable import TestEnvKit

@Suite struct SchemaStatementGuardTests {
    func makeGuard(_ policy: DatabaseStatementPolicy, others: Set<String> = ["shop", "mysql"]) -> SchemaStatementGuard {
        SchemaStatementGuard(isolatedDatabase: "test_abc", policy: policy, dialect: .mysql, otherDatabases: others)
    }

    func statement(_ text: String, line: Int = 7) -> ScriptStatement { ScriptStatement(text: text, line: line) }

    @Test(
        "Database-level statements are refused by default, naming file and line",
        arguments: [
            "USE shop", "CREATE DATABASE shop", "DROP SCHEMA IF EXISTS `shop`", "create database /*!32312 IF NOT EXISTS*/ `x`",
            "/*!40000 DROP DATABASE IF EXISTS `shop`*/", "CREATE OR REPLACE DATABASE shop", "EXECUTE IMMEDIATE 'DROP DATABASE shop'",
            "PREPARE s FROM 'DROP DATABASE shop'",
        ])
    func refused(sql: String) {
        var statementGuard = makeGuard(.refuse)
        let error = #expect(throws: TestEnvError.self) { try statementGuard.review(statement(sql), location: "schema.sql:7") }
        #expect(error?.code == .schemaStatementRefused)
        #expect(error?.location == "schema.sql:7")
        #expect(error?.description.contains("schema.sql:7") == true)
    }

    @Test("With .skip they are skipped, and the script's own database is rewritten to the isolated one")
    func skipAndRewrite() throws {
        var statementGuard = makeGuard(.skip, others: ["sakila", "shop"])
        #expect(try statementGuard.review(statement("DROP DATABASE IF EXISTS sakila"), location: "s:1") == nil)
        #expect(try statementGuard.review(statement("CREATE DATABASE sakila"), location: "s:2") == nil)
        #expect(try statementGuard.review(statement("USE `sakila`"), location: "s:3") == nil)
        let view = try statementGuard.review(
            statement("CREATE VIEW v AS SELECT f.title FROM sakila.film f JOIN `Sakila`.`actor` a"), location: "s:4")
        #expect(view == "CREATE VIEW v AS SELECT f.title FROM `test_abc`.film f JOIN `test_abc`.`actor` a")
    }

    @Test("Qualified names inside executable comments are checked and rewritten too")
    func executableComments() throws {
        var statementGuard = makeGuard(.skip, others: ["sakila", "shop"])
        _ = try statementGuard.review(statement("USE sakila"), location: "s:1")
        let view = try statementGuard.review(statement("/*!50001 CREATE VIEW v AS SELECT * FROM sakila.film */"), location: "s:2")
        #expect(view == "/*!50001 CREATE VIEW v AS SELECT * FROM `test_abc`.film */")
        #expect(throws: TestEnvError.self) {
            try statementGuard.review(statement("/*!50001 CREATE VIEW w AS SELECT * FROM shop.orders */"), location: "s:3")
        }
    }

    @Test("A reference to another existing database is refused even with .skip")
    func otherDatabaseRefused() {
        var statementGuard = makeGuard(.skip)
        let error = #expect(throws: TestEnvError.self) {
            try statementGuard.review(statement("INSERT INTO shop.orders SELECT * FROM t"), location: "s:9")
        }
        #expect(error?.message.contains("`shop`") == true)
    }

    @Test("Aliases, strings and the isolated database's own name are left alone")
    func leavesOrdinaryText() throws {
        var statementGuard = makeGuard(.refuse)
        let sql = "SELECT u.id, 'shop.orders' FROM users u JOIN test_abc.t ON u.id = t.id"
        #expect(try statementGuard.review(statement(sql), location: "s:1") == sql)
    }

    @Test("On SQLite, ATTACH is refused")
    func sqliteAttach() {
        var statementGuard = SchemaStatementGuard(isolatedDatabase: ":memory:", policy: .refuse, dialect: .sqlite, otherDatabases: [])
        #expect(throws: TestEnvError.self) { try statementGuard.review(statement("ATTACH DATABASE 'other.db' AS other"), location: "s:1") }
    }

    @Test("An alias named like an existing database is not a database; a real qualified table of it is")
    func aliasIsNotADatabase() throws {
        var statementGuard = makeGuard(.refuse, others: ["test", "shop"])
        let view = "CREATE VIEW v AS SELECT test.id, shop.total FROM items AS test JOIN orders shop ON shop.item = test.id"
        #expect(try statementGuard.review(statement(view), location: "s:1") == view)
        #expect(throws: TestEnvError.self) {
            try statementGuard.review(statement("CREATE VIEW w AS SELECT * FROM test.items"), location: "s:2")
        }
        #expect(throws: TestEnvError.self) {
            try statementGuard.review(statement("SELECT test.items.id FROM items AS test"), location: "s:3")
        }
    }

    @Test("A mysqldump header and footer load: saved and restored sql_mode, DEFINER clauses removed, own procedures called")
    func dumpCompatibility() throws {
        var statementGuard = makeGuard(.refuse)
        let accepted = [
            "/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */",
            "/*!40101 SET NAMES utf8mb4 */",
            "SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='TRADITIONAL'",
            "/*!40101 SET SQL_MODE=@OLD_SQL_MODE */",
            "SET sql_mode = DEFAULT",
            "CREATE PROCEDURE refresh() BEGIN DELETE FROM totals; INSERT INTO totals SELECT 1; END",
            "CALL refresh()",
            "SELECT * FROM t USE INDEX (PRIMARY)",
        ]
        for sql in accepted { #expect(try statementGuard.review(statement(sql), location: "s:1") != nil, "\(sql)") }
        let trigger = try statementGuard.review(
            statement(
                "/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER t BEFORE INSERT ON a FOR EACH ROW SET NEW.x = 1 */"
            ),
            location: "s:2")
        #expect(trigger?.contains("DEFINER") == false)
        #expect(trigger?.contains("TRIGGER t BEFORE INSERT") == true)
        let view = try statementGuard.review(
            statement("CREATE ALGORITHM=UNDEFINED DEFINER='app'@'%' SQL SECURITY DEFINER VIEW v AS SELECT 1"), location: "s:3")
        #expect(view == "CREATE ALGORITHM=UNDEFINED  SQL SECURITY DEFINER VIEW v AS SELECT 1")
    }

    @Test(
        "Statements that reach past the database are refused wherever they stand, naming file, line and statement",
        arguments: [
            "SHUTDOWN", "SET GLOBAL event_scheduler = ON", "SET @@global.max_connections = 5", "SET a = 1, GLOBAL b = 2",
            "SET STATEMENT max_statement_time=1 FOR DROP DATABASE shop", "BEGIN NOT ATOMIC DROP DATABASE shop; END",
            "CREATE PROCEDURE p() BEGIN IF 1 THEN DROP SCHEMA shop; END IF; END", "CALL shop_cleanup()",
            "CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO DELETE FROM t", "CREATE USER x IDENTIFIED BY 'y'", "GRANT ALL ON *.* TO x",
            "SET PASSWORD = PASSWORD('x')", "KILL CONNECTION 1", "FLUSH TABLES WITH READ LOCK", "INSTALL SONAME 'ha_spider'",
            "LOAD DATA INFILE '/etc/passwd' INTO TABLE t", "INSERT INTO t SELECT LOAD_FILE('/etc/passwd')",
            "SELECT 1 INTO OUTFILE '/tmp/x'", "CREATE TABLE t (i INT) DATA DIRECTORY = '/tmp'",
            "CREATE TABLE f (i INT) ENGINE=FEDERATED CONNECTION='mysql://root@h/db/t'", "SET sql_mode = 'ANSI_QUOTES'",
            "SET sql_mode = CONCAT(@@sql_mode, ',NO_BACKSLASH_ESCAPES')", "SET NAMES gbk",
            "/*!40000 /*x*/ DROP DATABASE shop */", "CREATE DEFINER=root@localhost PROCEDURE p() SET GLOBAL x = 1",
        ])
    func refusedAnywhere(sql: String) {
        var statementGuard = makeGuard(.skip)
        let error = #expect(throws: TestEnvError.self, "\(sql)") { try statementGuard.review(statement(sql), location: "hostile.sql:3") }
        #expect(error?.code == .schemaStatementRefused)
        #expect(error?.description.contains("hostile.sql:3") == true)
        #expect(error?.statement == sql)
    }

    @Test("On SQLite, a [bracketed] identifier does not hide a statement from the splitter, and ATTACH after it is refused")
    func sqliteBracketedIdentifiers() {
        let script = "CREATE TABLE items (i);\nCREATE TRIGGER t AFTER INSERT ON items BEGIN SELECT [begin]; END;\nATTACH 'x.db' AS a;"
        let statements = SQLScriptSplitter.split(script, dialect: .sqlite)
        #expect(statements.map(\.line) == [1, 2, 3])
        var statementGuard = SchemaStatementGuard(isolatedDatabase: ":memory:", policy: .skip, dialect: .sqlite, otherDatabases: [])
        #expect(throws: TestEnvError.self) { try statementGuard.review(statements[2], location: "s:3") }
    }

    @Test(
        "Ordinary statements that look like dangerous ones pass: columns named role, password, global or user, table character sets, CALL in a trigger",
        arguments: [
            "UPDATE users SET role = 'admin' WHERE id = 1", "INSERT INTO staff SET password = 'x', name = 'y'",
            "CREATE TABLE t (id INT, global TINYINT, flush INT, names TEXT)", "ALTER TABLE t DROP user", "ALTER TABLE t DROP COLUMN role",
            "CREATE TABLE t (n VARCHAR(9) CHARACTER SET big5) DEFAULT CHARSET=gbk",
            "CREATE TRIGGER t AFTER INSERT ON a FOR EACH ROW CALL refresh_totals()", "SELECT a, b.c FROM a JOIN b ON a.id = b.id",
        ])
    func ordinaryStatementsPass(sql: String) throws {
        var statementGuard = makeGuard(.refuse)
        #expect(try statementGuard.review(statement(sql), location: "s:1") != nil, "\(sql)")
    }

    @Test(
        "Tricks that hide a database or change how quotes are read are refused",
        arguments: [
            "DELETE FROM /*M!999999 ' */ shop.orders /*M!999999 ' */", "SET sql_mode = '\\ANSI_QUOTES'", "SET character_set_client = 28",
            "UPDATE items AS shop, shop.orders s SET s.total = 0",
            "CREATE TRIGGER tr AFTER INSERT ON shop.orders FOR EACH ROW INSERT INTO log SELECT 1 FROM items AS shop",
        ])
    func hiddenTricksRefused(sql: String) {
        var statementGuard = makeGuard(.refuse)
        #expect(throws: TestEnvError.self, "\(sql)") { try statementGuard.review(statement(sql), location: "s:1") }
    }

    @Test("A variable that saved the session's sql_mode or character set stops counting once it is assigned anything else")
    func reassignedVariablesAreForgotten() throws {
        var statementGuard = makeGuard(.refuse)
        _ = try statementGuard.review(statement("SET @m = @@sql_mode, @c = @@character_set_client"), location: "s:1")
        #expect(try statementGuard.review(statement("SET sql_mode = @m"), location: "s:2") != nil)
        #expect(try statementGuard.review(statement("SET character_set_client = @c"), location: "s:3") != nil)
        _ = try statementGuard.review(statement("SET @m = 'ANSI_QUOTES', @c = 'gbk'"), location: "s:4")
        #expect(throws: TestEnvError.self) { try statementGuard.review(statement("SET sql_mode = @m"), location: "s:5") }
        #expect(throws: TestEnvError.self) { try statementGuard.review(statement("SET character_set_client = @c"), location: "s:6") }
    }
}
