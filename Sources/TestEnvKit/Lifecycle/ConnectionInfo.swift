import Foundation
import TestEnvCore
import TestEnvMySQL

/// How any driver reaches an environment's database: GRDB, MySQLNIO, a command-line client, the
/// application's own connection pool.
///
/// It describes the environment as it really is — after a fallback, the SQLite database, not the
/// MySQL configuration. On MySQL it carries the credentials the environment's own connection uses
/// (the restricted account, see ``ConfinementPolicy``); ``description`` never shows the password.
///
/// ```swift
/// try await withIsolatedEnvironment(schema: .appSchema) { env in
///     let info = try await env.connectionInfo
///     let queue = try DatabaseQueue(path: info.url)   // GRDB, on SQLite
/// }
/// ```
public struct ConnectionInfo: Sendable, Hashable, CustomStringConvertible {
    /// The backend the environment uses.
    public let backend: DatabaseBackend
    /// MySQL: the host (`localhost` when ``socket`` is set); SQLite: nil.
    public let host: String?
    /// MySQL: the TCP port; SQLite: nil.
    public let port: Int?
    /// MySQL: the Unix socket, when the environment is reached through one; SQLite: nil.
    public let socket: String?
    /// MySQL: the user; SQLite: nil.
    public let user: String?
    /// MySQL: the password (never in ``description``); SQLite: nil.
    public let password: String?
    /// MySQL: the database, `test_<32 hex digits>`. SQLite: the file path, or the `memdb` URI of an
    /// in-memory environment (see ``path``).
    public let database: String
    /// SQLite: what `sqlite3_open_v2` (with `SQLITE_OPEN_URI`) opens — a file path, or
    /// `file:/testenv-…?vfs=memdb` for an in-memory environment, which any connection of this
    /// process can open while the environment lives. MySQL: nil.
    public let path: String?

    /// One string for drivers that take a URL: `mysql://user:password@host:port/database`
    /// (`?socket=/path` added for a socket), or the SQLite ``path``.
    public var url: String {
        guard backend == .mysql else { return path ?? database }
        var components = URLComponents()
        components.scheme = "mysql"
        components.user = user
        components.password = password
        components.host = host
        components.port = socket == nil ? port : nil
        components.path = "/" + database
        if let socket { components.queryItems = [URLQueryItem(name: "socket", value: socket)] }
        return components.string ?? "mysql://\(host ?? "localhost")/\(database)"
    }

    public var description: String {
        guard backend == .mysql else { return "ConnectionInfo(sqlite, \(path ?? database))" }
        let place = socket.map { "socket \($0)" } ?? "\(host ?? "?"):\(port ?? 0)"
        return "ConnectionInfo(mysql, '\(user ?? "")'@\(place)/\(database), password: \(password?.isEmpty == false ? "set" : "none"))"
    }

    static func mysql(_ settings: MySQLConfiguration, database: String) -> ConnectionInfo {
        // Host `localhost` without a socket is libmariadb's default socket, not TCP: say which, so other drivers go there too.
        let socket = settings.unixSocket ?? (settings.host == "localhost" ? MySQLConfiguration.defaultSocket : nil)
        return ConnectionInfo(
            backend: .mysql, host: socket == nil ? settings.host : "localhost", port: settings.port, socket: socket, user: settings.user,
            password: settings.password, database: database, path: nil)
    }

    static func sqlite(path: String) -> ConnectionInfo {
        ConnectionInfo(backend: .sqlite, host: nil, port: nil, socket: nil, user: nil, password: nil, database: path, path: path)
    }
}

/// How one environment is reached from more connections than its own: what its provider knows.
struct EnvironmentAccess: Sendable {
    /// The environment's connection details (an in-memory SQLite database becomes shareable first).
    let details: @Sendable () async throws -> ConnectionInfo
    /// A new connection to the environment's database.
    let connect: @Sendable () async throws -> any DatabaseConnection
}
