import CMariaDB
import Foundation

/// Where and how ``MySQLConnection`` connects to a MariaDB or MySQL server.
///
/// Its `description` never contains the password, so configurations can be logged.
///
/// ```swift
/// var configuration = MySQLConfiguration(host: "127.0.0.1", port: 3306, user: "root", password: secret)
/// configuration.database = "app_test"
/// let db = try await MySQLConnection.connect(configuration)
/// ```
public struct MySQLConfiguration: Sendable, Hashable, CustomStringConvertible {
    /// Host name or IP address. `localhost` makes libmariadb use its default Unix socket and ignore
    /// ``port`` (``endpoint`` says so); use `127.0.0.1` to connect over TCP.
    public var host: String
    /// TCP port.
    public var port: Int
    /// User name.
    public var user: String
    /// Password; empty for none. Never printed.
    public var password: String
    /// The database to select after connecting, or nil for none.
    public var database: String?
    /// A Unix socket path to use instead of TCP (``host`` and ``port`` are then ignored), or nil.
    public var unixSocket: String?
    /// How long connecting may take before it fails with ``MySQLErrorCode/serverLost``;
    /// rounded up to whole seconds, as libmariadb counts.
    public var connectTimeout: Duration
    /// How long one read from the server may wait before the connection is treated as lost,
    /// or nil to wait as long as the server takes.
    public var readTimeout: Duration?

    /// Creates a configuration. The defaults match a stock local server.
    public init(
        host: String = "127.0.0.1", port: Int = 3306, user: String = "root", password: String = "",
        database: String? = nil, unixSocket: String? = nil,
        connectTimeout: Duration = .seconds(10), readTimeout: Duration? = nil
    ) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.unixSocket = unixSocket
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
    }

    /// Where the connection goes, for messages: `user@host:port` or `user@socket`, plus `/database`.
    /// Host `localhost` without a socket says that libmariadb uses its default Unix socket, not the port.
    public var endpoint: String {
        let place =
            unixSocket.map { "socket \($0)" }
            ?? (host == "localhost"
                ? "localhost (libmariadb's default Unix socket \(Self.defaultSocket); the port is not used: for TCP use 127.0.0.1)"
                : "\(host):\(port)")
        return "'\(user)'@\(place)" + (database.map { "/\($0)" } ?? "")
    }

    /// The socket libmariadb uses for host `localhost` when none is configured (`MYSQL_UNIX_PORT`,
    /// else the library's compiled-in default).
    public static var defaultSocket: String {
        ProcessInfo.processInfo.environment["MYSQL_UNIX_PORT"].flatMap { $0.isEmpty ? nil : $0 } ?? MARIADB_UNIX_ADDR
    }

    public var description: String {
        "MySQLConfiguration(\(endpoint), password: \(password.isEmpty ? "none" : "set"))"
    }
}

extension Duration {
    /// Whole seconds, rounded up, at least 1: libmariadb's timeouts count seconds and treat 0 as "none".
    var wholeSecondsRoundedUp: UInt32 {
        let (seconds, attoseconds) = components
        return UInt32(clamping: max(1, seconds + (attoseconds > 0 ? 1 : 0)))
    }
}
