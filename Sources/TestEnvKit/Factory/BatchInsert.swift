import TestEnvCore

/// What `batchInsert(into:columns:rows:batchSize:)` inserted.
public struct BatchInsertResult: Sendable, Hashable {
    /// The number of rows inserted: with `skipDuplicates`, the rows actually inserted, without those
    /// skipped as duplicates.
    public let rowCount: Int
    /// The keys the table's auto-increment column generated, in row order; nil when the table has
    /// no such column, when the rows set it themselves, with `skipDuplicates` (which rows were skipped
    /// is not known), or (MySQL, not MariaDB) when the server's `innodb_autoinc_lock_mode` does not
    /// guarantee consecutive keys per statement.
    public let generatedIDs: [Int64]?
    /// The inserted rows as stored, when the insert returned them (MariaDB `RETURNING *`, on request).
    let storedRows: [Row]?

    init(rowCount: Int, generatedIDs: [Int64]?, storedRows: [Row]? = nil) {
        self.rowCount = rowCount
        self.generatedIDs = generatedIDs
        self.storedRows = storedRows
    }
}

extension DatabaseConnection {
    /// Inserts `rows` with multi-row `INSERT … VALUES (…), (…)` statements and bound parameters,
    /// `batchSize` rows (and at most ``maxBoundParameters()`` values) per statement; more than one
    /// statement runs in one transaction — or in a savepoint of the caller's transaction. (On MySQL a
    /// single statement is atomic by itself and is sent alone: one round trip for a factory's `create`.)
    ///
    /// ```swift
    /// let result = try await db.batchInsert(into: "users", columns: ["email", "status"],
    ///                                       rows: (1...5000).map { ["u\($0)@example.com", "active"] })
    /// result.generatedIDs   // [1, 2, …, 5000]
    /// ```
    ///
    /// Generated keys are read, not assumed: MariaDB returns them (`INSERT … RETURNING`); SQLite
    /// assigns them above the largest existing key while its write lock excludes other writers, and
    /// the range is checked with a count; MySQL reports them only when the server's lock mode
    /// guarantees consecutive keys.
    ///
    /// With `skipDuplicates`, a row that would repeat a primary or unique key is skipped instead of
    /// failing the batch, and ``BatchInsertResult/rowCount`` counts only the rows inserted:
    ///
    /// ```swift
    /// let added = try await db.batchInsert(into: "tags", columns: ["name"], rows: [["a"], ["b"], ["a"]], skipDuplicates: true)
    /// added.rowCount   // 2
    /// ```
    ///
    /// It skips key conflicts and nothing else: SQLite's `ON CONFLICT DO NOTHING`, and on MySQL
    /// `ON DUPLICATE KEY UPDATE` of a column to itself rather than `INSERT IGNORE`, which would also
    /// turn a foreign-key violation, a `NULL` in a `NOT NULL` column or a truncated value into a warning.
    /// (On MySQL a skipped row therefore fires the table's `BEFORE UPDATE` triggers; one that changes
    /// the row makes it count as inserted.)
    ///
    /// - Throws: ``TestEnvError/Code/invalidInput`` for rows of the wrong width; ``InvalidIdentifierError``
    ///   for a table or column name that is not a plain identifier; the driver's error for a rejected row
    ///   (nothing of the batch stays).
    @discardableResult
    public func batchInsert(
        into table: String, columns: [String], rows: [[DatabaseValue]], batchSize: Int = 1000, skipDuplicates: Bool = false
    ) throws -> BatchInsertResult {
        try batchInsert(
            into: table, columns: columns, rows: rows, batchSize: batchSize, returningRows: false, skipDuplicates: skipDuplicates)
    }

    /// ``batchInsert(into:columns:rows:batchSize:skipDuplicates:)``, and with `returningRows` on MariaDB and SQLite
    /// 3.35+ the stored rows too (`RETURNING *`), which saves reading them back. `key` is the table's auto-increment
    /// column when the caller knows it already (`.some(nil)`: it has none); nil looks it up.
    func batchInsert(
        into table: String, columns: [String], rows: [[DatabaseValue]], batchSize: Int, returningRows: Bool, key: String?? = nil,
        skipDuplicates: Bool = false
    ) throws -> BatchInsertResult {
        guard !columns.isEmpty else { throw TestEnvError(.invalidInput, "batchInsert into \(table) needs at least one column") }
        if let bad = rows.firstIndex(where: { $0.count != columns.count }) {
            throw TestEnvError(
                .invalidInput, "batchInsert into \(table): row \(bad) has \(rows[bad].count) values for \(columns.count) columns")
        }
        let plan = try InsertPlan(
            table: table, columns: columns, dialect: dialect, key: skipDuplicates ? nil : try key ?? autoIncrementColumn(of: table),
            skipDuplicates: skipDuplicates)
        guard !rows.isEmpty else { return BatchInsertResult(rowCount: 0, generatedIDs: plan.wantsIDs ? [] : nil) }
        let rowsPerStatement = max(1, min(batchSize, maxBoundParameters() / columns.count))
        let strategy = plan.wantsIDs ? try keyStrategy(returningRows: returningRows) : .none
        let returnsRows = returningRows && strategy == .returning
        // On MySQL one statement is atomic by itself (InnoDB); in SQLite a constraint's ON CONFLICT
        // clause may keep the rows before a failing one, and the rowid check needs the write lock.
        if rows.count <= rowsPerStatement, dialect == .mysql {
            if Task.isCancelled { throw CancellationError() }
            var statements = [rows[...]].makeIterator()
            return try insertAll(next: { statements.next() }, plan: plan, strategy: strategy, returnsRows: returnsRows)
        }
        return try withTransaction { tx in
            var statements = stride(from: 0, to: rows.count, by: rowsPerStatement).lazy.map {
                rows[$0..<min($0 + rowsPerStatement, rows.count)]
            }.makeIterator()
            return try tx.insertAll(next: { statements.next() }, plan: plan, strategy: strategy, returnsRows: returnsRows)
        }
    }

    /// ``batchInsert(into:columns:rows:batchSize:returningRows:key:skipDuplicates:)`` of rows built
    /// while it runs: one statement per ``RowFeed/send(_:)`` (at most ``maxBoundParameters()``
    /// values each), all in one transaction, which rolls back when the feed ends with an error.
    func batchInsert(into table: String, columns: [String], feed: RowFeed, returningRows: Bool, key: String??) throws
        -> BatchInsertResult
    {
        defer { feed.close() }
        let plan = try InsertPlan(table: table, columns: columns, dialect: dialect, key: try key ?? autoIncrementColumn(of: table))
        let strategy = plan.wantsIDs ? try keyStrategy(returningRows: returningRows) : .none
        return try withTransaction { tx in
            try tx.insertAll(
                next: { try feed.next().map { $0[...] } }, plan: plan, strategy: strategy,
                returnsRows: returningRows && strategy == .returning)
        }
    }

    /// Inserts the rows `next` returns, one statement per call, until it returns nil.
    private func insertAll(
        next: () throws -> ArraySlice<[DatabaseValue]>?, plan: InsertPlan, strategy: KeyStrategy, returnsRows: Bool
    ) throws -> BatchInsertResult {
        var ids: [Int64]? = plan.wantsIDs && strategy != .none ? [] : nil
        var stored: [Row]? = returnsRows ? [] : nil
        var inserted = 0
        while let chunk = try next() {
            if returnsRows {
                let returned = try all(plan.statement(rowCount: chunk.count) + " RETURNING *", bindings(of: chunk))
                // Every returned row has the same columns: the key's position is looked up once.
                let key = plan.key.flatMap { returned.first?.columns.index(of: $0) } ?? -1
                ids?.append(contentsOf: try returned.map { try $0.decode(Int64.self, key) })
                stored?.append(contentsOf: returned)
            } else if plan.skipsDuplicates {
                inserted += try run(plan.statement(rowCount: chunk.count), bindings(of: chunk)).affectedRows
                continue
            } else {
                // One chunk whose keys cannot be read makes the whole list unknown, never shorter.
                let generated = try insertChunk(chunk, plan: plan, strategy: strategy)
                ids = generated.flatMap { generated in ids.map { $0 + generated } }
            }
            inserted += chunk.count
        }
        return BatchInsertResult(rowCount: inserted, generatedIDs: ids, storedRows: stored)
    }

    private func insertChunk(_ chunk: ArraySlice<[DatabaseValue]>, plan: InsertPlan, strategy: KeyStrategy) throws -> [Int64]? {
        let sql = plan.statement(rowCount: chunk.count) + (strategy == .returning ? " RETURNING \(plan.quotedKey ?? "")" : "")
        let bindings = bindings(of: chunk)
        switch strategy {
        case .returning:
            return try all(sql, bindings).map { try $0.decode(Int64.self, 0) }
        case .consecutive(let increment):
            guard let first = try run(sql, bindings).lastInsertID else { return nil }
            return (0..<Int64(chunk.count)).map { first + $0 * increment }
        case .sqliteRowids:
            guard let last = try run(sql, bindings).lastInsertID else { return nil }
            let first = last - Int64(chunk.count) + 1
            let counted = try get(
                "SELECT COUNT(*) FROM \(plan.quotedTable) WHERE rowid BETWEEN ? AND ?", [.integer(first), .integer(last)])
            guard try counted?.decode(Int.self, 0) == chunk.count else { return nil }
            return Array(first...last)
        case .none:
            try run(sql, bindings)
            return nil
        }
    }

    /// A statement's rows as one list of values: appended row by row into reserved room, a third of
    /// what a lazy `joined()` costs, on the connection's thread while the server waits.
    private func bindings(of chunk: ArraySlice<[DatabaseValue]>) -> [DatabaseValue] {
        var values: [DatabaseValue] = []
        values.reserveCapacity(chunk.count * (chunk.first?.count ?? 0))
        for row in chunk { values.append(contentsOf: row) }
        return values
    }

    /// The table's auto-increment key column, if it has one.
    func autoIncrementColumn(of table: String) throws -> String? {
        try columnsAndKey(of: table).key
    }

    /// The table's columns in order, and the key the database generates for it, if any: MySQL's
    /// `AUTO_INCREMENT` column; SQLite's lone `INTEGER` primary key, which is the rowid.
    func columnsAndKey(of table: String) throws -> (columns: [String], key: String?) {
        var columns: [String] = []
        var key: String?
        switch dialect {
        case .mysql:
            for row in try all(
                "SELECT COLUMN_NAME, EXTRA LIKE '%auto_increment%' FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
                [.text(table)])
            {
                columns.append(try row.decode(String.self, 0))
                if try row.decode(Int.self, 1) != 0 { key = columns.last }
            }
        case .sqlite:
            let rows = try all("SELECT name, type, pk FROM pragma_table_info(?)", [.text(table)])
            columns = try rows.map { try $0.decode(String.self, "name") }
            let keys = try rows.filter { try $0.decode(Int.self, "pk") > 0 }
            if keys.count == 1, try keys[0].decode(String.self, "type").uppercased() == "INTEGER" {
                key = try keys[0].decode(String.self, "name")
            }
        }
        return (columns, key)
    }

    private func keyStrategy(returningRows: Bool) throws -> KeyStrategy {
        switch dialect {
        case .sqlite:
            // SQLite has INSERT … RETURNING since 3.35: the stored rows in the same statement, when they are wanted.
            let version = serverVersion.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
            return returningRows && version.count == 2 && (version[0], version[1]) >= (3, 35) ? .returning : .sqliteRowids
        case .mysql:
            // MariaDB supports INSERT … RETURNING.
            if serverVersion.contains("MariaDB") { return .returning }
            let settings = try get("SELECT @@innodb_autoinc_lock_mode, @@auto_increment_increment", [])
            let lockMode = try settings?.decode(Int.self, 0) ?? 2
            return lockMode <= 1 ? .consecutive(increment: Int64(try settings?.decode(Int.self, 1) ?? 1)) : .none
        }
    }
}

/// How generated keys are learned for one batch insert.
private enum KeyStrategy: Equatable {
    case none
    case returning
    case consecutive(increment: Int64)
    case sqliteRowids
}

/// The quoted names and the statement text of one batch insert.
private struct InsertPlan {
    let key: String?
    let quotedTable: String
    let quotedColumns: String
    let quotedKey: String?
    let wantsIDs: Bool
    let rowPlaceholder: String
    /// What follows the rows: nothing, or the clause that skips a row repeating a key.
    let conflictClause: String

    var skipsDuplicates: Bool { !conflictClause.isEmpty }

    init(table: String, columns: [String], dialect: SQLDialect, key: String?, skipDuplicates: Bool = false) throws {
        self.key = key
        quotedTable = try dialect.quoted(table)
        let quoted = try columns.map(dialect.quoted)
        quotedColumns = quoted.joined(separator: ", ")
        quotedKey = try key.map(dialect.quoted)
        wantsIDs = key.map { key in !columns.contains { $0.lowercased() == key.lowercased() } } ?? false
        rowPlaceholder = "(" + SQLText.placeholders(columns.count) + ")"
        // MySQL counts a row updated to its own values as 0 affected rows, so the count stays the inserted rows.
        conflictClause =
            switch (skipDuplicates, dialect) {
            case (false, _): ""
            case (true, .sqlite): " ON CONFLICT DO NOTHING"
            case (true, .mysql): " ON DUPLICATE KEY UPDATE \(quoted[0]) = \(quoted[0])"
            }
    }

    func statement(rowCount: Int) -> String {
        "INSERT INTO \(quotedTable) (\(quotedColumns)) VALUES " + Array(repeating: rowPlaceholder, count: rowCount).joined(separator: ", ")
            + conflictClause
    }
}
