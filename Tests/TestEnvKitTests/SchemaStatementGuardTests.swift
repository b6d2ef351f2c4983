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
}
