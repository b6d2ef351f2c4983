import CSQLite3
import Foundation
import Synchronization
@_spi(TestEnvDrivers) import TestEnvCore

/// A connection to a SQLite database.
///
/// An actor on its own dispatch queue: every sqlite3 call runs there, never on Swift's cooperative
/// pool, and calls from several tasks are serialized. Prepared statements are cached by SQL text
/// and reused.
///
/// ```swift
/// let db = try await SQLiteConnection.open()          // private, in memory
/// try await db.executeScript("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);")
/// let id = try await db.run("INSERT INTO notes (body) VALUES (?)", ["hello"]).lastInsertID
/// let body = try await db.get("SELECT body FROM notes WHERE id = ?", [.integer(id!)])?.decode(String.self, "body")
/// await db.close()
/// ```
///
/// Close connections explicitly with ``close()``; a connection that is dropped while open is
/// closed by its deinitializer as a last resort.
public actor SQLiteConnection: DatabaseConnection {
    /// The configuration the connection was opened with.
    public nonisolated let configuration: SQLiteConfiguration
    private let executor: DispatchQueueExecutor
    private var handle: OpaquePointer?
    private var statements = PreparedStatementCache<OpaquePointer>()
    /// The handle again, for ``interrupt()`` from other threads; cleared under the lock before closing.
    private let interruptibleHandle = Mutex<SQLiteHandle?>(nil)
    /// The rows changed since ``recordChangesForReuse()``, when the connection records them.
    private var undoLog: RowUndoLog?

    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    private init(configuration: SQLiteConfiguration) {
        self.configuration = configuration
        self.executor = DispatchQueueExecutor(label: "TestEnvSQLite.connection")
    }

    /// The successor of a connection that handed its open database over (``reclaim()``), on the
    /// same queue, so the handle never changes threads.
    private init(succeeding predecessor: HandedOver, configuration: SQLiteConfiguration, executor: DispatchQueueExecutor) {
        self.configuration = configuration
        self.executor = executor
        self.handle = predecessor.handle
        self.statements = predecessor.statements
        self.undoLog = predecessor.undoLog
        interruptibleHandle.withLock { $0 = SQLiteHandle(pointer: predecessor.handle) }
    }

    /// Opens a database.
    ///
    /// - Throws: ``SQLiteError`` (`cantOpen`, `notADatabase`, …) naming the path.
    public static func open(_ configuration: SQLiteConfiguration = SQLiteConfiguration()) async throws -> SQLiteConnection {
        let connection = SQLiteConnection(configuration: configuration)
        try await connection.openHandle()
        return connection
    }

    /// Opens a database and replaces it with a copy of `image` (see ``load(_:)``), in one step on
    /// the connection's thread.
    ///
    /// - Throws: ``SQLiteError`` naming the path.
    public static func open(_ configuration: SQLiteConfiguration, copying image: SQLiteImage) async throws -> SQLiteConnection {
        let connection = SQLiteConnection(configuration: configuration)
        try await connection.openHandle(copying: image)
        return connection
    }

    private func openHandle(copying image: SQLiteImage) throws {
        try openHandle()
        do { try load(image) } catch {
            close()
            throw error
        }
    }

    isolated deinit {
        // Last resort for a connection nobody closed. Isolated, so the C calls run on the connection's queue.
        statements.removeAll { sqlite3_finalize($0) }
        if let handle { sqlite3_close_v2(handle) }
        undoLog = nil  // after the handle, whose hooks point to it
    }

    private func openHandle() throws {
        let db = try Self.openConfigured(configuration.path, configuration)
        handle = db
        interruptibleHandle.withLock { $0 = SQLiteHandle(pointer: db) }
    }

    /// A new handle on `path`, set up as `configuration` says: extended result codes, busy timeout,
    /// foreign keys, confinement.
    private static func openConfigured(_ path: String, _ configuration: SQLiteConfiguration) throws -> OpaquePointer {
        var db: OpaquePointer?
        // NOMUTEX: the actor already serializes every call on this connection.
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(rc))
            sqlite3_close_v2(db)
            throw SQLiteError(code: SQLiteResultCode(rawValue: rc), message: "could not open the database: \(message)", path: path)
        }
        sqlite3_extended_result_codes(db, 1)
        let timeout = configuration.busyTimeout.components
        sqlite3_busy_timeout(db, Int32(clamping: timeout.seconds * 1000 + timeout.attoseconds / 1_000_000_000_000_000))
        if configuration.enforcesForeignKeys, sqlite3_exec(db, "PRAGMA foreign_keys = ON", nil, nil, nil) != SQLITE_OK {
            let error = lastError(of: db, sql: "PRAGMA foreign_keys = ON", path: path)
            sqlite3_close_v2(db)
            throw error
        }
        if configuration.confinesToDatabase { confine(db) }
        return db
    }

    /// The URI other connections in this process open to reach this connection's database, once
    /// ``shareInMemory(as:)`` made a private in-memory database shareable; nil before.
    public private(set) var sharedURI: String?

    /// Moves this connection's in-memory database into SQLite's `memdb` VFS under `name`, so that
    /// other connections of this process — this library's, GRDB's, any driver's — can open it with
    /// the returned URI (`file:/name?vfs=memdb`), and returns that URI. The content is copied page by
    /// page (the backup API); the connection keeps its identity, so every reference to it now works
    /// on the shared database. Prepared statements, `TEMP` tables and connection settings other
    /// than this configuration's are not carried over. Calling it again returns the same URI.
    ///
    /// The shared database lives while at least one connection to it is open.
    ///
    /// - Throws: ``SQLiteError`` with `misuse` inside a transaction or for a closed connection.
    public func shareInMemory(as name: String) throws -> String {
        if let sharedURI { return sharedURI }
        let old = try openDatabase(for: "sharing the database")
        guard sqlite3_get_autocommit(old) != 0 else {
            throw SQLiteError(code: .misuse, message: "finish the open transaction before sharing the database", path: configuration.path)
        }
        let uri = "file:/\(name)?vfs=memdb"
        let shared = try Self.openConfigured(uri, configuration)
        let backup = sqlite3_backup_init(shared, "main", old, "main")
        let copied = backup.map { sqlite3_backup_step($0, -1) } ?? sqlite3_errcode(shared)
        let finished = backup.map { sqlite3_backup_finish($0) } ?? SQLITE_OK
        guard copied == SQLITE_DONE, finished == SQLITE_OK else {
            let error = Self.lastError(of: shared, path: uri)
            sqlite3_close_v2(shared)
            throw error
        }
        statements.removeAll { sqlite3_finalize($0) }
        interruptibleHandle.withLock { $0 = SQLiteHandle(pointer: shared) }
        sqlite3_close_v2(old)
        handle = shared
        sharedURI = uri
        return uri
    }

    /// Keeps every statement on this connection inside its own database file: `ATTACH` (and
    /// `VACUUM INTO`, which attaches its target) is refused by the authorizer and by a limit of no
    /// attached databases, `load_extension` by the authorizer, and defensive mode forbids writing
    /// the schema table directly.
    private static func confine(_ db: OpaquePointer) {
        sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 0)
        testenv_sqlite_db_config_flag(db, SQLITE_DBCONFIG_DEFENSIVE, 1)
        sqlite3_set_authorizer(db, confinedAuthorizer, nil)
    }

    /// Runs one of the connection's own steps that attaches internally (`sqlite3_deserialize`)
    /// without the authorizer of a confined connection, which is restored afterwards.
    func withoutAuthorizer<T>(_ body: () -> T) -> T {
        guard configuration.confinesToDatabase || undoLog != nil, let handle else { return body() }
        sqlite3_set_authorizer(handle, nil, nil)
        defer { installAuthorizer(handle) }
        return body()
    }

    /// The confinement's authorizer, or the undo log's, which also confines when configured to.
    private func installAuthorizer(_ db: OpaquePointer) {
        if let undoLog {
            sqlite3_set_authorizer(db, recordingAuthorizer, Unmanaged.passUnretained(undoLog).toOpaque())
        } else if configuration.confinesToDatabase {
            sqlite3_set_authorizer(db, confinedAuthorizer, nil)
        }
    }

    public func close() {
        interruptibleHandle.withLock { $0 = nil }
        statements.removeAll { sqlite3_finalize($0) }
        if let handle { sqlite3_close_v2(handle) }
        handle = nil
        undoLog = nil
    }

    // MARK: - Reuse

    /// Starts recording every row the connection's statements change, so that ``reclaim()`` can
    /// put the database back as it is now and keep the connection — its parsed schema and prepared
    /// statements — for the next user. TestEnvKit does this for pooled SQLite environments: a
    /// new copy of a template costs a schema parse on its first statement (Chinook: about 250 µs),
    /// undoing a test's few rows costs far less.
    ///
    /// Returns false, changing nothing, when the library lacks SQLite's pre-update hook or the
    /// schema has virtual tables (whose state is not only rows).
    @_spi(TestEnvDrivers) public func recordChangesForReuse() -> Bool {
        guard undoLog == nil, sharedURI == nil, let handle else { return false }
        let log = RowUndoLog(confines: configuration.confinesToDatabase)
        guard log.prepare(handle), let api = testenv_preupdate() else { return false }
        undoLog = log
        installAuthorizer(handle)
        _ = api.pointee.hook(handle, undoLogHook, Unmanaged.passUnretained(log).toOpaque())
        log.isRecording = true
        return true
    }

    /// Puts the database back as it was when recording started and hands it, open, to a new
    /// connection object that is returned; this object is closed, so a reference a test kept
    /// fails instead of writing into the next test's database. Returns nil, and closes, when the
    /// changes cannot be undone: the connection was not recording, changed the schema, a pragma or
    /// `TEMP` objects, was shared with ``shareInMemory(as:)``, or a statement failed.
    @_spi(TestEnvDrivers) public func reclaim() -> SQLiteConnection? {
        guard let handle, let undoLog, sharedURI == nil,
            undoLog.undo(on: handle, enforcesForeignKeys: configuration.enforcesForeignKeys)
        else {
            close()
            return nil
        }
        let handedOver = HandedOver(handle: handle, statements: statements, undoLog: undoLog)
        interruptibleHandle.withLock { $0 = nil }
        self.handle = nil
        statements = PreparedStatementCache()
        self.undoLog = nil
        undoLog.isRecording = true
        return SQLiteConnection(succeeding: handedOver, configuration: configuration, executor: executor)
    }

    /// Why ``reclaim()`` would not undo the changes recorded so far, for tests of the reuse rules;
    /// nil while it would.
    @_spi(TestEnvDrivers) public var unrestorableBecause: String? { undoLog?.unrestorableBecause }

    public func isReady() -> Bool { handle != nil }

    public nonisolated var dialect: SQLDialect { .sqlite }

    public var serverVersion: String { Self.libraryVersion }

    /// The linked SQLite library's version, for example `SQLite 3.40.1`.
    public static var libraryVersion: String { "SQLite " + String(cString: sqlite3_libversion()) }

    @_spi(TestEnvDrivers) public var transactionScopeDepth = 0

    public func isInTransaction() -> Bool {
        guard let handle else { return false }
        return sqlite3_get_autocommit(handle) == 0
    }

    /// SQLite's compiled limit on `?` parameters per statement (32,766 since 3.32), read from the library.
    public func maxBoundParameters() -> Int {
        guard let handle else { return 999 }
        return Int(sqlite3_limit(handle, SQLITE_LIMIT_VARIABLE_NUMBER, -1))
    }

    /// Stops the statement running on this connection, which then fails with
    /// ``SQLiteResultCode/interrupt``. Callable from any task without waiting for the connection.
    public nonisolated func interrupt() {
        interruptibleHandle.withLock { handle in
            if let handle { sqlite3_interrupt(handle.pointer) }
        }
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
        let db = try openDatabase(for: sql)
        try sql.withCString { start in
            var cursor: UnsafePointer<CChar>? = start
            while let current = cursor, current.pointee != 0 {
                var statement: OpaquePointer?
                var tail: UnsafePointer<CChar>?
                let rc = sqlite3_prepare_v2(db, current, -1, &statement, &tail)
                guard rc == SQLITE_OK else {
                    let rest = String(cString: current)
                    throw error(rc, sql: String(rest.drop { $0.isWhitespace }))
                }
                cursor = tail
                guard let statement else { continue }  // only whitespace or comments
                defer { sqlite3_finalize(statement) }
                var step = sqlite3_step(statement)
                while step == SQLITE_ROW { step = sqlite3_step(statement) }
                guard step == SQLITE_DONE else { throw error(step, sql: String(cString: sqlite3_sql(statement))) }
            }
        }
    }

    /// Runs one statement; text after it other than whitespace, `;` and comments is an error.
    public func executeStatement(_ sql: String) throws {
        let db = try openDatabase(for: sql)
        try sql.withCString { start in
            var statement: OpaquePointer?
            var tail: UnsafePointer<CChar>?
            let rc = sqlite3_prepare_v2(db, start, -1, &statement, &tail)
            guard rc == SQLITE_OK else { throw error(rc, sql: sql) }
            defer { sqlite3_finalize(statement) }
            // A second statement in the text prepares to a statement too; only comments and ";" prepare to nothing.
            var rest = tail
            while let current = rest, current.pointee != 0 {
                var next: OpaquePointer?
                var nextTail: UnsafePointer<CChar>?
                guard sqlite3_prepare_v2(db, current, -1, &next, &nextTail) == SQLITE_OK, next == nil else {
                    sqlite3_finalize(next)
                    throw SQLiteError(
                        code: .misuse, message: "the text holds more than one statement; run them one at a time",
                        sql: sql, path: configuration.path)
                }
                rest = nextTail == current ? nil : nextTail
            }
            guard let statement else { return }
            var step = sqlite3_step(statement)
            while step == SQLITE_ROW { step = sqlite3_step(statement) }
            guard step == SQLITE_DONE else { throw error(step, sql: sql) }
        }
    }

    private func execute(_ sql: String, _ bindings: [DatabaseValue], collectingRows: Bool) throws -> (rows: [Row], result: ExecutionResult)
    {
        let db = try openDatabase(for: sql)
        let statement = try prepared(sql, in: db)
        defer {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }
        try bind(bindings, to: statement, sql: sql)
        let changesBefore = sqlite3_total_changes64(db)
        sqlite3_set_last_insert_rowid(db, 0)
        var rows: [Row] = []
        let columns = collectingRows ? columnNames(of: statement) : ColumnNames([])
        while true {
            let rc = sqlite3_step(statement)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else { throw error(rc, sql: sql) }
            if collectingRows { rows.append(Row(columns: columns, values: readRow(statement))) }
        }
        // sqlite3_changes keeps the previous statement's count after a SELECT or DDL; the total tells.
        let changed = sqlite3_total_changes64(db) != changesBefore ? Int(sqlite3_changes64(db)) : 0
        let rowid = sqlite3_last_insert_rowid(db)
        return (rows, ExecutionResult(affectedRows: changed, lastInsertID: rowid == 0 ? nil : rowid))
    }

    /// The open handle, for the image functions in another file.
    func database(for operation: String) throws -> OpaquePointer { try openDatabase(for: operation) }

    /// Finalizes every cached statement.
    func clearStatementCache() { statements.removeAll { sqlite3_finalize($0) } }

    private func openDatabase(for sql: String) throws -> OpaquePointer {
        guard let handle else {
            throw SQLiteError(code: .misuse, message: "the connection is closed; open a new one", sql: sql, path: configuration.path)
        }
        return handle
    }

    private func prepared(_ sql: String, in db: OpaquePointer) throws -> OpaquePointer {
        if let cached = statements[sql] { return cached }
        var statement: OpaquePointer?
        // The tail points into the C string, so it must be read while that string is alive.
        let (rc, rest) = sql.withCString { text in
            var tail: UnsafePointer<CChar>?
            let rc = sqlite3_prepare_v3(db, text, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, &tail)
            return (rc, tail.map { String(cString: $0) } ?? "")
        }
        guard rc == SQLITE_OK else { throw error(rc, sql: sql) }
        guard let statement else {
            throw SQLiteError(code: .misuse, message: "the SQL text holds no statement", sql: sql, path: configuration.path)
        }
        if !rest.allSatisfy({ $0.isWhitespace || $0 == ";" }) {
            sqlite3_finalize(statement)
            throw SQLiteError(
                code: .misuse, message: "run() and all() take one statement; use executeScript() for several",
                sql: sql, path: configuration.path)
        }
        statements.insert(statement, for: sql) { sqlite3_finalize($0) }
        return statement
    }

    private func columnNames(of statement: OpaquePointer) -> ColumnNames {
        ColumnNames((0..<sqlite3_column_count(statement)).map { String(cString: sqlite3_column_name(statement, $0)) })
    }

    func error(_ rc: Int32, sql: String?) -> SQLiteError {
        guard let handle else {
            return SQLiteError(
                code: SQLiteResultCode(rawValue: rc), message: String(cString: sqlite3_errstr(rc)), sql: sql, path: configuration.path)
        }
        var error = Self.lastError(of: handle, sql: sql, path: configuration.path)
        if error.code == .constraintForeignKey { error.detail = foreignKeyDetail(handle, sql: sql) }
        return error
    }

    /// The error `db` reports for its last call: its extended code and message.
    private static func lastError(of db: OpaquePointer, sql: String? = nil, path: String) -> SQLiteError {
        SQLiteError(
            code: SQLiteResultCode(rawValue: sqlite3_extended_errcode(db)), message: String(cString: sqlite3_errmsg(db)), sql: sql,
            path: path)
    }

    /// What SQLite's "FOREIGN KEY constraint failed" leaves out: which references the written
    /// table has and which tables reference it, and the violations `PRAGMA foreign_key_check`
    /// finds (those of deferred constraints, at `COMMIT`).
    private func foreignKeyDetail(_ db: OpaquePointer, sql: String?) -> String? {
        var lines: [String] = []
        let violations = Self.strings(
            db, "SELECT \"table\" || ' row ' || COALESCE(rowid, '?') || ' → ' || parent FROM pragma_foreign_key_check")
        if !violations.isEmpty {
            lines.append("rows without their parent (PRAGMA foreign_key_check): " + violations.prefix(10).joined(separator: "; "))
        }
        if let table = sql.flatMap(Self.writtenTable) {
            let references = Self.strings(
                db,
                "SELECT \"from\" || ' → ' || \"table\" || '(' || COALESCE(\"to\", 'its primary key') || ')' FROM pragma_foreign_key_list(?)",
                table)
            if !references.isEmpty { lines.append("\(table) references: " + references.joined(separator: ", ")) }
            let referencedBy = Self.strings(
                db,
                "SELECT m.name || '.' || f.\"from\" FROM sqlite_schema AS m JOIN pragma_foreign_key_list(m.name) AS f WHERE m.type = 'table' AND f.\"table\" = ? COLLATE NOCASE",
                table)
            if !referencedBy.isEmpty { lines.append("\(table) is referenced by: " + referencedBy.joined(separator: ", ")) }
        }
        return lines.isEmpty ? nil : lines.joined(separator: "\n")
    }

    /// The table an `INSERT`, `REPLACE`, `UPDATE` or `DELETE` writes, from its leading words.
    private static func writtenTable(_ sql: String) -> String? {
        let words = sql.split(whereSeparator: { $0.isWhitespace || $0 == "(" }).prefix(6).map { String($0) }
        let upper = words.map { $0.uppercased() }
        let position: Int?
        if upper.first == "UPDATE" {
            position = upper.count > 2 && upper[1] == "OR" ? 3 : 1
        } else if upper.first == "DELETE" {
            position = upper.firstIndex(of: "FROM").map { $0 + 1 }
        } else {
            position = upper.firstIndex(of: "INTO").map { $0 + 1 }
        }
        guard let position, position < words.count else { return nil }
        return words[position].trimmingCharacters(in: CharacterSet(charactersIn: "\"`[]"))
    }

    /// The first column of every row of a read-only query, as text; empty when it fails.
    static func strings(_ db: OpaquePointer, _ sql: String, _ argument: String? = nil) -> [String] {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK, let statement else { return [] }
        defer { sqlite3_finalize(statement) }
        if let argument { sqlite3_bind_text(statement, 1, argument, -1, testenv_sqlite_transient()) }
        var values: [String] = []
        while sqlite3_step(statement) == SQLITE_ROW {
            if let text = sqlite3_column_text(statement, 0) { values.append(String(cString: text)) }
        }
        return values
    }
}

/// What a confined connection refuses: what would reach beyond its database, attaching files
/// (`ATTACH`, `VACUUM INTO`) and loading extensions.
private func confinement(_ action: Int32, _ first: UnsafePointer<CChar>?, _ second: UnsafePointer<CChar>?) -> Int32 {
    switch action {
    case SQLITE_ATTACH, SQLITE_DETACH:
        return SQLITE_DENY
    case SQLITE_FUNCTION:
        // For SQLITE_FUNCTION the function's name is the second argument.
        guard let name = second.map({ String(cString: $0).lowercased() }) ?? first.map({ String(cString: $0).lowercased() }) else {
            return SQLITE_OK
        }
        return name == "load_extension" ? SQLITE_DENY : SQLITE_OK
    default:
        return SQLITE_OK
    }
}

private typealias Authorizer =
    @convention(c) (
        UnsafeMutableRawPointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafePointer<CChar>?
    ) -> Int32

/// The authorizer of a confined connection (``SQLiteConfiguration/confinesToDatabase``).
private let confinedAuthorizer: Authorizer = { _, action, first, second, _, _ in confinement(action, first, second) }

/// The authorizer of a connection that records its changes: confines when configured to, and tells
/// the ``RowUndoLog`` (its context) about statements whose effect is more than rows.
private let recordingAuthorizer: Authorizer = { context, action, first, second, database, _ in
    guard let context else { return SQLITE_OK }
    let log = Unmanaged<RowUndoLog>.fromOpaque(context).takeUnretainedValue()
    if log.confines, confinement(action, first, second) == SQLITE_DENY { return SQLITE_DENY }
    log.authorize(action: action, first: first, second: second, database: database)
    return SQLITE_OK
}

/// SQLite's pre-update hook, handing each row change to the ``RowUndoLog`` that is its context.
private let undoLogHook: testenv_preupdate_callback = { context, db, operation, database, table, old, new in
    guard let context, let db, let database, let table else { return }
    Unmanaged<RowUndoLog>.fromOpaque(context).takeUnretainedValue()
        .record(db, operation: operation, database: database, table: table, old: old, new: new)
}

/// What a connection hands its successor in ``SQLiteConnection/reclaim()``. Both run on the same
/// serial queue, so the pointers inside never cross threads.
private struct HandedOver: @unchecked Sendable {
    let handle: OpaquePointer
    let statements: PreparedStatementCache<OpaquePointer>
    let undoLog: RowUndoLog
}

/// A raw connection pointer that may cross threads for `sqlite3_interrupt`, which SQLite documents
/// as safe to call from any thread while the connection is open; the mutex around it guarantees
/// it is never used after close.
struct SQLiteHandle: @unchecked Sendable {
    let pointer: OpaquePointer
}
