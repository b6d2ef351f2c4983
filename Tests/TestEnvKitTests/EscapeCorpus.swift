/// Hostile schema scripts that try to reach outside the isolated database.
///
/// Every attempt must be refused — by the schema guard or, on MySQL, by the restricted account that only has rights on
/// databases matching `test\_%` — and must leave the victim byte-for-byte unchanged and `OUT_DIR` empty.
///
/// Before loading a script, replace its placeholders:
/// - `VICTIM`: the name of the victim MariaDB database, an unquoted bare identifier such as `testenv_victim_ab12` that does not
///   match `test\_%`. It holds a table `secrets (id INT PRIMARY KEY, v VARCHAR(50))` with rows.
/// - `VICTIM_FILE`: the absolute path of the victim SQLite file, which holds a table `secrets`.
/// - `OUT_DIR`: the absolute path of a directory where no file may appear.
///
/// MySQL scripts use only `VICTIM` and `OUT_DIR`; SQLite scripts use only `VICTIM_FILE` and `OUT_DIR` (replace
/// `VICTIM_FILE` before `VICTIM` if one substitution serves both). Scripts are raw strings: backslashes are written
/// exactly as the server must see them; `\#t` is a tab.
///
/// Server-wide statements (`SHUTDOWN`, `SET GLOBAL`, `KILL CONNECTION 1`, `FLUSH TABLES WITH READ LOCK`, `INSTALL`,
/// `CREATE USER escape_probe`, …) are accepted risks: they are here precisely to be refused.
struct EscapeAttempt: Sendable, CustomStringConvertible {
    let name: String
    /// The script, with `VICTIM` for the victim database's name, `VICTIM_FILE` for the victim SQLite file's path, and `OUT_DIR` for a directory where no file may appear.
    let script: String
    var description: String { name }
}

enum EscapeCorpus {
    /// Attempts for MariaDB/MySQL, loaded into a `test_<32hex>` database.
    static let mysql: [EscapeAttempt] = [
        EscapeAttempt(
            name: "quote inside a skipped versioned comment",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                DELETE FROM /*M!999999 ' */ VICTIM.secrets /*M!999999 ' */;
                """#),
        EscapeAttempt(
            name: "backslash-escaped ansi quotes mode",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                SET sql_mode = '\ANSI_QUOTES';
                DELETE FROM "VICTIM"."secrets";
                """#),
        EscapeAttempt(
            name: "saved sql_mode variable reassigned",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                SET @m = @@sql_mode;
                SET @m = 'ANSI_QUOTES';
                SET sql_mode = @m;
                DELETE FROM "VICTIM"."secrets";
                """#),
        EscapeAttempt(
            name: "gbk client character set through a variable",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                SET @c = 'gbk';
                SET character_set_client = @c;
                DELETE FROM VICTIM.secrets;
                """#),
        EscapeAttempt(
            name: "alias named like the victim in a multi-table update",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                UPDATE items AS VICTIM, VICTIM.secrets s SET s.v = 'x';
                """#),
        EscapeAttempt(
            name: "set statement for drop database",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                SET STATEMENT max_statement_time=100 FOR DROP DATABASE VICTIM;
                """#),
        EscapeAttempt(
            name: "single-statement procedure drops database",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                CREATE PROCEDURE p() DROP DATABASE VICTIM;
                CALL p();
                """#),
        EscapeAttempt(
            name: "begin not atomic drops database",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                DELIMITER $$
                BEGIN NOT ATOMIC
                    DROP DATABASE VICTIM;
                END $$
                DELIMITER ;
                """#),
        EscapeAttempt(
            name: "begin not atomic without delimiter",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                BEGIN NOT ATOMIC DECLARE n INT DEFAULT 0; DELETE FROM VICTIM.secrets; END;
                """#),
        EscapeAttempt(
            name: "two statements in one delimited chunk",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                DELIMITER $$
                CREATE TABLE a1 (i INT); DROP DATABASE VICTIM $$
                DELIMITER ;
                """#),
        EscapeAttempt(
            name: "delimiter never reset",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                delimiter $$
                CREATE TABLE a3 (i INT) $$
                DROP DATABASE VICTIM $$
                """#),
        EscapeAttempt(
            name: "create or replace database",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                CREATE OR REPLACE DATABASE VICTIM;
                """#),
        EscapeAttempt(
            name: "drop schema if exists",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                DROP SCHEMA IF EXISTS VICTIM;
                """#),
        EscapeAttempt(
            name: "alter database character set",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                ALTER DATABASE VICTIM CHARACTER SET latin1;
                """#),
        EscapeAttempt(
            name: "mixed case drop database",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                dRoP dAtAbAsE VICTIM;
                """#),
        EscapeAttempt(
            name: "mysqldump database header",
            script: #"""
                /*!40000 DROP DATABASE IF EXISTS `VICTIM`*/;
                CREATE DATABASE /*!32312 IF NOT EXISTS*/ `VICTIM` /*!40100 DEFAULT CHARACTER SET utf8mb4 */;
                USE `VICTIM`;
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                """#),
        EscapeAttempt(
            name: "backquoted use then delete",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                USE `VICTIM`;
                DELETE FROM secrets;
                """#),
        EscapeAttempt(
            name: "use inside executable comment",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                /*!40000 USE VICTIM */;
                DELETE FROM secrets;
                """#),
        EscapeAttempt(
            name: "use after statement in delimited chunk",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                DELIMITER $$
                CREATE TABLE a2 (i INT); USE VICTIM $$
                DELETE FROM secrets $$
                DELIMITER ;
                """#),
        EscapeAttempt(
            name: "lowercase use with comment before name",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                use/**/VICTIM;
                TRUNCATE TABLE secrets;
                """#),
        EscapeAttempt(
            name: "use then alter table",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                USE VICTIM;
                ALTER TABLE secrets ADD COLUMN pwn INT;
                """#),
        EscapeAttempt(
            name: "nested comment inside executable comment",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                /*!40000 /*x*/ DROP DATABASE VICTIM */;
                """#),
        EscapeAttempt(
            name: "mariadb executable comment",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                /*M!100000 DROP DATABASE VICTIM */;
                """#),
        EscapeAttempt(
            name: "executable comment without version",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                /*! DROP DATABASE VICTIM */;
                """#),
        EscapeAttempt(
            name: "executable comment glued to keyword",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                /*!50000DROP DATABASE VICTIM*/;
                """#),
        EscapeAttempt(
            name: "block comments do not nest",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                /* outer /* inner */ DROP DATABASE VICTIM; -- */
                """#),
        EscapeAttempt(
            name: "line comment marker inside block comment",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                /* see the notes -- */ DROP DATABASE VICTIM; /*
                */
                """#),
        EscapeAttempt(
            name: "hash comment hides apostrophe",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                # the owner's notes
                DROP DATABASE VICTIM;
                -- end of the owner's notes
                """#),
        EscapeAttempt(
            name: "quote inside block comment",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                /* the owner's notes */
                DROP DATABASE VICTIM;
                /* end of the owner's notes */
                """#),
        EscapeAttempt(
            name: "tab after double dash",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                INSERT INTO items VALUES (1, 'a'); --\#tthe owner's notes
                DROP DATABASE VICTIM;
                --\#tend of the owner's notes
                """#),
        EscapeAttempt(
            name: "double dash without space",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                SELECT 2--1; DROP DATABASE VICTIM;
                """#),
        EscapeAttempt(
            name: "no backslash escapes hides drop",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                SET sql_mode=CONCAT(@@sql_mode,',NO_BACKSLASH_ESCAPES');
                INSERT INTO items VALUES (1, 'a\'); DROP DATABASE VICTIM; -- ');
                """#),
        EscapeAttempt(
            name: "no backslash escapes in procedure body",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                SET sql_mode=CONCAT(@@sql_mode,',NO_BACKSLASH_ESCAPES');
                DELIMITER $$
                CREATE PROCEDURE tidy()
                BEGIN
                    SELECT 'x\'; DROP DATABASE VICTIM; -- ';
                END $$
                DELIMITER ;
                CALL tidy();
                """#),
        EscapeAttempt(
            name: "no backslash escapes from executable comment",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                /*!40101 SET sql_mode = 'NO_BACKSLASH_ESCAPES' */;
                INSERT INTO items VALUES (1, 'c:\'); DELETE FROM VICTIM.secrets; -- ');
                """#),
        EscapeAttempt(
            name: "version-gated comment fakes no backslash escapes",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                SET @note = 1 /*M!999999 , sql_mode = 'NO_BACKSLASH_ESCAPES' */;
                INSERT INTO items VALUES (1, 'x\''); DROP DATABASE VICTIM; -- ');
                """#),
        EscapeAttempt(
            name: "double backslash before closing quote",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                INSERT INTO items VALUES (1, 'a\\'); DROP DATABASE VICTIM; -- ');
                """#),
        EscapeAttempt(
            name: "ansi quotes qualified insert",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                SET sql_mode='ANSI_QUOTES';
                INSERT INTO "VICTIM"."secrets" VALUES (9,'x');
                """#),
        EscapeAttempt(
            name: "ansi mode delete",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                SET SESSION sql_mode = 'ANSI';
                DELETE FROM "VICTIM".secrets;
                """#),
        EscapeAttempt(
            name: "set statement ansi quotes update",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                SET STATEMENT sql_mode = 'ANSI_QUOTES' FOR UPDATE "VICTIM"."secrets" SET v = 'x';
                """#),
        EscapeAttempt(
            name: "ansi quotes identifier ending in backslash",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                SET sql_mode = 'ANSI_QUOTES';
                CREATE TABLE "t\" (i INT); DROP DATABASE VICTIM; -- ";
                """#),
        EscapeAttempt(
            name: "backslash inside backquoted identifier",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                CREATE TABLE `t\` (i INT); DROP DATABASE VICTIM; -- `;
                """#),
        EscapeAttempt(
            name: "backquote inside double-quoted string",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                INSERT INTO items VALUES (1, "`"); DROP DATABASE VICTIM; -- `");
                """#),
        EscapeAttempt(
            name: "gbk multibyte swallows backslash",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                SET NAMES gbk;
                INSERT INTO items VALUES (1, '中\'); DROP DATABASE VICTIM; -- ');
                """#),
        EscapeAttempt(
            name: "event scheduler drops database",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                SET GLOBAL event_scheduler=ON;
                CREATE EVENT e ON SCHEDULE AT CURRENT_TIMESTAMP DO DROP DATABASE VICTIM;
                """#),
        EscapeAttempt(
            name: "event created in victim",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                CREATE EVENT VICTIM.e ON SCHEDULE AT CURRENT_TIMESTAMP + INTERVAL 1 HOUR DO DELETE FROM VICTIM.secrets;
                """#),
        EscapeAttempt(
            name: "create user and grant all with grant option",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                CREATE USER escape_probe@'%' IDENTIFIED BY 'escape';
                GRANT ALL ON *.* TO escape_probe@'%' WITH GRANT OPTION;
                """#),
        EscapeAttempt(
            name: "grant all on victim to current user",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                GRANT ALL ON VICTIM.* TO CURRENT_USER;
                DELETE FROM VICTIM.secrets;
                """#),
        EscapeAttempt(
            name: "grant on wildcard database",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                GRANT ALL ON `%`.* TO CURRENT_USER;
                """#),
        EscapeAttempt(
            name: "set password",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                SET PASSWORD FOR escape_probe@'%' = PASSWORD('pwned');
                """#),
        EscapeAttempt(
            name: "set global max connections",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                SET GLOBAL max_connections = 11;
                """#),
        EscapeAttempt(
            name: "set at-at global max connections",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                SET @@global.max_connections = 11;
                """#),
        EscapeAttempt(
            name: "global assignment after user variable",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                SET @a = 1, GLOBAL max_connections = 11;
                """#),
        EscapeAttempt(
            name: "set persist",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                SET PERSIST max_connections = 11;
                """#),
        EscapeAttempt(
            name: "set global general log file",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                SET GLOBAL general_log_file = 'OUT_DIR/general.log';
                """#),
        EscapeAttempt(
            name: "shutdown",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                SHUTDOWN;
                """#),
        EscapeAttempt(
            name: "flush tables with read lock",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                FLUSH TABLES WITH READ LOCK;
                """#),
        EscapeAttempt(
            name: "flush privileges",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                FLUSH PRIVILEGES;
                """#),
        EscapeAttempt(
            name: "kill connection",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                KILL CONNECTION 1;
                """#),
        EscapeAttempt(
            name: "install soname",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                INSTALL SONAME 'ha_federatedx';
                """#),
        EscapeAttempt(
            name: "install plugin",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                INSTALL PLUGIN federated SONAME 'ha_federatedx';
                """#),
        EscapeAttempt(
            name: "udf from shared library",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                CREATE FUNCTION escape_probe_exec RETURNS INTEGER SONAME 'escape_probe_udf.so';
                """#),
        EscapeAttempt(
            name: "create server for victim",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                CREATE SERVER escape_probe_srv FOREIGN DATA WRAPPER mysql
                    OPTIONS (HOST '127.0.0.1', DATABASE 'VICTIM', USER 'root', PORT 3306);
                CREATE TABLE f (id INT PRIMARY KEY, v VARCHAR(50)) ENGINE=FEDERATED CONNECTION='escape_probe_srv/secrets';
                DELETE FROM f;
                """#),
        EscapeAttempt(
            name: "federated table on victim",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                CREATE TABLE f (id INT PRIMARY KEY, v VARCHAR(50))
                    ENGINE=FEDERATED CONNECTION='mysql://root@127.0.0.1:3306/VICTIM/secrets';
                DELETE FROM f;
                """#),
        EscapeAttempt(
            name: "connect engine table on victim",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                CREATE TABLE c (id INT PRIMARY KEY, v VARCHAR(50))
                    ENGINE=CONNECT TABLE_TYPE=MYSQL CONNECTION='mysql://root@127.0.0.1/VICTIM/secrets';
                UPDATE c SET v = 'x';
                """#),
        EscapeAttempt(
            name: "connect engine csv file in out dir",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                CREATE TABLE c (i INT NOT NULL) ENGINE=CONNECT TABLE_TYPE=CSV FILE_NAME='OUT_DIR/c.csv';
                INSERT INTO c VALUES (1);
                """#),
        EscapeAttempt(
            name: "data directory in out dir",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                CREATE TABLE spill (i INT) ENGINE=InnoDB DATA DIRECTORY='OUT_DIR';
                """#),
        EscapeAttempt(
            name: "index directory in out dir",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                CREATE TABLE spill2 (i INT, KEY (i)) ENGINE=MyISAM DATA DIRECTORY='OUT_DIR' INDEX DIRECTORY='OUT_DIR';
                """#),
        EscapeAttempt(
            name: "xa transaction around delete",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                XA START 'escape_probe';
                DELETE FROM VICTIM.secrets;
                XA END 'escape_probe';
                XA PREPARE 'escape_probe';
                XA COMMIT 'escape_probe';
                """#),
        EscapeAttempt(
            name: "autocommit off then delete",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                SET autocommit = 0;
                DELETE FROM VICTIM.secrets;
                COMMIT;
                SET autocommit = 1;
                """#),
        EscapeAttempt(
            name: "load data infile",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                LOAD DATA INFILE '/etc/passwd' INTO TABLE items;
                """#),
        EscapeAttempt(
            name: "load data local infile",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                LOAD DATA LOCAL INFILE '/etc/passwd' INTO TABLE items;
                """#),
        EscapeAttempt(
            name: "load xml infile",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                LOAD XML INFILE '/etc/passwd' INTO TABLE items;
                """#),
        EscapeAttempt(
            name: "load_file into table",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                CREATE TABLE loot (body LONGTEXT);
                INSERT INTO loot SELECT LOAD_FILE('/etc/passwd');
                """#),
        EscapeAttempt(
            name: "select into outfile",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                INSERT INTO items VALUES (1, 'a');
                SELECT * FROM items INTO OUTFILE 'OUT_DIR/x.txt';
                """#),
        EscapeAttempt(
            name: "select into dumpfile",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                INSERT INTO items VALUES (1, 'a');
                SELECT name FROM items LIMIT 1 INTO DUMPFILE 'OUT_DIR/y';
                """#),
        EscapeAttempt(
            name: "into outfile before from",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                SELECT id, name INTO OUTFILE 'OUT_DIR/z.txt' FROM items;
                """#),
        EscapeAttempt(
            name: "into outfile inside executable comment",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                /*!50000 SELECT 1 INTO OUTFILE 'OUT_DIR/c.txt' */;
                """#),
        EscapeAttempt(
            name: "prepare drop database",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                PREPARE s FROM 'DROP DATABASE VICTIM';
                EXECUTE s;
                """#),
        EscapeAttempt(
            name: "execute immediate drop database",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                EXECUTE IMMEDIATE 'DROP DATABASE VICTIM';
                """#),
        EscapeAttempt(
            name: "execute immediate concat",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                EXECUTE IMMEDIATE CONCAT('DROP DATABASE ', 'VICTIM');
                """#),
        EscapeAttempt(
            name: "user variable names victim",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                SET @x = 'VICTIM';
                SET @q = CONCAT('DROP DATABASE ', @x);
                PREPARE s FROM @q;
                EXECUTE s;
                DEALLOCATE PREPARE s;
                """#),
        EscapeAttempt(
            name: "hex-encoded prepared statement",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                EXECUTE IMMEDIATE CONCAT(UNHEX('44524F5020444154414241534520'), 'VICTIM');
                """#),
        EscapeAttempt(
            name: "reversed keywords in execute immediate",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                EXECUTE IMMEDIATE CONCAT(REVERSE(' ESABATAD PORD'), 'VICTIM');
                """#),
        EscapeAttempt(
            name: "prepared statement inside procedure",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                DELIMITER $$
                CREATE PROCEDURE p()
                BEGIN
                    PREPARE s FROM 'TRUNCATE TABLE VICTIM.secrets';
                    EXECUTE s;
                END $$
                DELIMITER ;
                CALL p();
                """#),
        EscapeAttempt(
            name: "trigger writes victim on insert",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                CREATE TRIGGER t AFTER INSERT ON items FOR EACH ROW INSERT INTO VICTIM.secrets VALUES (NEW.id, 'x');
                INSERT INTO items VALUES (100, 'a');
                """#),
        EscapeAttempt(
            name: "trigger with compound body updates victim",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                DELIMITER //
                CREATE TRIGGER t BEFORE INSERT ON items FOR EACH ROW
                BEGIN
                    UPDATE VICTIM.secrets SET v = NEW.name;
                END //
                DELIMITER ;
                INSERT INTO items VALUES (100, 'a');
                """#),
        EscapeAttempt(
            name: "mysqldump-style trigger",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                /*!50003 SET @saved_cs_client      = @@character_set_client */ ;
                /*!50003 SET character_set_client  = utf8mb4 */ ;
                DELIMITER ;;
                /*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER items_ai AFTER INSERT ON items FOR EACH ROW
                DELETE FROM `VICTIM`.`secrets` */;;
                DELIMITER ;
                /*!50003 SET character_set_client  = @saved_cs_client */ ;
                INSERT INTO items VALUES (100, 'a');
                """#),
        EscapeAttempt(
            name: "trigger created on victim table",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                CREATE TRIGGER VICTIM.t BEFORE DELETE ON VICTIM.secrets FOR EACH ROW SET @seen = 1;
                """#),
        EscapeAttempt(
            name: "function deletes victim from select",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                DELIMITER $$
                CREATE FUNCTION wipe() RETURNS INT DETERMINISTIC MODIFIES SQL DATA
                BEGIN
                    DELETE FROM VICTIM.secrets;
                    RETURN 1;
                END $$
                DELIMITER ;
                SELECT wipe();
                """#),
        EscapeAttempt(
            name: "function called through do",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                DELIMITER $$
                CREATE FUNCTION tag() RETURNS INT DETERMINISTIC MODIFIES SQL DATA
                BEGIN
                    UPDATE VICTIM.secrets SET v = 'x';
                    RETURN 1;
                END $$
                DELIMITER ;
                DO tag();
                """#),
        EscapeAttempt(
            name: "function called from set",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                DELIMITER $$
                CREATE FUNCTION plant() RETURNS INT DETERMINISTIC MODIFIES SQL DATA
                BEGIN
                    INSERT INTO VICTIM.secrets VALUES (102, 'x');
                    RETURN 1;
                END $$
                DELIMITER ;
                SET @r = plant();
                """#),
        EscapeAttempt(
            name: "function in default expression",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                DELIMITER $$
                CREATE FUNCTION wipe() RETURNS INT DETERMINISTIC MODIFIES SQL DATA
                BEGIN
                    DELETE FROM VICTIM.secrets;
                    RETURN 1;
                END $$
                DELIMITER ;
                CREATE TABLE d (i INT DEFAULT (wipe()));
                INSERT INTO d () VALUES ();
                """#),
        EscapeAttempt(
            name: "function in generated column",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                DELIMITER $$
                CREATE FUNCTION wipe() RETURNS INT DETERMINISTIC MODIFIES SQL DATA
                BEGIN
                    DELETE FROM VICTIM.secrets;
                    RETURN 1;
                END $$
                DELIMITER ;
                CREATE TABLE g (i INT, j INT AS (wipe()) PERSISTENT);
                INSERT INTO g (i) VALUES (1);
                """#),
        EscapeAttempt(
            name: "definer root procedure deletes victim",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                CREATE DEFINER=root@localhost PROCEDURE purge_secrets() SQL SECURITY DEFINER DELETE FROM VICTIM.secrets;
                CALL purge_secrets();
                """#),
        EscapeAttempt(
            name: "mysqldump-style procedure",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                DELIMITER ;;
                CREATE DEFINER=`root`@`localhost` PROCEDURE `cleanup`()
                BEGIN
                    DROP DATABASE IF EXISTS `VICTIM`;
                END ;;
                DELIMITER ;
                CALL cleanup();
                """#),
        EscapeAttempt(
            name: "procedure created in victim",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                CREATE PROCEDURE VICTIM.p() DELETE FROM VICTIM.secrets;
                CALL VICTIM.p();
                """#),
        EscapeAttempt(
            name: "procedure called without parentheses",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                CREATE PROCEDURE p() TRUNCATE TABLE VICTIM.secrets;
                CALL p;
                """#),
        EscapeAttempt(
            name: "if block inside begin not atomic",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                DELIMITER $$
                BEGIN NOT ATOMIC
                    IF (SELECT COUNT(*) FROM items) = 0 THEN
                        DROP DATABASE VICTIM;
                    END IF;
                END $$
                DELIMITER ;
                """#),
        EscapeAttempt(
            name: "case block inside begin not atomic",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                DELIMITER $$
                BEGIN NOT ATOMIC
                    CASE WHEN 1 = 1 THEN DROP DATABASE VICTIM;
                    ELSE SELECT 1;
                    END CASE;
                END $$
                DELIMITER ;
                """#),
        EscapeAttempt(
            name: "labelled begin block",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                DELIMITER $$
                l1: BEGIN NOT ATOMIC
                    DROP DATABASE VICTIM;
                END l1 $$
                DELIMITER ;
                """#),
        EscapeAttempt(
            name: "standalone if statement",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                DELIMITER //
                IF 1 = 1 THEN
                    DROP DATABASE VICTIM;
                END IF //
                DELIMITER ;
                """#),
        EscapeAttempt(
            name: "while loop deletes victim rows",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                DELIMITER $$
                WHILE (SELECT COUNT(*) FROM VICTIM.secrets) > 0 DO
                    DELETE FROM VICTIM.secrets LIMIT 1;
                END WHILE $$
                DELIMITER ;
                """#),
        EscapeAttempt(
            name: "labelled loop drops database",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                DELIMITER $$
                l2: LOOP
                    DROP DATABASE VICTIM;
                    LEAVE l2;
                END LOOP l2 $$
                DELIMITER ;
                """#),
        EscapeAttempt(
            name: "view over victim then insert",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                CREATE VIEW v AS SELECT * FROM VICTIM.secrets;
                INSERT INTO v VALUES (7, 'x');
                """#),
        EscapeAttempt(
            name: "definer view over victim updated",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                CREATE DEFINER=root@localhost SQL SECURITY DEFINER VIEW peek AS SELECT * FROM VICTIM.secrets;
                UPDATE peek SET v = 'x';
                """#),
        EscapeAttempt(
            name: "rename victim table",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                RENAME TABLE VICTIM.secrets TO items_copy;
                """#),
        EscapeAttempt(
            name: "rename own table into victim",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                ALTER TABLE items RENAME TO VICTIM.items;
                """#),
        EscapeAttempt(
            name: "alter victim table add column",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                ALTER TABLE VICTIM.secrets ADD COLUMN pwn INT;
                """#),
        EscapeAttempt(
            name: "alter victim table engine",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                ALTER TABLE VICTIM.secrets ENGINE = Aria;
                """#),
        EscapeAttempt(
            name: "discard victim tablespace",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                ALTER TABLE VICTIM.secrets DISCARD TABLESPACE;
                """#),
        EscapeAttempt(
            name: "optimize victim table",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                OPTIMIZE TABLE VICTIM.secrets;
                """#),
        EscapeAttempt(
            name: "create index on victim table",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                CREATE INDEX pwn_idx ON VICTIM.secrets (v);
                """#),
        EscapeAttempt(
            name: "truncate victim table",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                TRUNCATE TABLE VICTIM.secrets;
                """#),
        EscapeAttempt(
            name: "drop table list ending in victim",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                CREATE TABLE scratch (i INT);
                DROP TABLE scratch, VICTIM.secrets;
                """#),
        EscapeAttempt(
            name: "drop victim table if exists",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                DROP TABLE IF EXISTS VICTIM.secrets;
                """#),
        EscapeAttempt(
            name: "backquoted qualified delete",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                DELETE FROM `VICTIM`.`secrets`;
                """#),
        EscapeAttempt(
            name: "qualified name split by whitespace",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                DELETE FROM VICTIM
                    . secrets;
                """#),
        EscapeAttempt(
            name: "qualified name split by block comment",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                DELETE FROM VICTIM/**/.secrets;
                """#),
        EscapeAttempt(
            name: "qualified name split by line comment",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                DELETE FROM VICTIM -- the secrets
                .secrets;
                """#),
        EscapeAttempt(
            name: "qualifier inside executable comment",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                DELETE FROM /*!40000 VICTIM. */secrets;
                """#),
        EscapeAttempt(
            name: "multi-table delete with alias",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                DELETE s FROM VICTIM.secrets s WHERE s.id > 0;
                """#),
        EscapeAttempt(
            name: "delete using alias",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                DELETE FROM s USING VICTIM.secrets AS s WHERE s.id > 0;
                """#),
        EscapeAttempt(
            name: "update victim table",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                UPDATE VICTIM.secrets SET v='x';
                """#),
        EscapeAttempt(
            name: "multi-table update through join",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                INSERT INTO items VALUES (1, 'a');
                UPDATE items i JOIN VICTIM.secrets s SET s.v = i.name;
                """#),
        EscapeAttempt(
            name: "replace into victim",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                REPLACE INTO VICTIM.secrets VALUES (1, 'x');
                """#),
        EscapeAttempt(
            name: "insert into victim on duplicate key",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                INSERT INTO `VICTIM`.secrets VALUES (1, 'x') ON DUPLICATE KEY UPDATE v = 'x';
                """#),
        EscapeAttempt(
            name: "create table in victim",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                CREATE TABLE VICTIM.pwn (i INT);
                """#),
        EscapeAttempt(
            name: "create table in victim as select",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                CREATE TABLE VICTIM.copy AS SELECT * FROM items;
                """#),
        EscapeAttempt(
            name: "create or replace victim table",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                CREATE OR REPLACE TABLE VICTIM.secrets (i INT);
                """#),
        EscapeAttempt(
            name: "temporary table in victim",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                CREATE TEMPORARY TABLE VICTIM.shadow (i INT);
                """#),
        EscapeAttempt(
            name: "sequence in victim",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                CREATE SEQUENCE VICTIM.seq;
                """#),
        EscapeAttempt(
            name: "foreign key to victim table",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                ALTER TABLE items ADD CONSTRAINT fk_pwn FOREIGN KEY (id) REFERENCES VICTIM.secrets (id);
                """#),
        EscapeAttempt(
            name: "handler open on victim",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                HANDLER VICTIM.secrets OPEN AS h;
                HANDLER h READ FIRST;
                HANDLER h CLOSE;
                """#),
        EscapeAttempt(
            name: "lock tables victim write",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                LOCK TABLES items WRITE, VICTIM.secrets WRITE;
                INSERT INTO VICTIM.secrets VALUES (101, 'x');
                UNLOCK TABLES;
                """#),
        EscapeAttempt(
            name: "insert select from victim",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                INSERT INTO items SELECT id, v FROM VICTIM.secrets;
                """#),
        EscapeAttempt(
            name: "create table as select from victim",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                CREATE TABLE x AS SELECT * FROM VICTIM.secrets;
                """#),
        EscapeAttempt(
            name: "create table like victim",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                CREATE TABLE y LIKE VICTIM.secrets;
                """#),
        EscapeAttempt(
            name: "subquery reads victim in update",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                INSERT INTO items VALUES (1, 'a');
                UPDATE items SET name = (SELECT v FROM VICTIM.secrets ORDER BY id LIMIT 1);
                """#),
        EscapeAttempt(
            name: "delete victim routines from mysql.proc",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                DELETE FROM mysql.proc WHERE db = 'VICTIM';
                """#),
    ]

    /// Attempts for SQLite, loaded into the isolated database file.
    static let sqlite: [EscapeAttempt] = [
        EscapeAttempt(
            name: "attach victim and delete",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                ATTACH 'VICTIM_FILE' AS v;
                DELETE FROM v.secrets;
                """#),
        EscapeAttempt(
            name: "attach new file in out dir",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                ATTACH 'OUT_DIR/new.db' AS a;
                CREATE TABLE a.pwn(i);
                """#),
        EscapeAttempt(
            name: "bracket begin in trigger hides attach",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                CREATE TRIGGER t AFTER INSERT ON items BEGIN SELECT 1 AS [begin]; END; ATTACH 'OUT_DIR/x.db' AS a; CREATE TABLE a.pwn(i);
                """#),
        EscapeAttempt(
            name: "double-quoted begin in trigger hides attach",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                CREATE TRIGGER t AFTER INSERT ON items BEGIN SELECT 1 AS "begin"; END; ATTACH 'OUT_DIR/x.db' AS a; CREATE TABLE a.pwn(i);
                """#),
        EscapeAttempt(
            name: "backquoted begin in trigger hides attach",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                CREATE TRIGGER t AFTER INSERT ON items BEGIN SELECT 1 AS `begin`; END; ATTACH 'OUT_DIR/x.db' AS a; CREATE TABLE a.pwn(i);
                """#),
        EscapeAttempt(
            name: "begin string in trigger hides attach",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                CREATE TRIGGER t AFTER INSERT ON items BEGIN SELECT 'begin'; END;
                ATTACH 'OUT_DIR/x.db' AS a;
                CREATE TABLE a.pwn(i);
                """#),
        EscapeAttempt(
            name: "vacuum into out dir",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                VACUUM INTO 'OUT_DIR/copy.db';
                """#),
        EscapeAttempt(
            name: "load extension",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                SELECT load_extension('OUT_DIR/escape_probe_ext');
                """#),
        EscapeAttempt(
            name: "file uri with mode rwc",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                ATTACH 'file:OUT_DIR/uri.db?mode=rwc' AS u;
                CREATE TABLE u.pwn(i);
                """#),
        EscapeAttempt(
            name: "file uri on victim",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                ATTACH 'file:VICTIM_FILE?mode=rw' AS v;
                DROP TABLE v.secrets;
                """#),
        EscapeAttempt(
            name: "comments between attach words",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                ATTACH /* a */ DATABASE -- b
                    'VICTIM_FILE' /* c */ AS v;
                DROP TABLE v.secrets;
                """#),
        EscapeAttempt(
            name: "detach after writing victim",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                ATTACH DATABASE 'VICTIM_FILE' AS v;
                ALTER TABLE v.secrets ADD COLUMN pwn;
                DETACH DATABASE v;
                """#),
        EscapeAttempt(
            name: "attach after string containing semicolon",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                INSERT INTO items VALUES (1, 'a;b'); ATTACH 'VICTIM_FILE' AS v; DELETE FROM v.secrets;
                """#),
        EscapeAttempt(
            name: "backslash does not escape",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                INSERT INTO items VALUES (1, 'a\'); ATTACH 'OUT_DIR/bs.db' AS b; CREATE TABLE b.pwn(i); -- ');
                """#),
        EscapeAttempt(
            name: "comment markers inside strings",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                INSERT INTO items VALUES (1, '/*'); ATTACH 'OUT_DIR/cm.db' AS c; CREATE TABLE c.pwn(i); INSERT INTO items VALUES (2, '*/');
                """#),
        EscapeAttempt(
            name: "block comments do not nest",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                /* outer /* inner */ ATTACH 'OUT_DIR/nest.db' AS n; CREATE TABLE n.pwn(i); -- */
                """#),
        EscapeAttempt(
            name: "lowercase attach",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                attach database 'VICTIM_FILE' as v;
                delete from v.secrets;
                """#),
        EscapeAttempt(
            name: "attach expression form",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                ATTACH (SELECT 'OUT_DIR/z.db') AS z;
                CREATE TABLE z.pwn(i);
                """#),
        EscapeAttempt(
            name: "attach concatenated path",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                ATTACH 'OUT_DIR' || '/cat.db' AS c;
                CREATE TABLE c.pwn(i);
                """#),
        EscapeAttempt(
            name: "double-quoted file name",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                ATTACH "VICTIM_FILE" AS v;
                DELETE FROM v.secrets;
                """#),
        EscapeAttempt(
            name: "bracket-quoted file name",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                ATTACH [OUT_DIR/b.db] AS b;
                CREATE TABLE b.pwn(i);
                """#),
        EscapeAttempt(
            name: "unqualified name resolves to attached victim",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                ATTACH 'VICTIM_FILE' AS v;
                DELETE FROM secrets;
                """#),
        EscapeAttempt(
            name: "temp trigger on attached victim",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                ATTACH 'VICTIM_FILE' AS v;
                CREATE TEMP TRIGGER wipe AFTER INSERT ON items BEGIN DELETE FROM secrets; END;
                INSERT INTO items VALUES (1, 'a');
                """#),
        EscapeAttempt(
            name: "wal journal mode on attached victim",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                ATTACH 'VICTIM_FILE' AS v;
                PRAGMA v.journal_mode = WAL;
                """#),
        EscapeAttempt(
            name: "user version pragma on attached victim",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                ATTACH 'VICTIM_FILE' AS v;
                PRAGMA v.user_version = 7;
                """#),
        EscapeAttempt(
            name: "vacuum attached victim",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                ATTACH 'VICTIM_FILE' AS v;
                VACUUM v;
                """#),
        EscapeAttempt(
            name: "writefile function",
            script: #"""
                CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50));
                SELECT writefile('OUT_DIR/w.txt', 'pwned');
                """#),
    ]
}
