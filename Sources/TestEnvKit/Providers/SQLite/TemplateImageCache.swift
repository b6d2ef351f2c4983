import Foundation
import TestEnvSQLite

/// SQLite template images kept on disk, one file per schema fingerprint, so the next process of the
/// same schema copies the template instead of running the scripts again (Chinook: a 1 MB read
/// instead of ~150 ms of loading, per process and per XCTest `--parallel` worker).
///
/// The fingerprint covers the scripts' text, the statement policy and the SQLite version, so a
/// file is never used for another schema. Files are written whole and renamed into place; a file
/// that does not look like a database is ignored and replaced. Files unused for a week are removed.
/// The directory is the user's own (mode 0700): in a shared temporary directory another user could
/// otherwise put a different database under a fingerprint, which is no secret. One that is not
/// owned by this user, or that others may write to, is not used.
enum TemplateImageCache {
    static let directory = FileManager.default.temporaryDirectory.appendingPathComponent("testenv-templates")
    private static let maximumAge: TimeInterval = 7 * 86_400

    private static func file(for fingerprint: SchemaFingerprint) -> URL {
        directory.appendingPathComponent("\(fingerprint.value).sqlite")
    }

    /// Whether the directory belongs to this user and nobody else may write to it.
    private static var isPrivate: Bool {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: directory.path),
            let owner = attributes[.ownerAccountID] as? NSNumber, let mode = attributes[.posixPermissions] as? NSNumber
        else { return false }
        return owner.uint32Value == getuid() && mode.intValue & 0o022 == 0
    }

    /// The image kept for `fingerprint`, or nil. Blocking file I/O: call it off the cooperative pool.
    static func read(_ fingerprint: SchemaFingerprint) -> SQLiteImage? {
        guard isPrivate else { return nil }
        let url = file(for: fingerprint)
        guard let data = try? Data(contentsOf: url) else { return nil }
        let image = SQLiteImage(bytes: Array(data))
        guard image.looksLikeDatabase else { return nil }
        // Touched, so the week counts from the last use.
        try? FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: url.path)
        return image
    }

    /// Keeps `image` for `fingerprint`, and removes files unused for a week. Blocking file I/O.
    static func write(_ image: SQLiteImage, for fingerprint: SchemaFingerprint) {
        let manager = FileManager.default
        try? manager.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        guard isPrivate else { return }
        let partial = directory.appendingPathComponent("\(fingerprint.value).\(UUID().uuidString).partial")
        guard manager.createFile(atPath: partial.path, contents: Data(image.bytes)) else { return }
        if rename(partial.path, file(for: fingerprint).path) != 0 { try? manager.removeItem(at: partial) }
        let cutoff = Date().addingTimeInterval(-maximumAge)
        for name in (try? manager.contentsOfDirectory(atPath: directory.path)) ?? [] {
            let path = directory.appendingPathComponent(name).path
            if let modified = (try? manager.attributesOfItem(atPath: path))?[.modificationDate] as? Date, modified < cutoff {
                try? manager.removeItem(atPath: path)
            }
        }
    }
}
