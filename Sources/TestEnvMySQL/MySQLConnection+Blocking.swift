import CMariaDB

extension MySQLConnection {
    /// Connects, runs `script` (several statements allowed), and disconnects, blocking the calling
    /// thread. Only for where no executor runs any more — a process's exit handler; everywhere else
    /// use ``connect(_:)``, which keeps blocking calls off Swift's cooperative pool.
    ///
    /// - Returns: whether every statement ran.
    public static func runBlocking(_ configuration: MySQLConfiguration, script: String) -> Bool {
        guard testenv_mysql_library_init() == 0, let mysql = mysql_init(nil) else { return false }
        defer { mysql_close(mysql) }
        var timeout: UInt32 = 5
        mysql_options(mysql, MYSQL_OPT_CONNECT_TIMEOUT, &timeout)
        mysql_options(mysql, MYSQL_OPT_READ_TIMEOUT, &timeout)
        let connected = mysql_real_connect(
            mysql, configuration.unixSocket == nil ? configuration.host : "localhost", configuration.user, configuration.password, nil,
            UInt32(clamping: configuration.port), configuration.unixSocket, UInt(CLIENT_MULTI_STATEMENTS))
        guard connected != nil, mysql_real_query(mysql, script, UInt(script.utf8.count)) == 0 else { return false }
        while true {
            if let result = mysql_store_result(mysql) { mysql_free_result(result) }
            let next = mysql_next_result(mysql)
            if next < 0 { return true }
            if next > 0 { return false }
        }
    }
}
