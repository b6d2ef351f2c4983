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
    /// Per table, its columns, the same lowercased for checking attribute names, and the key the
    /// database generates for it, if any: looked up once, in one query.
    private var tables: [String: (names: [String], lowercased: Set<String>, key: String?)] = [:]

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
        var layout = plan.layout
        let row = plan.row(overrides: overrides, layout: &layout, sequences: &sequences)
        var values: [String: DatabaseValue] = [:]
        for (position, value) in row.values.enumerated() where !row.associations.contains(position) {
            values[layout.columns[position]] = value
        }
        return values
    }

    /// Inserts one row and returns it as stored, generated id and column defaults included.
    ///
    /// - Throws: ``TestEnvError/Code/unknownColumn``, `invalidInput`, or the driver's error for a rejected row.
    public func create(_ factory: Factory, traits: [String] = [], _ overrides: [String: DatabaseValue] = [:]) async throws -> Row {
        try await createList(factory, count: 1, traits: traits) { _ in overrides }[0]
    }

    /// Inserts `count` rows through one batch insert and returns them as stored, in order.
    ///
    /// Associations the rows need are created first, in one batch per association. The rows of each
    /// statement (1,000 at most) are built while the previous statement's are inserted, so building
    /// them costs little besides the insert itself.
    ///
    /// - Throws: ``TestEnvError/Code/unknownColumn``, `invalidInput`, or the driver's error. The batch
    ///   insert is atomic; associated rows created before a failing batch stay (wrap the call in a
    ///   transaction of your own, on a connection used by this task only, to undo them too).
    public func createList(_ factory: Factory, count: Int, traits: [String] = []) async throws -> [Row] {
        guard count > 0 else { return [] }
        let plan = RowPlan(try await attributes(of: factory, traits: traits, overriding: []), table: factory.table)
        // Every row needs a parent of each association.
        let parentKeys = try await createParents(
            plan.attributes.enumerated().compactMap { position, attribute in
                guard case .association(let parent, let key) = attribute.attribute else { return nil }
                return ParentNeed(position: position, column: attribute.column, factory: parent, key: key, count: count)
            }, of: factory.table)
        var rows = PlainRows(plan: plan, parentKeys: parentKeys, sequences: sequences(of: plan))
        defer { store(rows.sequences, of: plan) }
        let (columns, table) = (rows.layout.columns, factory.table)
        let perStatement = max(1, min(1000, await connection.maxBoundParameters() / max(1, columns.count)))
        guard count > perStatement, !columns.isEmpty else { return try await insert(rows.build(0..<count), columns: columns, into: table) }
        // The connection inserts each statement's rows while the next ones are built; it waits for
        // them on its own thread, and nothing here waits for it until every row is sent.
        let (feed, key) = (RowFeed(), try await key(of: table))
        async let inserted = connection.batchInsert(into: table, columns: columns, feed: feed, returningRows: true, key: .some(key))
        var built: [[DatabaseValue]] = []
        for start in stride(from: 0, to: count, by: perStatement) {
            let statement = rows.build(start..<min(start + perStatement, count))
            built += statement
            guard feed.send(statement) else { break }
        }
        feed.finish()
        let result = try await inserted
        if let stored = result.storedRows { return stored }
        return try await fetch(table, ids: result.generatedIDs, fallback: columns, values: built)
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
        _ factory: Factory, count: Int, traits: [String] = [], _ customize: @Sendable (Int) -> [String: DatabaseValue]
    ) async throws -> [Row] {
        guard count > 0 else { return [] }
        let plan = RowPlan(try await attributes(of: factory, traits: traits, overriding: []), table: factory.table)
        var checkedOverrides: Set<String> = []
        // Rows are built by column position, not by name: a row costs no hashing of column names.
        var layout = plan.layout
        var rows: [[DatabaseValue]] = []
        rows.reserveCapacity(count)
        /// Rows that leave a column out (an override only some rows set), by row: its column default applies.
        var absent: [Int: Set<Int>] = [:]
        var pending: [Int: (factory: Factory, key: String?, rows: [Int])] = [:]
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
                let row = plan.row(overrides: overrides, layout: &layout, sequences: &sequences)
                if !row.absent.isEmpty { absent[index] = row.absent }
                rows.append(row.values)
                for position in row.associations {
                    guard case .association(let parent, let key) = plan.attributes[position].attribute else { continue }
                    pending[position, default: (parent, key, [])].rows.append(index)
                }
            }
        }
        // An override column that appeared after the first rows: the rows before it leave it out.
        for index in rows.indices where rows[index].count < layout.columns.count {
            absent[index, default: []].formUnion(rows[index].count..<layout.columns.count)
            rows[index] += repeatElement(.null, count: layout.columns.count - rows[index].count)
        }
        let needs = pending.map { position, association in
            ParentNeed(
                position: position, column: layout.columns[position], factory: association.factory, key: association.key,
                count: association.rows.count)
        }
        for (position, keys) in try await createParents(needs, of: factory.table) {
            for (key, index) in zip(keys, pending[position]!.rows) { rows[index][position] = key }
        }
        return try await insert(rows, columns: layout.columns, absent: absent, into: factory.table)
    }

    /// What rows need of one association: `count` parents, whose `key` column (or primary key) goes
    /// into the column at `position`.
    private struct ParentNeed {
        let position: Int
        let column: String
        let factory: Factory
        let key: String?
        let count: Int
    }

    /// Creates the parents `needs` asks for, one batch per association in column order, and returns
    /// per association the keys the rows take, in order. Every parent key is known before any parent
    /// row is written: a wrong key inserts nothing.
    private func createParents(_ needs: [ParentNeed], of table: String) async throws -> [(position: Int, keys: [DatabaseValue])] {
        var keys: [Int: String] = [:]
        for need in needs { keys[need.position] = try await parentKey(need.key, of: need.factory, for: "\(table).\(need.column)") }
        var created: [(position: Int, keys: [DatabaseValue])] = []
        for need in needs.sorted(by: { $0.position < $1.position }) {
            let key = keys[need.position]!
            let parents = try await createList(need.factory, count: need.count)
            created.append((need.position, try parents.map { try $0[key] ?? missingKey(key, need.factory) }))
        }
        return created
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
        let known = try await lookUp(table)
        return (known.names, known.lowercased)
    }

    /// The key the database generates for the table, if any.
    private func key(of table: String) async throws -> String? {
        try await lookUp(table).key
    }

    private func lookUp(_ table: String) async throws -> (names: [String], lowercased: Set<String>, key: String?) {
        if let known = tables[table] { return known }
        let (columns, key) = try await connection.columnsAndKey(of: table)
        guard !columns.isEmpty else {
            throw TestEnvError(.invalidInput, "a factory writes to table `\(table)`, which does not exist in this environment")
        }
        let known = (names: columns, lowercased: Set(columns.map { $0.lowercased() }), key: key)
        tables[table] = known
        return known
    }

    // MARK: Writing

    /// One batch insert of rows that may leave different columns out (`absent`, by row): those get
    /// their column default, through one insert per set of columns.
    private func insert(_ rows: [[DatabaseValue]], columns: [String], absent: [Int: Set<Int>], into table: String) async throws
        -> [Row]
    {
        // Usually every row sets every column: one insert of the rows as they are.
        guard !absent.isEmpty else { return try await insert(rows, columns: columns, into: table) }
        let groups = Dictionary(grouping: rows.indices) { absent[$0] ?? [] }
        var stored = [Row?](repeating: nil, count: rows.count)
        for (left, indices) in groups.sorted(by: { $0.value[0] < $1.value[0] }) {
            let present = columns.indices.filter { !left.contains($0) }
            let values = indices.map { index in present.map { rows[index][$0] } }
            let fetched = try await insert(values, columns: present.map { columns[$0] }, into: table)
            for (index, row) in zip(indices, fetched) { stored[index] = row }
        }
        return stored.compactMap { $0 }
    }

    /// One batch insert; the rows as stored, returned by the insert or read back.
    private func insert(_ values: [[DatabaseValue]], columns: [String], into table: String) async throws -> [Row] {
        let result = try await connection.batchInsert(
            into: table, columns: columns, rows: values, batchSize: 1000, returningRows: true, key: try await key(of: table))
        if let stored = result.storedRows { return stored }
        return try await fetch(table, ids: result.generatedIDs, fallback: columns, values: values)
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

    /// The attributes' columns, at the positions of ``attributes``; overrides add theirs after them.
    var layout: ColumnLayout { ColumnLayout(attributes.map(\.column)) }

    /// One row's values by position in `layout`: fixed values, the next sequence numbers (counted in
    /// `sequences`, one per attribute), then the overrides (a new column joins `layout`). `absent`:
    /// positions the row leaves to the column default; `associations`: positions that still need a
    /// parent row (`.null` until then).
    func row(overrides: [String: DatabaseValue], layout: inout ColumnLayout, sequences: inout [Int])
        -> (values: [DatabaseValue], absent: Set<Int>, associations: [Int])
    {
        var values = [DatabaseValue](repeating: .null, count: layout.columns.count)
        var associations: [Int] = []
        for (index, (column, attribute)) in attributes.enumerated() where overrides.isEmpty || overrides[column] == nil {
            switch attribute {
            case .value(let value): values[index] = value
            case .sequence(let make):
                sequences[index] += 1
                values[index] = make(sequences[index])
            case .association: associations.append(index)
            }
        }
        for (column, value) in overrides {
            let position = layout.position(of: column)
            if position == values.count { values.append(value) } else { values[position] = value }
        }
        // Columns that only overrides (of this row or earlier ones) set, which this row does not.
        guard layout.columns.count > attributes.count else { return (values, [], associations) }
        let absent = Set((attributes.count..<layout.columns.count).filter { overrides[layout.columns[$0]] == nil })
        return (values, absent, associations)
    }
}

/// The rows of a ``RowPlan`` without overrides, with their parents' keys, built a statement at a time.
private struct PlainRows {
    let plan: RowPlan
    /// Per association, its position and the key of each row's parent.
    let parentKeys: [(position: Int, keys: [DatabaseValue])]
    private(set) var sequences: [Int]
    private(set) var layout: ColumnLayout

    init(plan: RowPlan, parentKeys: [(position: Int, keys: [DatabaseValue])], sequences: [Int]) {
        (self.plan, self.parentKeys, self.sequences, layout) = (plan, parentKeys, sequences, plan.layout)
    }

    /// The rows at `indices` (of the whole list, which index the parents' keys).
    mutating func build(_ indices: Range<Int>) -> [[DatabaseValue]] {
        indices.map { index in
            var row = plan.row(overrides: [:], layout: &layout, sequences: &sequences).values
            for (position, keys) in parentKeys { row[position] = keys[index] }
            return row
        }
    }
}

/// Column names by position, and positions by name, for rows built as arrays.
private struct ColumnLayout {
    private(set) var columns: [String]
    private var positions: [String: Int]

    init(_ columns: [String]) {
        self.columns = columns
        positions = Dictionary(uniqueKeysWithValues: columns.enumerated().map { ($1, $0) })
    }

    /// The position of `column`, added at the end when it is new.
    mutating func position(of column: String) -> Int {
        if let known = positions[column] { return known }
        columns.append(column)
        positions[column] = columns.count - 1
        return columns.count - 1
    }
}
