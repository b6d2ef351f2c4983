import Foundation
import TestEnvCore
@_spi(TestEnvDrivers) import TestEnvSQLite

/// SQLite environments: an in-memory database copied from a template image built once per schema
/// fingerprint and kept on disk for the next process (``TemplateImageCache``;
/// ``IsolationMode/pooled`` and ``IsolationMode/transaction``), or loaded by running
/// the scripts (``IsolationMode/fresh``); a file per environment when `DB_TEST_PATH` names a place
/// or failed environments are kept.
///
/// An in-memory copy records the rows its test changes; at release they are undone and the
/// connection, with its parsed schema and prepared statements, waits for the next test of the
/// schema (``SQLiteConnection/reclaim()``). One whose changes rows cannot express (schema, pragmas,
/// `TEMP` objects, a shared database) is closed instead.
actor SQLiteProvider: TestDatabaseProvider {
    private let configuration: TestEnvConfiguration
    private let preparer: SchemaPreparer
    /// Per fingerprint, the image every environment copies.
    private let templates = OnceTasks<SchemaFingerprint, SQLiteImage>()
    /// The images of ``templates`` built already, at hand without waiting, with the schema they belong to.
    private var readyImages: [Schema: (image: SQLiteImage, fingerprint: SchemaFingerprint)] = [:]
    /// Per fingerprint, copies whose test ended, put back as the template was, for the next test.
    private var reclaimed: [SchemaFingerprint: [SQLiteConnection]] = [:]

    init(configuration: TestEnvConfiguration, preparer: SchemaPreparer) {
        self.configuration = configuration
        self.preparer = preparer
    }

    /// In-memory copies of a template, when the configuration allows them.
    private func copiesTemplates(_ request: ProviderRequest) -> Bool {
        request.isolation != .fresh && !request.schema.sqlite.isEmpty
    }

    func answersAtOnce(_ request: ProviderRequest) async -> Bool {
        guard copiesTemplates(request), configuration.sqlitePath == ":memory:", !configuration.keepsFailedEnvironments,
            let ready = readyImages[request.schema]
        else { return false }
        // An edited file makes the template stale: prepared again (a stat per file), it shows.
        let current = try? await preparer.prepare(request.schema, backend: .sqlite, serverVersion: SQLiteConnection.libraryVersion)
        return current?.fingerprint == ready.fingerprint
    }

    func acquire(_ request: ProviderRequest) async throws -> ProvidedDatabase {
        let prepared = try await preparer.prepare(request.schema, backend: .sqlite, serverVersion: SQLiteConnection.libraryVersion)
        let template = copiesTemplates(request) ? try await image(of: prepared) : nil
        let file = try newFile()
        if let file, let template { try SQLiteConnection.write(template, to: file) }
        let settings = SQLiteConfiguration(path: file ?? ":memory:", confinesToDatabase: confines)
        let connection =
            if let template, file == nil {
                try await copy(of: template, fingerprint: prepared.fingerprint, settings)
            } else {
                try await SQLiteConnection.open(settings)
            }
        request.slot.set { connection.interrupt() }
        if template == nil {
            do {
                try await prepared.load(into: connection, database: file ?? ":memory:", otherDatabases: [])
            } catch {
                await connection.close()
                if let file { Self.deleteFile(file) }
                throw error
            }
        }
        return ProvidedDatabase(
            name: file ?? ":memory:", connection: connection, sqliteFile: file, fingerprint: template == nil ? nil : prepared.fingerprint,
            interrupt: { connection.interrupt() }, access: access(to: connection, file: file))
    }

    /// A connection on a copy of `template`: one a finished test left, or a new one that records
    /// its changes so that it can be reused in turn.
    private func copy(of template: SQLiteImage, fingerprint: SchemaFingerprint, _ settings: SQLiteConfiguration) async throws
        -> SQLiteConnection
    {
        if let connection = reclaimed[fingerprint]?.popLast() { return connection }
        let connection = try await SQLiteConnection.open(settings, copying: template)
        _ = await connection.recordChangesForReuse()
        return connection
    }

    /// Details and further connections: a file is opened by its path; an in-memory database is
    /// moved into the `memdb` VFS under a name of its own when first asked for.
    private nonisolated func access(to connection: SQLiteConnection, file: String?) -> EnvironmentAccess {
        let confines = confines
        // The name is made only when a test first asks: most environments are never shared. Once
        // shared, the connection answers with the name it has, whatever a later call passes.
        let path: @Sendable () async throws -> String = {
            if let file { return file }
            return try await connection.shareInMemory(as: "testenv-" + UUID().uuidString.lowercased())
        }
        return EnvironmentAccess(
            details: { .sqlite(path: try await path()) },
            connect: { try await SQLiteConnection.open(SQLiteConfiguration(path: try await path(), confinesToDatabase: confines)) })
    }

    /// The template image of `prepared`, built once per fingerprint.
    private func image(of prepared: PreparedSchema) async throws -> SQLiteImage {
        if let ready = readyImages[prepared.schema], ready.fingerprint == prepared.fingerprint { return ready.image }
        let image = try await templates.value(for: prepared.fingerprint) {
            let fingerprint = prepared.fingerprint
            if let kept = try await runOffPool({ TemplateImageCache.read(fingerprint) }) { return kept }
            let template = try await SQLiteConnection.open(SQLiteConfiguration(confinesToDatabase: self.confines))
            do {
                try await prepared.load(into: template, database: ":memory:", otherDatabases: [])
                let image = try await template.image()
                await template.close()
                _ = try? await runOffPool { TemplateImageCache.write(image, for: fingerprint) }
                return image
            } catch {
                await template.close()
                throw error
            }
        }
        readyImages[prepared.schema] = (image, prepared.fingerprint)
        return image
    }

    func release(_ environment: IsolatedEnvironment, keep: Bool) async throws -> String? {
        if environment.sqliteFile == nil, let fingerprint = environment.fingerprint,
            let connection = environment.connection as? SQLiteConnection
        {
            // nil when the changes cannot be undone: the connection is closed then.
            if let successor = await connection.reclaim() { reclaimed[fingerprint, default: []].append(successor) }
            return nil
        }
        // Closing rolls back a transaction the test left open: SQLite does it, one call fewer per test.
        await environment.connection.close()
        guard let file = environment.sqliteFile else { return nil }
        if keep { return "sqlite3 \(file)" }
        Self.deleteFile(file)
        return nil
    }

    /// Whether connections refuse `ATTACH`, `VACUUM INTO` and `load_extension` (``ConfinementPolicy``).
    private nonisolated var confines: Bool { configuration.confinement != .off }

    func boundary() async throws -> EnvironmentBoundary {
        confines
            ? EnvironmentBoundary(isEnforced: true, detail: "SQLite's authorizer: ATTACH, VACUUM INTO and load_extension() are refused")
            : EnvironmentBoundary(isEnforced: false, detail: "TEST_DB_CONFINEMENT=off: connections may ATTACH other files")
    }

    /// SQLite needs no server connection; the bound keeps a suite that starts every test at once
    /// from holding hundreds of copies and threads at the same time.
    func environmentLimit() async throws -> Int {
        configuration.maxConcurrentEnvironments ?? TestEnvConfiguration.defaultEnvironmentLimit
    }

    func waitForBackgroundWork() async {}

    func shutdown(parking: Bool) async {
        _ = templates.removeAll()
        readyImages = [:]
        let connections = reclaimed.values.joined()
        reclaimed = [:]
        for connection in connections { await connection.close() }
    }

    /// nil for `:memory:`; otherwise a new file in the configured directory, or beside the configured file.
    private func newFile() throws -> String? {
        var path = configuration.sqlitePath
        if path == ":memory:" {
            // A kept database must outlive its connection: in keep mode, SQLite environments are files.
            guard configuration.keepsFailedEnvironments else { return nil }
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("testenv")
            try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            path = directory.path
        }
        let unique = DatabaseName.make()
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            return (path as NSString).appendingPathComponent("\(unique).sqlite")
        }
        let url = URL(fileURLWithPath: path)
        let stem = url.deletingPathExtension().lastPathComponent
        let suffix = url.pathExtension.isEmpty ? "sqlite" : url.pathExtension
        return url.deletingLastPathComponent().appendingPathComponent("\(stem)-\(unique).\(suffix)").path
    }

    private static func deleteFile(_ path: String) {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            try? FileManager.default.removeItem(atPath: path + suffix)
        }
    }
}
