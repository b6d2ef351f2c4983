import TestEnvCore

/// Builds and inserts rows from ``Factory`` definitions into one environment's database.
///
/// Sequences count per `DataFactory`, so give each test its own (tests in parallel then never
/// collide). Attribute names are checked against the table's real columns; a misspelt one is
/// reported with the closest column name. Lists go through one batch insert, never row by row.
///
/// ```swift
/// let factory = DataFactory(env)
/// let user = try await factory.create(.user)                                  // creates its merchant too
/// let staff = try await factory.createList(.user, count: 1000, traits: ["staff"]) { index in
///     index == 0 ? ["email": "first@example.com"] : [:]
/// }
/// let draft = try await factory.build(.user, ["status": "suspended"])          // values only
/// ```
public actor DataFactory {
    /// The connection rows are written through.
    public nonisolated let connection: any DatabaseConnection
    private var counters: [String: Int] = [:]
    /// Per table, its columns, and the same lowercased for checking attribute names.
    private var columnsByTable: [String: (names: [String], lowercased: Set<String>)] = [:]
    /// Per table, its auto-increment column (nil inside: it has none), looked up once like its columns.
    private var keysByTable: [String: String?] = [:]

    /// Creates a factory writer for an environment.
    public init(_ environment: IsolatedEnvironment) {
        self.connection = environment.connection
    }

    /// Creates a factory writer for any connection.
    public init(connection: any DatabaseConnection) {
        self.connection = connection
    }

    /// The attribute values for one row, without writing anything. Associations without a value are left out.
    ///
    /// - Throws: ``TestEnvError/Code/unknownColumn`` naming the closest column; `invalidInput` for an unknown trait.
    public func build(_ factory: Factory, traits: [String] = [], _ overrides: [String: DatabaseValue] = [:]) async throws
        -> [String: DatabaseValue]
    {
        let plan = RowPlan(try await attributes(of: factory, traits: traits, overriding: Set(overrides.keys)), table: factory.table)
        var sequences = self.sequences(of: plan)
        defer { store(sequences, of: plan) }
        return plan.row(overrides: overrides, sequences: &sequences).values
    }

    /// Inserts one row and returns it as stored, generated id and column defaults included.
    ///
    /// - Throws: ``TestEnvError/Code/unknownColumn``, `invalidInput`, or the driver's error for a rejected row.
    public func create(_ factory: Factory, traits: [String] = [], _ overrides: [String: DatabaseValue] = [:]) async throws -> Row {
        try await createList(factory, count: 1, traits: traits) { _ in overrides }[0]
    }

    /// Inserts `count` rows through one batch insert and returns them as stored, in order.
    ///
    /// `customize` gives per-index overrides (index 0 for the first row). Associations the rows need
    /// are created first, also in one batch per association.
    ///
    /// - Throws: ``TestEnvError/Code/unknownColumn``, `invalidInput`, or the driver's error. Each batch
    ///   insert is atomic; associated rows created before a failing batch stay (wrap the call in a
    ///   transaction of your own, on a connection used by this task only, to undo them too).
    public func createList(
        _ factory: Factory, count: Int, traits: [String] = [], _ customize: @Sendable (Int) -> [String: DatabaseValue] = { _ in [:] }
    ) async throws -> [Row] {
        guard count > 0 else { return [] }
        let plan = RowPlan(try await attributes(of: factory, traits: traits, overriding: []), table: factory.table)
        var checkedOverrides: Set<String> = []
        var rows: [[String: DatabaseValue]] = []
        rows.reserveCapacity(count)
        var pending: [String: (factory: Factory, key: String?, rows: [Int])] = [:]
        // The sequences count locally and are stored once, after the loop (or the error that ends it).
        var sequences = self.sequences(of: plan)
        do {
            defer { store(sequences, of: plan) }
            for index in 0..<count {
                let overrides = customize(index)
                if !overrides.isEmpty, !checkedOverrides.isSuperset(of: overrides.keys) {
                    try await validate(Set(overrides.keys), table: factory.table)
                    checkedOverrides.formUnion(overrides.keys)
                }
                let (values, associations) = plan.row(overrides: overrides, sequences: &sequences)
                rows.append(values)
                for (column, association) in associations {
                    pending[column, default: (association.0, association.1, [])].rows.append(index)
                }
            }
        }
        // Every parent key is known before any parent row is written: a wrong key inserts nothing.
        var parentKeys: [String: String] = [:]
        for (column, association) in pending {
            parentKeys[column] = try await parentKey(association.key, of: association.factory, for: "\(factory.table).\(column)")
        }
        for (column, association) in pending.sorted(by: { $0.key < $1.key }) {
            let key = parentKeys[column]!
            let parents = try await createList(association.factory, count: association.rows.count, traits: [])
            for (parent, index) in zip(parents, association.rows) {
                rows[index][column] = try parent[key] ?? missingKey(key, association.factory)
            }
        }
        return try await insert(rows, into: factory.table)
    }

    /// Runs `body` with foreign-key checks off on this factory's connection, and turns them back on
    /// afterwards — for rows that reference each other (a store whose manager is a staff member of
    /// that store): insert one with a placeholder, the other, then update the first. MySQL:
    /// `foreign_key_checks`; SQLite: `PRAGMA foreign_keys` (outside a transaction, as SQLite requires).
    /// Rows written meanwhile are not checked afterwards either: leave the data consistent.
    ///
    /// ```swift
    /// let (store, staff) = try await factory.withoutForeignKeyChecks { factory in
    ///     let store = try await factory.create(.store, ["manager_staff_id": 1])
    ///     let staff = try await factory.create(.staff, ["store_id": store["store_id"]!])
    ///     _ = try await factory.connection.run("UPDATE store SET manager_staff_id = ? WHERE store_id = ?", [staff["staff_id"]!, store["store_id"]!])
    ///     return (store, staff)
    /// }
    /// ```
    ///
    /// - Throws: what `body` throws, or the driver's error when the setting cannot be changed.
    public func withoutForeignKeyChecks<T: Sendable>(_ body: @Sendable (isolated DataFactory) async throws -> T) async throws -> T {
        let mysql = connection.dialect == .mysql
        let wasOn =
            try await connection.get(mysql ? "SELECT @@SESSION.foreign_key_checks" : "PRAGMA foreign_keys")?.decode(Int.self, 0) != 0
        try await connection.executeScript(mysql ? "SET SESSION foreign_key_checks = 0" : "PRAGMA foreign_keys = OFF")
        let result: Result<T, any Error>
        do { result = .success(try await body(self)) } catch { result = .failure(error) }
        if wasOn { try await connection.executeScript(mysql ? "SET SESSION foreign_key_checks = 1" : "PRAGMA foreign_keys = ON") }
        return try result.get()
    }

    // MARK: Resolving attributes

    /// The factory's attributes with the traits applied, checked once against the table's columns.
    private func attributes(of factory: Factory, traits: [String], overriding overrides: Set<String>) async throws -> [String:
        FactoryAttribute]
    {
        var attributes = factory.attributes
        for trait in traits {
            guard let extra = factory.traits[trait] else {
                let known = factory.traits.keys.sorted().joined(separator: ", ")
                throw TestEnvError(
                    .invalidInput, "the factory for `\(factory.table)` has no trait `\(trait)` (traits: \(known.isEmpty ? "none" : known))")
            }
            attributes.merge(extra) { $1 }
        }
        try await validate(Set(attributes.keys).union(overrides), table: factory.table)
        return attributes
    }

    /// The column of `parent`'s rows an association takes: `key` when given (checked against the
    /// table), else the table's single-column primary key.
    private func parentKey(_ key: String?, of parent: Factory, for attribute: String) async throws -> String {
        if let key {
            try await validate([key], table: parent.table)
            return key
        }
        let keys = try await primaryKey(of: parent.table)
        guard keys.count == 1 else {
            throw TestEnvError(
                .invalidInput,
                "`\(attribute)` is an association to `\(parent.table)`, whose primary key is "
                    + (keys.isEmpty ? "missing" : "(\(keys.joined(separator: ", ")))")
                    + ": name the parent column it takes with .association(…, key: \"column\")")
        }
        return keys[0]
    }

    /// The primary key columns of `table`, in key order.
    private func primaryKey(of table: String) async throws -> [String] {
        let rows: [Row]
        switch connection.dialect {
        case .mysql:
            rows = try await connection.all(
                "SELECT COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY ORDINAL_POSITION",
                [.text(table)])
        case .sqlite:
            rows = try await connection.all("SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk", [.text(table)])
        }
        return try rows.map { try $0.decode(String.self, 0) }
    }

    private func missingKey(_ key: String, _ factory: Factory) throws -> DatabaseValue {
        throw TestEnvError(.unknownColumn, "the association to `\(factory.table)` uses key `\(key)`, which the created row does not have")
    }

    // MARK: Columns

    /// The current count of each of `plan`'s sequences.
    private func sequences(of plan: RowPlan) -> [Int] {
        plan.counterKeys.map { counters[$0, default: 0] }
    }

    private func store(_ sequences: [Int], of plan: RowPlan) {
        for (key, count) in zip(plan.counterKeys, sequences) { counters[key] = count }
    }

    private func validate(_ attributes: Set<String>, table: String) async throws {
        let (columns, known) = try await columns(of: table)
        // The common case, every attribute a column spelt as the table spells it, costs no sorting.
        if attributes.allSatisfy({ known.contains($0) || known.contains($0.lowercased()) }) { return }
        for attribute in attributes.sorted() where !known.contains(attribute.lowercased()) {
            let suggestion = ClosestName.find(attribute, among: columns).map { " Did you mean `\($0)`?" } ?? ""
            throw TestEnvError(
                .unknownColumn,
                "the factory for `\(table)` sets `\(attribute)`, but the table has no such column.\(suggestion) Columns: \(columns.joined(separator: ", "))."
            )
        }
    }

    /// The table's columns, and the same lowercased.
    private func columns(of table: String) async throws -> (names: [String], lowercased: Set<String>) {
        if let cached = columnsByTable[table] { return cached }
        let rows: [Row]
        switch connection.dialect {
        case .mysql:
            rows = try await connection.all(
                "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
                [.text(table)])
        case .sqlite:
            rows = try await connection.all("SELECT name FROM pragma_table_info(?)", [.text(table)])
        }
        let columns = try rows.map { try $0.decode(String.self, 0) }
        guard !columns.isEmpty else {
            throw TestEnvError(.invalidInput, "a factory writes to table `\(table)`, which does not exist in this environment")
        }
        let resolved = (names: columns, lowercased: Set(columns.map { $0.lowercased() }))
        columnsByTable[table] = resolved
        return resolved
    }

    private func key(of table: String) async throws -> String? {
        if let cached = keysByTable[table] { return cached }
        let key = try await connection.autoIncrementColumn(of: table)
        keysByTable[table] = .some(key)
        return key
    }

    // MARK: Writing

    /// One batch insert of rows that may set different columns: missing ones get their column default.
    private func insert(_ rows: [[String: DatabaseValue]], into table: String) async throws -> [Row] {
        let columns = Set(rows.flatMap(\.keys)).sorted()
        // Usually every row sets the same columns: one group, without asking each row.
        let groups =
            rows.allSatisfy({ $0.count == columns.count })
            ? [columns: Array(rows.indices)] : Dictionary(grouping: rows.indices) { index in columns.filter { rows[index][$0] != nil } }
        var stored = [Row?](repeating: nil, count: rows.count)
        for (present, indices) in groups.sorted(by: { $0.value[0] < $1.value[0] }) {
            let values = indices.map { index in present.map { rows[index][$0]! } }
            let result = try await connection.batchInsert(
                into: table, columns: present, rows: values, batchSize: 1000, returningRows: true, key: try await key(of: table))
            var fetched = result.storedRows ?? []
            if result.storedRows == nil { fetched = try await fetch(table, ids: result.generatedIDs, fallback: present, values: values) }
            for (index, row) in zip(indices, fetched) { stored[index] = row }
        }
        return stored.compactMap { $0 }
    }

    /// The inserted rows as stored, read back by generated id; without ids, the values written.
    private func fetch(_ table: String, ids: [Int64]?, fallback columns: [String], values: [[DatabaseValue]]) async throws -> [Row] {
        let dialect = connection.dialect
        guard let ids, let key = try await key(of: table) else {
            let names = ColumnNames(columns)
            return values.map { Row(columns: names, values: $0) }
        }
        var byID: [Int64: Row] = [:]
        for chunk in stride(from: 0, to: ids.count, by: 1000).map({ ids[$0..<min($0 + 1000, ids.count)] }) {
            let sql =
                "SELECT * FROM \(try dialect.quoted(table)) WHERE \(try dialect.quoted(key)) IN (\(SQLText.placeholders(chunk.count)))"
            for row in try await connection.all(sql, chunk.map(DatabaseValue.integer)) { byID[try row.decode(Int64.self, key)] = row }
        }
        return try ids.map { id in
            guard let row = byID[id] else {
                throw TestEnvError(.invalidInput, "row \(id) of `\(table)` vanished right after it was inserted")
            }
            return row
        }
    }
}

/// The closest known name to a misspelt one, by edit distance, ignoring case.
enum ClosestName {
    static func find(_ name: String, among candidates: [String]) -> String? {
        let target = Array(name.lowercased())
        let scored = candidates.map { ($0, distance(target, Array($0.lowercased()))) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= max(2, target.count / 3) else { return nil }
        return best.0
    }

    static func distance(_ a: [Character], _ b: [Character]) -> Int {
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1]
            for (j, y) in b.enumerated() {
                current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1)))
            }
            previous = current
        }
        return previous[b.count]
    }
}

/// A factory's attributes, resolved once for writing rows: in a fixed order, each sequence with the
/// name of its counter (`table.column`), so that a row costs no string building besides its values.
private struct RowPlan {
    let attributes: [(column: String, attribute: FactoryAttribute)]
    /// Per attribute, its counter's name (used by sequences only).
    let counterKeys: [String]

    init(_ attributes: [String: FactoryAttribute], table: String) {
        self.attributes = attributes.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        counterKeys = self.attributes.map { "\(table).\($0.column)" }
    }

    /// One row's values: fixed values, the next sequence numbers (counted in `sequences`, one per
    /// attribute), then the overrides; associations that still need a row are returned apart.
    func row(overrides: [String: DatabaseValue], sequences: inout [Int])
        -> (values: [String: DatabaseValue], associations: [String: (Factory, String?)])
    {
        var values = overrides
        values.reserveCapacity(overrides.count + attributes.count)
        var associations: [String: (Factory, String?)] = [:]
        for (index, (column, attribute)) in attributes.enumerated() where overrides.isEmpty || overrides[column] == nil {
            switch attribute {
            case .value(let value): values[column] = value
            case .sequence(let make):
                sequences[index] += 1
                values[column] = make(sequences[index])
            case .association(let parent, let key): associations[column] = (parent, key)
            }
        }
        return (values, associations)
    }
}
