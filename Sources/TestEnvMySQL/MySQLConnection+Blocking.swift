import CMariaDB
import Foundation

extension MySQLConnection {
    /// Connects, runs `script` (several statements allowed), and disconnects, blocking the calling
    /// thread. Only for where no executor runs any more — a process's exit handler; everywhere else
    /// use ``connect(_:)``, which keeps blocking calls off Swift's cooperative pool.
    ///
    /// - Returns: nil when every statement ran, otherwise what failed.
    /// A full server (error 1040) is waited out for up to five seconds, as other processes end.
    public static func runBlocking(_ configuration: MySQLConfiguration, script: String) -> String? {
        guard testenv_mysql_library_init() == 0 else { return "mysql_library_init failed" }
        for _ in 0..<50 {
            guard let mysql = mysql_init(nil) else { return "mysql_init failed: out of memory" }
            defer { mysql_close(mysql) }
            var timeout: UInt32 = 5
            mysql_options(mysql, MYSQL_OPT_CONNECT_TIMEOUT, &timeout)
            mysql_options(mysql, MYSQL_OPT_READ_TIMEOUT, &timeout)
            let connected = mysql_real_connect(
                mysql, configuration.unixSocket == nil ? configuration.host : "localhost", configuration.user, configuration.password, nil,
                UInt32(clamping: configuration.port), configuration.unixSocket, UInt(CLIENT_MULTI_STATEMENTS))
            if connected == nil, mysql_errno(mysql) == MySQLErrorCode.tooManyConnections.rawValue {
                usleep(100_000)
                continue
            }
            guard connected != nil else { return "connecting to \(configuration.endpoint): \(String(cString: mysql_error(mysql)))" }
            return run(script, on: mysql)
        }
        return "connecting to \(configuration.endpoint): the server stayed full (error 1040) for 5 seconds"
    }

    private static func run(_ script: String, on mysql: UnsafeMutablePointer<MYSQL>) -> String? {
        guard mysql_real_query(mysql, script, UInt(script.utf8.count)) == 0 else { return String(cString: mysql_error(mysql)) }
        while true {
            if let result = mysql_store_result(mysql) { mysql_free_result(result) }
            let next = mysql_next_result(mysql)
            if next < 0 { return nil }
            if next > 0 { return String(cString: mysql_error(mysql)) }
        }
    }
}
