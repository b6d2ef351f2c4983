import CSQLite3
import Foundation

/// A whole SQLite database as the bytes of its file: what ``SQLiteConnection/image()`` returns and
/// ``SQLiteConnection/load(_:)`` copies into another connection.
///
/// Building a schema once and copying its image is how TestEnvKit gives every test a ready
/// database without re-running the DDL.
public struct SQLiteImage: Sendable, Hashable {
    /// The bytes of the database file.
    public let bytes: [UInt8]

    /// An image of these bytes of a database file (as ``SQLiteConnection/image()`` returns, or read from a file).
    public init(bytes: [UInt8]) { self.bytes = bytes }

    /// Whether the bytes start like a SQLite database file (`SQLite format 3` and a zero byte).
    public var looksLikeDatabase: Bool { bytes.starts(with: Array("SQLite format 3\u{0}".utf8)) }
}

extension SQLiteConnection {
    /// A copy of the main database, as the bytes of a database file (`sqlite3_serialize`).
    ///
    /// ```swift
    /// let template = try await SQLiteConnection.open()
    /// try await template.executeScript("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    /// let image = try await template.image()
    /// let copy = try await SQLiteConnection.open()
    /// try await copy.load(image)          // notes exists in copy, as an independent database
    /// ```
    ///
    /// - Throws: ``SQLiteError`` when the connection is closed or memory runs out.
    public func image() throws -> SQLiteImage {
        let db = try database(for: "sqlite3_serialize")
        var size: sqlite3_int64 = 0
        guard let bytes = sqlite3_serialize(db, "main", &size, 0) else {
            // An empty database (nothing ever written) serializes to nothing.
            if size == 0 { return SQLiteImage(bytes: []) }
            throw error(SQLITE_NOMEM, sql: nil)
        }
        defer { sqlite3_free(bytes) }
        return SQLiteImage(bytes: Array(UnsafeBufferPointer(start: bytes, count: Int(size))))
    }

    /// Replaces the main database with an in-memory copy of `image` (`sqlite3_deserialize`),
    /// which then grows and changes independently of where the image came from.
    ///
    /// - Throws: ``SQLiteError`` when the connection is closed, a transaction is open, or memory runs out.
    public func load(_ image: SQLiteImage) throws {
        let db = try database(for: "sqlite3_deserialize")
        guard !image.bytes.isEmpty else { return }
        // Cached statements were prepared against the database being replaced.
        clearStatementCache()
        let size = image.bytes.count
        guard let buffer = sqlite3_malloc64(sqlite3_uint64(size))?.assumingMemoryBound(to: UInt8.self) else {
            throw error(SQLITE_NOMEM, sql: nil)
        }
        image.bytes.withUnsafeBufferPointer { buffer.update(from: $0.baseAddress!, count: size) }
        // FREEONCLOSE hands the buffer to SQLite, also when deserializing fails.
        let flags = UInt32(SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_RESIZEABLE)
        // Deserializing attaches the image as "main": the connection's own step, past its confinement.
        let rc = withoutAuthorizer { sqlite3_deserialize(db, "main", buffer, sqlite3_int64(size), sqlite3_int64(size), flags) }
        guard rc == SQLITE_OK else { throw error(rc, sql: nil) }
    }

    /// Writes `image` as a database file at `path`, replacing any file there; open it afterwards.
    ///
    /// - Throws: ``SQLiteError`` with `cantOpen` naming the path when the file cannot be written.
    public static func write(_ image: SQLiteImage, to path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: Data(image.bytes)) else {
            throw SQLiteError(code: .cantOpen, message: "could not write the database file", path: path)
        }
    }
}
