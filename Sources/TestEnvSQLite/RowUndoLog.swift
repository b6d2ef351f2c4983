import CSQLite3
import Foundation

/// Every row a connection's statements changed, as it was before its first change, so that the
/// connection's database can be put back exactly as it was (rowids included) without closing the
/// connection and losing its parsed schema and prepared statements.
///
/// SQLite's pre-update hook reports each row a statement is about to insert, update or delete —
/// also those written by triggers, foreign-key actions and `REPLACE`, and those a rollback later
/// takes back. The log keeps, per `(table, rowid)`, the row's values before the first change, or
/// that it did not exist. Undoing deletes every touched row and inserts the kept ones, with
/// triggers and foreign keys off: whatever order the test wrote in, and whatever it rolled back,
/// that yields the rows as they were. Rows a test only added are deleted newest first with both
/// left on, which keeps the connection's prepared statements valid.
///
/// What rows cannot express makes the log *unrestorable* (the caller then discards the
/// connection): schema changes, `TEMP` objects, pragmas that set something, `ATTACH`, writes to
/// SQLite's own tables other than `sqlite_sequence` (restored from a snapshot), and — found when
/// undoing — `WITHOUT ROWID` tables and tables with generated columns. The authorizer reports all
/// but the last two as statements are prepared, so a statement cached on a reused connection was
/// never one of them.
///
/// Not thread-safe: it lives on its connection's queue, where SQLite calls the hooks.
final class RowUndoLog {
    private struct RowKey: Hashable {
        let table: String
        let rowid: Int64
    }

    /// The columns of a table as undoing writes them, and its two statements.
    private struct TableShape {
        let columnCount: Int
        let delete: OpaquePointer
        let insert: OpaquePointer
    }

    /// Beyond this many rows, undoing would cost more than a new copy of the template.
    private static let rowLimit = 20_000

    let confines: Bool
    /// Whether the hook and the authorizer record; off while the connection undoes or prepares itself.
    var isRecording = false
    /// Why the rows alone cannot restore the database, once something like that happened.
    private(set) var unrestorableBecause: String?
    /// Per touched row, its values before the first change (`sqlite3_value` copies), or nil when it did not exist.
    private var before: [RowKey: [OpaquePointer?]?] = [:]
    /// The keys of ``before`` in the order of their first change.
    private var touchOrder: [RowKey] = []
    /// Whether every touched row is one the test added.
    private var onlyInsertions = true
    private var shapes: [String: TableShape] = [:]
    /// `sqlite_sequence` as the template had it (SQLite's hook does not report its rows), or nil without one.
    private var sequences: [(name: String, value: Int64)]?
    private var hasTriggers = false
    private var changesAtStart: Int64 = 0

    init(confines: Bool) { self.confines = confines }

    deinit {
        clearRows()
        for shape in shapes.values {
            sqlite3_finalize(shape.delete)
            sqlite3_finalize(shape.insert)
        }
    }

    /// Reads what undoing needs from the template's copy on `db`: whether the log can work on this
    /// schema at all (virtual tables keep state outside their rows), its triggers and `sqlite_sequence`.
    /// Returns false when it cannot.
    func prepare(_ db: OpaquePointer) -> Bool {
        guard testenv_preupdate() != nil else { return false }
        let kinds = SQLiteConnection.strings(db, "SELECT type || ' ' || COALESCE(sql, '') FROM sqlite_schema")
        guard !kinds.contains(where: { $0.uppercased().contains("CREATE VIRTUAL TABLE") }) else { return false }
        hasTriggers = kinds.contains { $0.hasPrefix("trigger ") }
        let hasSequence = !SQLiteConnection.strings(db, "SELECT name FROM sqlite_schema WHERE name = 'sqlite_sequence'").isEmpty
        sequences = hasSequence ? Self.sequenceRows(db) : nil
        changesAtStart = sqlite3_total_changes64(db)
        return true
    }

    // MARK: - Recording

    /// The pre-update hook: remembers the row's state before its first change.
    func record(_ db: OpaquePointer, operation: Int32, database: UnsafePointer<CChar>, table: UnsafePointer<CChar>, old: Int64, new: Int64)
    {
        guard isRecording, unrestorableBecause == nil else { return }
        guard strcmp(database, "main") == 0 else { return markUnrestorable("a write to the \(String(cString: database)) database") }
        let name = String(cString: table)
        switch operation {
        case SQLITE_INSERT:
            touch(RowKey(table: name, rowid: new), db, existed: false)
        case SQLITE_DELETE:
            touch(RowKey(table: name, rowid: old), db, existed: true)
        default:  // SQLITE_UPDATE: the row may move to another rowid, where nothing was before.
            touch(RowKey(table: name, rowid: old), db, existed: true)
            if new != old { touch(RowKey(table: name, rowid: new), db, existed: false) }
        }
        if before.count > Self.rowLimit { markUnrestorable("more than \(Self.rowLimit) rows changed") }
    }

    private func touch(_ key: RowKey, _ db: OpaquePointer, existed: Bool) {
        guard before[key] == nil else { return }
        touchOrder.append(key)
        if existed { onlyInsertions = false }
        guard existed, let api = testenv_preupdate() else {
            before[key] = .some(nil)
            return
        }
        let count = api.pointee.count(db)
        var values: [OpaquePointer?] = []
        values.reserveCapacity(Int(count))
        for column in 0..<count {
            var value: OpaquePointer?
            _ = api.pointee.old(db, column, &value)
            values.append(value.flatMap { sqlite3_value_dup($0) })
        }
        before[key] = .some(values)
    }

    /// The authorizer's second opinion: statements whose effect is more than rows.
    func authorize(action: Int32, first: UnsafePointer<CChar>?, second: UnsafePointer<CChar>?, database: UnsafePointer<CChar>?) {
        guard isRecording, unrestorableBecause == nil else { return }
        switch action {
        case SQLITE_INSERT, SQLITE_UPDATE, SQLITE_DELETE:
            let table = first.map { String(cString: $0) } ?? ""
            if let database, strcmp(database, "main") != 0 { return markUnrestorable("a write to \(String(cString: database)).\(table)") }
            // The hook misses SQLite's own tables. sqlite_sequence is restored from its snapshot;
            // the schema table can only be written after a pragma (writable_schema), and preparing
            // a table-valued pragma reports "updating" it.
            let lowered = table.lowercased()
            if lowered.hasPrefix("sqlite_"), !["sqlite_sequence", "sqlite_master", "sqlite_schema", "sqlite_temp_master"].contains(lowered)
            {
                markUnrestorable("a write to \(table)")
            }
        case SQLITE_PRAGMA:
            let name = first.map { String(cString: $0).lowercased() } ?? ""
            if second != nil ? !Self.readOnlyPragmasWithArgument.contains(name) : name == "optimize" {
                markUnrestorable("PRAGMA \(name)")
            }
        case SQLITE_SELECT, SQLITE_READ, SQLITE_TRANSACTION, SQLITE_SAVEPOINT, SQLITE_FUNCTION, SQLITE_RECURSIVE, SQLITE_REINDEX:
            break
        default:  // CREATE, DROP, ALTER, ANALYZE, ATTACH, DETACH, virtual tables
            markUnrestorable("a schema change (authorizer action \(action))")
        }
    }

    /// Pragmas that take an argument only to say what to read.
    private static let readOnlyPragmasWithArgument: Set<String> = [
        "table_info", "table_xinfo", "table_list", "index_info", "index_xinfo", "index_list", "foreign_key_list",
        "foreign_key_check", "integrity_check", "quick_check",
    ]

    private func markUnrestorable(_ reason: String) {
        unrestorableBecause = reason
        clearRows()
    }

    private func clearRows() {
        for case let values?? in before.values {
            for value in values { sqlite3_value_free(value) }
        }
        before = [:]
        touchOrder = []
        onlyInsertions = true
    }

    // MARK: - Undoing

    /// Puts every recorded row back as it was, rolling back a transaction the test left open
    /// first. Returns false when the database cannot be restored this way (``unrestorableBecause``,
    /// or a statement failed): then the caller must discard the connection.
    func undo(on db: OpaquePointer, enforcesForeignKeys: Bool) -> Bool {
        isRecording = false
        if sqlite3_get_autocommit(db) == 0, !Self.exec(db, "ROLLBACK") { return false }
        guard unrestorableBecause == nil else { return false }
        guard sqlite3_total_changes64(db) != changesAtStart || !before.isEmpty else { return true }
        // Rows the test only added are deleted newest first with everything on: children go before
        // their parents, so no foreign key objects, and the connection's prepared statements stay
        // valid — turning foreign keys or triggers off expires them all, and each would be prepared
        // again on its next use. A parent added after its child (one statement, or a deferred
        // key) makes this fail and roll back; the general way follows.
        let restored =
            (onlyInsertions && !hasTriggers && inTransaction(db, deleteNewestFirst))
            || withoutForeignKeysAndTriggers(db, enforcesForeignKeys) { inTransaction(db, restoreRows) }
        guard restored else { return false }
        clearRows()
        changesAtStart = sqlite3_total_changes64(db)
        return true
    }

    /// Runs `body` and restores `sqlite_sequence` in one transaction; rolls back when either fails.
    private func inTransaction(_ db: OpaquePointer, _ body: (OpaquePointer) -> Bool) -> Bool {
        guard Self.exec(db, "BEGIN") else { return false }
        guard body(db), restoreSequences(db), Self.exec(db, "COMMIT") else {
            _ = Self.exec(db, "ROLLBACK")
            return false
        }
        return true
    }

    private func withoutForeignKeysAndTriggers(_ db: OpaquePointer, _ enforcesForeignKeys: Bool, _ body: () -> Bool) -> Bool {
        if enforcesForeignKeys, !Self.exec(db, "PRAGMA foreign_keys = OFF") { return false }
        if hasTriggers { testenv_sqlite_db_config_flag(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0) }
        defer {
            if hasTriggers { testenv_sqlite_db_config_flag(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 1) }
            if enforcesForeignKeys { _ = Self.exec(db, "PRAGMA foreign_keys = ON") }
        }
        return body()
    }

    private func deleteNewestFirst(_ db: OpaquePointer) -> Bool { delete(touchOrder.reversed(), db) }

    /// Deletes the rows of `keys`, in that order.
    private func delete(_ keys: some Sequence<RowKey>, _ db: OpaquePointer) -> Bool {
        for key in keys {
            guard let shape = shape(of: key.table, db) else { return false }
            sqlite3_bind_int64(shape.delete, 1, key.rowid)
            guard Self.stepOnce(shape.delete) else { return false }
        }
        return true
    }

    /// Deletes every touched row, then inserts each one that existed as it was before its first
    /// change; needs foreign keys and triggers off.
    private func restoreRows(_ db: OpaquePointer) -> Bool {
        guard delete(touchOrder, db) else { return false }
        for key in touchOrder {
            guard case let values?? = before[key], let shape = shape(of: key.table, db) else { continue }
            guard values.count == shape.columnCount else { return false }
            sqlite3_bind_int64(shape.insert, 1, key.rowid)
            for (offset, value) in values.enumerated() {
                if let value {
                    sqlite3_bind_value(shape.insert, Int32(offset + 2), value)
                } else {
                    sqlite3_bind_null(shape.insert, Int32(offset + 2))
                }
            }
            guard Self.stepOnce(shape.insert) else { return false }
        }
        return true
    }

    private func restoreSequences(_ db: OpaquePointer) -> Bool {
        guard let sequences else { return true }
        guard Self.exec(db, "DELETE FROM sqlite_sequence") else { return false }
        for (name, value) in sequences {
            var statement: OpaquePointer?
            guard sqlite3_prepare_v2(db, "INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", -1, &statement, nil) == SQLITE_OK,
                let statement
            else { return false }
            defer { sqlite3_finalize(statement) }
            sqlite3_bind_text(statement, 1, name, -1, testenv_sqlite_transient())
            sqlite3_bind_int64(statement, 2, value)
            guard Self.stepOnce(statement) else { return false }
        }
        return true
    }

    /// The table's delete-by-rowid and insert-with-rowid statements, prepared once; nil for a
    /// table whose rows the log cannot restore (`WITHOUT ROWID`, generated columns).
    private func shape(of table: String, _ db: OpaquePointer) -> TableShape? {
        if let shape = shapes[table] { return shape }
        let quoted = "\"" + table.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        guard SQLiteConnection.strings(db, "SELECT wr FROM pragma_table_list WHERE schema = 'main' AND name = ?", table) == ["0"] else {
            return nil
        }
        let columns = SQLiteConnection.strings(db, "SELECT name || ' ' || hidden FROM pragma_table_xinfo(?)", table)
        guard !columns.isEmpty, columns.allSatisfy({ $0.hasSuffix(" 0") }) else { return nil }
        let names = columns.map { String($0.dropLast(2)) }
        guard let rowid = ["rowid", "_rowid_", "oid"].first(where: { alias in !names.contains { $0.lowercased() == alias } }) else {
            return nil
        }
        let list = names.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: ", ")
        let placeholders = Array(repeating: "?", count: names.count + 1).joined(separator: ", ")
        var delete: OpaquePointer?
        var insert: OpaquePointer?
        let flags = UInt32(SQLITE_PREPARE_PERSISTENT)
        guard sqlite3_prepare_v3(db, "DELETE FROM main.\(quoted) WHERE \(rowid) = ?", -1, flags, &delete, nil) == SQLITE_OK,
            sqlite3_prepare_v3(db, "INSERT INTO main.\(quoted) (\(rowid), \(list)) VALUES (\(placeholders))", -1, flags, &insert, nil)
                == SQLITE_OK,
            let delete, let insert
        else {
            sqlite3_finalize(delete)
            sqlite3_finalize(insert)
            return nil
        }
        let shape = TableShape(columnCount: names.count, delete: delete, insert: insert)
        shapes[table] = shape
        return shape
    }

    // MARK: - Helpers

    private static func exec(_ db: OpaquePointer, _ sql: String) -> Bool { sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK }

    private static func stepOnce(_ statement: OpaquePointer) -> Bool {
        let rc = sqlite3_step(statement)
        sqlite3_reset(statement)
        sqlite3_clear_bindings(statement)
        return rc == SQLITE_DONE
    }

    private static func sequenceRows(_ db: OpaquePointer) -> [(name: String, value: Int64)]? {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(db, "SELECT name, seq FROM sqlite_sequence", -1, &statement, nil) == SQLITE_OK, let statement else {
            return nil
        }
        defer { sqlite3_finalize(statement) }
        var rows: [(name: String, value: Int64)] = []
        while sqlite3_step(statement) == SQLITE_ROW {
            rows.append((sqlite3_column_text(statement, 0).map { String(cString: $0) } ?? "", sqlite3_column_int64(statement, 1)))
        }
        return rows
    }
}
