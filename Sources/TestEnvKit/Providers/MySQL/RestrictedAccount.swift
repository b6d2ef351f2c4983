import Foundation
import TestEnvCore
import TestEnvMySQL

/// The account that loads schemas and that every connection handed to a test uses: it has all
/// rights on databases named `test_…` and none anywhere else, so the *server* refuses a script or
/// a test that reaches for another database, creates accounts, changes server variables, reads
/// files or stops the server — whatever the schema guard's parser thought of it.
///
/// One account per server and client host (`testenv_sandbox@<host the admin connects from>`),
/// shared by every process and CI shard using that server. Its random password lives in the
/// tracking database, readable only by accounts that may administer test databases; it never
/// appears in a log or an error. Setting it up is idempotent and safe to race: the first process
/// stores a password (`INSERT IGNORE`), every process reads the stored one, and `CREATE USER IF
/// NOT EXISTS` / `ALTER USER` / `GRANT` converge on the same account. An account of that name with
/// more rights than these (created by hand, say) is stripped back to them.
struct RestrictedAccount: Sendable, Hashable {
    static let user = "testenv_sandbox"
    static let table = "`testenv_tracking`.`_testenv_accounts`"
    /// The databases the account may use: the environment names' prefix, as a grant pattern.
    static let grantPattern = "`test\\_%`"

    /// The account's host part: the one the admin account matched, so connections from here match it too.
    let host: String
    let password: String

    /// The account as `'user'@'host'`, for statements and messages.
    var quotedName: String { "'\(Self.user)'@\(DatabaseReset.literal(host))" }

    /// Creates (or reuses) the account on the admin's server.
    ///
    /// - Throws: the server's error when the admin may not create accounts or grant rights on
    ///   `test_%` databases; the error never carries a statement holding the password.
    static func prepare(_ admin: MySQLConnection) async throws -> RestrictedAccount {
        let current = try await admin.get("SELECT CURRENT_USER()", [])?.decode(String.self, 0) ?? ""
        guard let at = current.lastIndex(of: "@") else {
            throw TestEnvError(.invalidConfiguration, "the server reported the current user as \(String(reflecting: current))")
        }
        let host = String(current[current.index(after: at)...])
        guard !current.hasPrefix(user + "@") else {
            throw TestEnvError(
                .invalidConfiguration,
                "TEST_DB_USER is TestEnvKit's own restricted account \(user): configure an account that may create databases")
        }
        try await admin.executeScript(
            """
            CREATE TABLE IF NOT EXISTS \(table) (
                user VARCHAR(80) NOT NULL, host VARCHAR(255) NOT NULL, password VARCHAR(64) NOT NULL, PRIMARY KEY (user, host)
            ) ENGINE = InnoDB
            """)
        // Upper and lower case, digits and a sign: password policies (validate_password, simple_password_check) accept it.
        let candidate = "Tk7-" + (0..<4).map { _ in String(UInt64.random(in: .min ... .max), radix: 16) }.joined()
        try await admin.run(
            "INSERT IGNORE INTO \(table) (user, host, password) VALUES (?, ?, ?)", [.text(user), .text(host), .text(candidate)])
        guard
            let password = try await admin.get("SELECT password FROM \(table) WHERE user = ? AND host = ?", [.text(user), .text(host)])?
                .decode(String.self, 0)
        else { throw TestEnvError(.invalidConfiguration, "the restricted account's record vanished while it was being set up") }
        let account = RestrictedAccount(host: host, password: password)
        try await account.converge(admin)
        return account
    }

    /// Makes the server's account match: it exists, has this password, and has exactly its grant.
    private func converge(_ admin: MySQLConnection) async throws {
        try await withoutStatement {
            try await admin.executeScript("CREATE USER IF NOT EXISTS \(quotedName) IDENTIFIED BY '\(password)'")
            try await admin.executeScript("ALTER USER \(quotedName) IDENTIFIED BY '\(password)'")
        }
        let grants = try await admin.all("SHOW GRANTS FOR \(quotedName)", []).map { try $0.decode(String.self, 0) }
        let expected =
            grants.count == 2
            && grants.allSatisfy { grant in
                (grant.hasPrefix("GRANT USAGE ON *.*") || grant.hasPrefix("GRANT ALL PRIVILEGES ON \(Self.grantPattern).*"))
                    && !grant.contains("WITH GRANT OPTION")
            }
        guard !expected else { return }
        if grants.count > 1 {
            try await admin.executeScript("REVOKE ALL PRIVILEGES, GRANT OPTION FROM \(quotedName)")
        }
        try await admin.executeScript("GRANT ALL PRIVILEGES ON \(Self.grantPattern).* TO \(quotedName)")
    }

    /// Runs `body`, rethrowing a driver error without the statement, which holds the password.
    private func withoutStatement(_ body: () async throws -> Void) async throws {
        do { try await body() } catch let error as MySQLError {
            // A syntax error quotes the statement from where it stopped reading, perhaps the password.
            let message = error.message.range(of: " near '").map { error.message[..<$0.lowerBound] + " (statement not shown)" }
            throw MySQLError(
                code: error.code, message: message.map(String.init) ?? error.message.replacingOccurrences(of: password, with: "…"),
                sqlState: error.sqlState, endpoint: error.endpoint, operation: "setting up the restricted account \(quotedName)")
        }
    }

    /// `configuration` with this account's credentials.
    func credentials(for configuration: MySQLConfiguration) -> MySQLConfiguration {
        var settings = configuration
        settings.user = Self.user
        settings.password = password
        return settings
    }
}

/// Whether environments run under a boundary the server or SQLite enforces (`TEST_DB_CONFINEMENT`).
public enum ConfinementPolicy: String, Sendable, Hashable, CaseIterable {
    /// MySQL: the restricted account when the configured user may create it, else the configured
    /// user with a warning (the schema guard is then the only boundary). SQLite: confined. The default.
    case auto
    /// As `auto`, but a MySQL environment fails when the restricted account cannot be set up.
    case required
    /// Tests connect as the configured user; SQLite connections may `ATTACH`. Schema scripts are
    /// still checked by the guard.
    case off
}

/// Which boundary keeps a backend's environments inside their own databases, as reported by
/// ``TestEnvironmentManager/boundary(for:)``.
public struct EnvironmentBoundary: Sendable, Hashable, CustomStringConvertible {
    /// Whether the server (MySQL: privileges of the restricted account) or the library (SQLite: the
    /// authorizer) enforces it; when false, only the schema guard checks schema scripts, and test
    /// code can reach whatever the configured account can.
    public let isEnforced: Bool
    /// What enforces it, or why nothing does.
    public let detail: String

    public var description: String { (isEnforced ? "enforced: " : "not enforced: ") + detail }
}
