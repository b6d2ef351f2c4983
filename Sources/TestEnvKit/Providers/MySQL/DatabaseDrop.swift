import Foundation
import TestEnvCore
import TestEnvMySQL

/// `DROP DATABASE` for TestEnvKit's databases, with the one server leftover it can finish itself.
///
/// MariaDB keeps a backup of a table's trigger file (`film.TRG-`) while it adds a trigger; when that
/// is interrupted the file stays, and `DROP DATABASE` fails with error 1010 (`errno 39`, directory
/// not empty) — for that database, for every later drop. On a server whose data directory TestEnvKit
/// manages (one `testenv server` started: its directory holds `server.json`), such backups are
/// removed and the drop finished. Elsewhere the error names the files left, so a person can.
enum DatabaseDrop {
    /// Drops `name` (validated, quoted) on `admin`.
    ///
    /// - Throws: the driver's error; for a directory the server could not remove, a ``MySQLError``
    ///   1010 whose message names the files left in it where they can be seen from here.
    static func run(_ name: String, admin: MySQLConnection) async throws {
        let drop = "DROP DATABASE IF EXISTS \(DatabaseName.quoted(name))"
        do {
            try await admin.executeScript(drop)
        } catch let error as MySQLError where error.code == .dropDatabaseDirectoryNotEmpty {
            guard let directory = try? await directory(of: name, admin: admin) else { throw error }
            let left = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            let strays = left.filter { $0.hasSuffix(".TRG-") || $0.hasSuffix(".TRN-") }
            guard directory.isManaged, !strays.isEmpty, strays.count == left.count else {
                throw MySQLError(
                    code: error.code, message: "\(error.message); left in \(directory.path): \(left.sorted().joined(separator: ", "))",
                    sqlState: error.sqlState, endpoint: error.endpoint, operation: error.operation, sql: error.sql)
            }
            for file in strays { try? FileManager.default.removeItem(atPath: (directory.path as NSString).appendingPathComponent(file)) }
            try await admin.executeScript(drop)
        }
    }

    /// The database's directory when the server's data directory is on this machine, and whether
    /// TestEnvKit manages that server.
    private static func directory(of name: String, admin: MySQLConnection) async throws -> (path: String, isManaged: Bool)? {
        guard let datadir = try await admin.get("SELECT @@datadir", [])?.decode(String.self, 0) else { return nil }
        let path = (datadir as NSString).appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let serverDirectory = ((datadir as NSString).standardizingPath as NSString).deletingLastPathComponent
        let isManaged = FileManager.default.fileExists(atPath: (serverDirectory as NSString).appendingPathComponent("server.json"))
        return (path, isManaged)
    }
}
