import CMariaDB
import Synchronization
@_spi(TestEnvDrivers) import TestEnvCore

/// libmariadb must be initialized once per process before the first connection; Swift runs a
/// global's initializer exactly once, under a lock, on first use.
private let libraryInitialized: Bool = testenv_mysql_library_init() == 0

/// A connection to a MariaDB or MySQL server.
///
/// An actor on its own dispatch queue: every libmariadb call — connect, prepare, execute, fetch,
/// close — runs there, never on Swift's cooperative pool, and calls from several tasks are
/// serialized. Statements run through the binary protocol with bound parameters; prepared
/// statements are cached per connection by SQL text. Scripts run through the text protocol with
/// multi-statement support, and every result is drained so the connection stays usable.
///
/// ```swift
/// let db = try await MySQLConnection.connect(MySQLConfiguration(port: 3306, password: secret))
/// try await db.executeScript("CREATE DATABASE demo; USE demo; CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, v TEXT);")
/// let id = try await db.run("INSERT INTO t (v) VALUES (?)", ["hello"]).lastInsertID
/// let v = try await db.get("SELECT v FROM t WHERE id = ?", [.integer(id!)])?.decode(String.self, "v")
/// await db.close()
/// ```
///
/// Close connections explicitly with ``close()``; a connection that is dropped while open is
/// closed by its deinitializer as a last resort.
public actor MySQLConnection: DatabaseConnection {
    /// The configuration the connection was opened with.
    public nonisolated let configuration: MySQLConfiguration
    private let executor: DispatchQueueExecutor
    private var handle: UnsafeMutablePointer<MYSQL>?
    private var statements = PreparedStatementCache<UnsafeMutablePointer<MYSQL_STMT>>()
    private var statementsLost = false
    /// When the server last answered a command; nil after one lost the connection.
    private var lastAnswered: ContinuousClock.Instant?

    /// The server's version string, for example `10.11.6-MariaDB-0+deb12u1`.
    /// Readable without waiting for the connection, which may be busy with a long statement.
    public nonisolated var serverVersion: String { version.withLock { $0 } }
    private let version = Mutex("")
    private let serverConnectionID = Atomic<UInt64>(0)

    /// The server's id for this connection (`CONNECTION_ID()`), which `KILL` takes.
    ///
    /// Readable without waiting for the connection, so another connection can stop a statement
    /// that is still running here.
    public nonisolated var connectionID: UInt { UInt(serverConnectionID.load(ordering: .acquiring)) }

    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    private init(configuration: MySQLConfiguration) {
        self.configuration = configuration
        self.executor = DispatchQueueExecutor(label: "TestEnvMySQL.connection")
    }

    /// The successor of a connection that handed its session over (``reclaim(database:)``), on the
    /// same queue, so the handle never changes threads.
    private init(succeeding predecessor: HandedOverSession, configuration: MySQLConfiguration, executor: DispatchQueueExecutor) {
        self.configuration = configuration
        self.executor = executor
        self.handle = predecessor.handle
        self.multipleStatementsAllowed = predecessor.multipleStatementsAllowed
        version.withLock { $0 = predecessor.serverVersion }
        serverConnectionID.store(predecessor.connectionID, ordering: .releasing)
        lastAnswered = .now  // the predecessor's reset was just answered
    }

    /// Connects to the server.
    ///
    /// - Throws: ``MySQLError``: `hostConnectionFailed`/`socketConnectionFailed` when nothing
    ///   listens, `accessDenied`, `unknownDatabase`, `serverLost` on a connect timeout, `tooManyConnections`.
    public static func connect(_ configuration: MySQLConfiguration) async throws -> MySQLConnection {
        let connection = MySQLConnection(configuration: configuration)
        try await connection.open()
        return connection
    }

    isolated deinit {
        // Last resort for a connection nobody closed. Isolated, so the C calls run on the connection's queue.
        statements.removeAll { mysql_stmt_close($0) }
        if let handle { mysql_close(handle) }
    }

    private func open() throws {
        precondition(libraryInitialized, "mysql_library_init failed")
        guard let mysql = mysql_init(nil) else {
            throw MySQLError(
                code: .invalidConnectionHandle, message: "mysql_init failed: out of memory", endpoint: configuration.endpoint,
                operation: "connecting")
        }
        setOptions(mysql)
        let flags = UInt(CLIENT_MULTI_STATEMENTS)
        let connected = mysql_real_connect(
            // libmariadb uses the socket only when the host is "localhost"; a configured socket wins.
            mysql, configuration.unixSocket == nil ? configuration.host : "localhost", configuration.user, configuration.password,
            configuration.database,
            UInt32(clamping: configuration.port), configuration.unixSocket, flags)
        guard connected != nil else {
            let error = connectionError(mysql, operation: "connecting")
            mysql_close(mysql)
            throw error
        }
        handle = mysql
        version.withLock { $0 = String(cString: mysql_get_server_info(mysql)) }
        serverConnectionID.store(UInt64(mysql_thread_id(mysql)), ordering: .releasing)
    }

    private func setOptions(_ mysql: UnsafeMutablePointer<MYSQL>) {
        var connectTimeout = configuration.connectTimeout.wholeSecondsRoundedUp
        mysql_options(mysql, MYSQL_OPT_CONNECT_TIMEOUT, &connectTimeout)
        if var readTimeout = configuration.readTimeout?.wholeSecondsRoundedUp {
            mysql_options(mysql, MYSQL_OPT_READ_TIMEOUT, &readTimeout)
        }
        // Large blobs need a large packet on the client side too; the server sets its own limit.
        var maxPacket: UInt = 1 << 30
        mysql_options(mysql, MYSQL_OPT_MAX_ALLOWED_PACKET, &maxPacket)
        mysql_options(mysql, MYSQL_SET_CHARSET_NAME, "utf8mb4")
    }

    public func close() {
        statements.removeAll { mysql_stmt_close($0) }
        // MariaDB counts a table's changed rows (userstat) when it closes the table: under LOCK TABLES
        // at UNLOCK TABLES, and never when the connection ends holding the lock.
        if locksTables, let handle { _ = mysql_query(handle, "UNLOCK TABLES") }
        if let handle { mysql_close(handle) }
        handle = nil
    }

    /// Whether ``reclaim(database:)`` handed this connection's session to a successor. Readable
    /// without waiting for the connection, by code that would `KILL` its statements: the server's
    /// connection id now belongs to the successor.
    public nonisolated var isRetired: Bool { retired.load(ordering: .acquiring) }
    private let retired = Atomic(false)

    /// Resets the session (`COM_RESET_CONNECTION`: rolls back, releases table and named locks,
    /// drops temporary tables and prepared statements, restores session and user variables), makes
    /// `database` the current one again, and hands the open connection to a new connection object,
    /// which is returned; this object is retired and closed, so a reference a test kept fails
    /// instead of reaching the next test's session. TestEnvKit does this for pooled databases: the
    /// next test of the database skips connecting and authenticating. Returns nil, and closes, when
    /// the connection was lost or the reset failed.
    @_spi(TestEnvDrivers) public func reclaim(database: String) -> MySQLConnection? {
        guard let handle, !statementsLost else {
            close()
            return nil
        }
        // As in close(): MariaDB counts a locked table's changed rows at UNLOCK TABLES.
        if locksTables { _ = mysql_query(handle, "UNLOCK TABLES") }
        guard mysql_reset_connection(handle) == 0 else {
            close()
            return nil
        }
        // The reset closed the statements on the server and detached them here: closing them now
        // frees memory without a packet each.
        statements.removeAll { mysql_stmt_close($0) }
        guard mysql_select_db(handle, database) == 0 else {
            close()
            return nil
        }
        let session = HandedOverSession(
            handle: handle, multipleStatementsAllowed: multipleStatementsAllowed, serverVersion: serverVersion,
            connectionID: serverConnectionID.load(ordering: .acquiring))
        self.handle = nil
        retired.store(true, ordering: .releasing)
        return MySQLConnection(succeeding: session, configuration: configuration, executor: executor)
    }

    /// Whether the server answers a ping (one round trip).
    public func isReady() -> Bool {
        guard let handle, mysql_ping(handle) == 0 else {
            lastAnswered = nil
            return false
        }
        lastAnswered = .now
        return true
    }

    /// Whether the connection is usable: without a round trip when the server answered a command
    /// within `recently` and none lost the connection since; else by a ping. For connections
    /// handed from task to task, where a ping each time would cost as much as the work.
    public func isReady(answeredWithin recently: Duration) -> Bool {
        if handle != nil, let lastAnswered, ContinuousClock.now - lastAnswered < recently { return true }
        return isReady()
    }

    public nonisolated var dialect: SQLDialect { .mysql }

    @_spi(TestEnvDrivers) public var transactionScopeDepth = 0

    /// From the status flags of the server's last reply, so it costs no round trip.
    public func isInTransaction() -> Bool {
        guard let handle else { return false }
        return handle.pointee.server_status & UInt32(SERVER_STATUS_IN_TRANS) != 0
    }

    /// The MySQL protocol counts parameters in 16 bits.
    public func maxBoundParameters() -> Int { 65_535 }

    /// Whether a statement that changes the schema (`CREATE`, `ALTER`, `DROP`, `RENAME`; not of a
    /// temporary table) was sent on this connection. A pool that recycles databases reads it: a
    /// database whose schema a test changed is dropped, never handed to the next test.
    public private(set) var hasChangedSchema = false

    /// Whether `LOCK TABLES` was sent on this connection; ``close()`` unlocks them first.
    private var locksTables = false

    /// Whether the server accepts several statements per text command on this connection (as connected).
    private var multipleStatementsAllowed = true

    /// Clears ``hasChangedSchema``: the schema as it is now is the one to keep.
    public func acceptSchemaChanges() { hasChangedSchema = false }

    /// Refuses, inside `withTransaction`, statements that would commit the transaction implicitly,
    /// and notes schema changes. `run` and `all` take one statement, so their leading words tell.
    private func review(statement sql: String) throws {
        let effects = ImplicitCommit.Effects(of: sql)
        if transactionScopeDepth > 0, effects.commitsImplicitly { throw ImplicitCommitError(statement: sql) }
        hasChangedSchema = hasChangedSchema || effects.changesSchema
        locksTables = locksTables || effects.locksTables
    }

    /// ``review(statement:)`` for a script of several statements.
    private func review(script sql: String) throws {
        if transactionScopeDepth > 0, let statement = ImplicitCommit.firstCommittingStatement(in: sql) {
            throw ImplicitCommitError(statement: statement)
        }
        guard !hasChangedSchema || !locksTables else { return }
        var (changes, locks) = (hasChangedSchema, locksTables)
        _ = ImplicitCommit.firstStatement(in: sql) { statement in
            let effects = ImplicitCommit.Effects(of: statement)
            changes = changes || effects.changesSchema
            locks = locks || effects.locksTables
            return changes && locks
        }
        (hasChangedSchema, locksTables) = (changes, locks)
    }

    /// The number of prepared statements cached on this connection.
    public var cachedStatementCount: Int { statements.count }

    @discardableResult
    public func run(_ sql: String, _ bindings: [DatabaseValue]) throws -> ExecutionResult {
        try execute(sql, bindings, collectingRows: false).result
    }

    public func all(_ sql: String, _ bindings: [DatabaseValue]) throws -> [Row] {
        try execute(sql, bindings, collectingRows: true).rows
    }

    public func executeScript(_ sql: String) throws {
        defer { forgetStatementsIfLost() }
        try review(script: sql)
        let mysql = try openHandle(for: sql)
        try allowMultipleStatements(true, on: mysql, for: sql)
        try runText(sql, on: mysql, operation: "running a script")
    }

    /// Runs one statement: the server is told to refuse a second one in the same text, so a
    /// statement boundary the caller's parser missed is a syntax error, not a hidden statement.
    public func executeStatement(_ sql: String) throws {
        defer { forgetStatementsIfLost() }
        try review(statement: sql)
        let mysql = try openHandle(for: sql)
        try allowMultipleStatements(false, on: mysql, for: sql)
        try runText(sql, on: mysql, operation: "running a statement")
    }

    /// Switches the server's multi-statement option when it differs (one round trip, only on a change).
    private func allowMultipleStatements(_ allowed: Bool, on mysql: UnsafeMutablePointer<MYSQL>, for sql: String) throws {
        guard multipleStatementsAllowed != allowed else { return }
        guard mysql_set_server_option(mysql, allowed ? MYSQL_OPTION_MULTI_STATEMENTS_ON : MYSQL_OPTION_MULTI_STATEMENTS_OFF) == 0 else {
            throw failure(connectionError(mysql, operation: "setting the multi-statement option", sql: sql))
        }
        multipleStatementsAllowed = allowed
    }

    /// Sends `sql` through the text protocol and reads every result it produces.
    private func runText(_ sql: String, on mysql: UnsafeMutablePointer<MYSQL>, operation: String) throws {
        let length = UInt(sql.utf8.count)
        guard mysql_real_query(mysql, sql, length) == 0 else {
            throw failure(connectionError(mysql, operation: operation, sql: sql))
        }
        lastAnswered = .now
        var statementNumber = 1
        while true {
            // Every result must be read, or the next command fails with error 2014.
            if let result = mysql_store_result(mysql) {
                mysql_free_result(result)
            } else if mysql_field_count(mysql) != 0 {
                throw failure(
                    connectionError(mysql, operation: "reading the results of statement \(statementNumber) of a script", sql: sql))
            }
            let next = mysql_next_result(mysql)
            if next < 0 { return }
            statementNumber += 1
            if next > 0 {
                throw failure(connectionError(mysql, operation: "running statement \(statementNumber) of a script", sql: sql))
            }
        }
    }

    private func openHandle(for sql: String) throws -> UnsafeMutablePointer<MYSQL> {
        guard let handle else {
            throw MySQLError(
                code: .invalidConnectionHandle, message: "the connection is closed; connect again",
                endpoint: configuration.endpoint, operation: "running a statement", sql: sql)
        }
        return handle
    }

    /// Notes that prepared statements must be forgotten when the connection died, since the server
    /// forgot them too. They are closed later, by ``forgetStatementsIfLost()``: the failing call may
    /// still be using one.
    private func failure(_ error: MySQLError) -> MySQLError {
        if error.kind == .connectionLost {
            statementsLost = true
            lastAnswered = nil
        }
        guard let lockConflictNote, error.kind == .deadlock || error.kind == .lockWaitTimeout else { return error }
        var noted = error
        noted.note = lockConflictNote
        return noted
    }

    /// Added to deadlock and lock-wait errors on this connection: what its owner knows about why
    /// locks conflict here (TestEnvKit's transaction mode: tests share one database).
    @_spi(TestEnvDrivers) public var lockConflictNote: String?

    /// Sets ``lockConflictNote``.
    @_spi(TestEnvDrivers) public func setLockConflictNote(_ note: String?) { lockConflictNote = note }

    /// Closes the cached statements of a connection that died; called when no statement is in use.
    private func forgetStatementsIfLost() {
        guard statementsLost else { return }
        statements.removeAll { mysql_stmt_close($0) }
        statementsLost = false
    }

    private func connectionError(_ mysql: UnsafeMutablePointer<MYSQL>, operation: String, sql: String? = nil) -> MySQLError {
        MySQLError(
            code: MySQLErrorCode(rawValue: mysql_errno(mysql)), message: String(cString: mysql_error(mysql)),
            sqlState: sqlState(mysql_sqlstate(mysql)), endpoint: configuration.endpoint, operation: operation, sql: sql)
    }

    private func statementError(_ statement: UnsafeMutablePointer<MYSQL_STMT>, operation: String, sql: String) -> MySQLError {
        // An error packet that ends a result set (INSERT … RETURNING hitting a duplicate on a later
        // row) is recorded on the connection, not on the statement.
        if mysql_stmt_errno(statement) == 0, let handle, mysql_errno(handle) != 0 {
            return failure(connectionError(handle, operation: operation, sql: sql))
        }
        return failure(
            MySQLError(
                code: MySQLErrorCode(rawValue: mysql_stmt_errno(statement)), message: String(cString: mysql_stmt_error(statement)),
                sqlState: sqlState(mysql_stmt_sqlstate(statement)), endpoint: configuration.endpoint, operation: operation, sql: sql))
    }

    private func sqlState(_ state: UnsafePointer<CChar>?) -> String? {
        guard let state else { return nil }
        let text = String(cString: state)
        return text.isEmpty || text == "00000" ? nil : text
    }
}

extension MySQLConnection {
    private func execute(_ sql: String, _ bindings: [DatabaseValue], collectingRows: Bool) throws -> (rows: [Row], result: ExecutionResult)
    {
        try review(statement: sql)
        let mysql = try openHandle(for: sql)
        let statement = try prepared(sql, on: mysql)
        defer {
            drainResults(of: statement)
            forgetStatementsIfLost()
        }
        let parameterCount = Int(mysql_stmt_param_count(statement))
        guard parameterCount == bindings.count else {
            throw MySQLError(
                code: .parameterCountMismatch,
                message: "the statement has \(parameterCount) parameter(s) but \(bindings.count) value(s) were bound",
                endpoint: configuration.endpoint, operation: "binding parameters", sql: sql)
        }
        let parameters = MySQLBindBuffer.parameters(bindings)
        guard mysql_stmt_bind_param(statement, parameters.binds) == 0, mysql_stmt_execute(statement) == 0 else {
            throw statementError(statement, operation: "running a statement", sql: sql)
        }
        lastAnswered = .now
        withExtendedLifetime(parameters) {}
        guard let metadata = mysql_stmt_result_metadata(statement) else {
            let insertID = Int64(bitPattern: mysql_stmt_insert_id(statement))
            let affected = Int(clamping: mysql_stmt_affected_rows(statement))
            return ([], ExecutionResult(affectedRows: affected, lastInsertID: insertID == 0 ? nil : insertID))
        }
        defer { mysql_free_result(metadata) }
        let rows = try fetchRows(statement, metadata: metadata, sql: sql)
        return (collectingRows ? rows : [], ExecutionResult(affectedRows: 0, lastInsertID: nil))
    }

    private func prepared(_ sql: String, on mysql: UnsafeMutablePointer<MYSQL>) throws -> UnsafeMutablePointer<MYSQL_STMT> {
        if let cached = statements[sql] { return cached }
        guard let statement = mysql_stmt_init(mysql) else {
            throw failure(connectionError(mysql, operation: "preparing a statement", sql: sql))
        }
        guard mysql_stmt_prepare(statement, sql, UInt(sql.utf8.count)) == 0 else {
            let error = statementError(statement, operation: "preparing a statement", sql: sql)
            mysql_stmt_close(statement)
            throw error
        }
        statements.insert(statement, for: sql) { mysql_stmt_close($0) }
        return statement
    }

    private func fetchRows(_ statement: UnsafeMutablePointer<MYSQL_STMT>, metadata: UnsafeMutablePointer<MYSQL_RES>, sql: String) throws
        -> [Row]
    {
        let count = Int(mysql_num_fields(metadata))
        let fields = UnsafeBufferPointer(start: mysql_fetch_fields(metadata), count: count)
        let columns = ColumnNames(fields.map { String(cString: $0.name) })
        let kinds = fields.map(MySQLColumnKind.init)
        let buffer = MySQLBindBuffer.results(kinds)
        guard mysql_stmt_bind_result(statement, buffer.binds) == 0 else {
            throw statementError(statement, operation: "binding result columns", sql: sql)
        }
        var rows: [Row] = []
        while true {
            let rc = mysql_stmt_fetch(statement)
            if rc == MYSQL_NO_DATA { break }
            guard rc == 0 || rc == MYSQL_DATA_TRUNCATED else {
                throw statementError(statement, operation: "fetching rows", sql: sql)
            }
            let values = try (0..<count).map { index in
                try buffer.value(at: index, kind: kinds[index]) { try fullBytes(of: index, from: statement, buffer: buffer, sql: sql) }
            }
            rows.append(Row(columns: columns, values: values))
        }
        return rows
    }

    /// The whole value of a variable-length column, fetched again when it outgrew its buffer.
    private func fullBytes(of index: Int, from statement: UnsafeMutablePointer<MYSQL_STMT>, buffer: MySQLBindBuffer, sql: String) throws
        -> [UInt8]
    {
        let length = Int(buffer.lengths[index])
        let bind = buffer.binds[index]
        if length <= Int(bind.buffer_length) {
            return Array(UnsafeRawBufferPointer(start: bind.buffer, count: length))
        }
        var bytes = [UInt8](repeating: 0, count: length)
        var fetchedLength: UInt = 0
        let rc = bytes.withUnsafeMutableBytes { destination in
            withUnsafeMutablePointer(to: &fetchedLength) { lengthPointer in
                var full = MYSQL_BIND()
                full.buffer = destination.baseAddress
                full.buffer_length = UInt(length)
                full.buffer_type = bind.buffer_type
                full.length = lengthPointer
                return mysql_stmt_fetch_column(statement, &full, UInt32(index), 0)
            }
        }
        guard rc == 0 else { throw statementError(statement, operation: "fetching a long column value", sql: sql) }
        return bytes
    }

    /// Reads what is left of a result (and of further results a `CALL` returns) so the next
    /// command on this connection does not fail with "commands out of sync".
    private func drainResults(of statement: UnsafeMutablePointer<MYSQL_STMT>) {
        repeat {
            mysql_stmt_free_result(statement)
        } while mysql_stmt_more_results(statement) != 0 && mysql_stmt_next_result(statement) == 0
    }
}

/// What a connection hands its successor in ``MySQLConnection/reclaim(database:)``. Both run on the
/// same serial queue, so the handle never crosses threads.
private struct HandedOverSession: @unchecked Sendable {
    let handle: UnsafeMutablePointer<MYSQL>
    let multipleStatementsAllowed: Bool
    let serverVersion: String
    let connectionID: UInt64
}
