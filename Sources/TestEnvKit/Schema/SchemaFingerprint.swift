import Foundation

/// Identifies a schema as one backend loads it: a SHA-256 of the scripts' contents (line endings
/// normalized, in order), the backend, the server's version and the database-statement policy.
///
/// Work done for a schema — a SQLite template, a pool of ready MySQL databases — is keyed by its
/// fingerprint, so it is reused for the same schema and never for another. Editing a schema file
/// changes the fingerprint, and the next environment is built from the new text.
///
/// ```swift
/// let fingerprint = try SchemaFingerprint(schema, backend: .sqlite, serverVersion: "SQLite 3.40.1")
/// print(fingerprint)   // "3f1c9a0e5b7d2c41"
/// ```
public struct SchemaFingerprint: Sendable, Hashable, CustomStringConvertible {
    /// 64 lowercase hex digits.
    public let value: String

    /// Computes the fingerprint, reading the schema's files.
    ///
    /// - Throws: ``TestEnvError/Code/schemaFileUnreadable`` when a file cannot be read.
    public init(_ schema: Schema, backend: DatabaseBackend, serverVersion: String) throws {
        self.init(
            schema, backend: backend, serverVersion: serverVersion, contents: try schema.scripts(for: backend).map { try $0.contents() })
    }

    /// The fingerprint of `schema` whose scripts for `backend` hold `contents`, in order.
    init(_ schema: Schema, backend: DatabaseBackend, serverVersion: String, contents: [String]) {
        var hash = SHA256()
        // A seed adds its version (its scripts are among `contents`); without one the fingerprint is as before seeds.
        let seed = schema.seed.map { ["seed", $0.version, $0.populate == nil ? "scripts" : "factory"] } ?? []
        for part in ["testenv-schema-v1", backend.rawValue, serverVersion, "\(schema.databaseStatements)"] + seed {
            hash.update(part.utf8)
            hash.update([0])
        }
        for text in contents {
            hash.update(String(text.utf8.count).utf8)
            hash.update([0])
            hash.update(text.utf8)
        }
        value = hash.finalizeHex()
    }

    /// The first 16 hex digits, enough to tell schemas apart in logs.
    public var description: String { String(value.prefix(16)) }
}

/// What changes when a file is edited: its size and modification time (to the nanosecond).
struct FileStamp: Hashable {
    let size: Int
    let seconds: Int
    let nanoseconds: Int
}

extension SchemaScript {
    /// The file's size and modification time; nil for text, or when the file cannot be read.
    /// One `stat` per environment: cheaper than asking FileManager for every attribute.
    var stamp: FileStamp? {
        guard case .file(let path) = source, let stamp = Platform.stamp(of: path) else { return nil }
        return FileStamp(size: stamp.size, seconds: stamp.seconds, nanoseconds: stamp.nanoseconds)
    }
}
