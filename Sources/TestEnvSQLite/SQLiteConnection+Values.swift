import CSQLite3
import TestEnvCore

extension SQLiteConnection {
    /// Binds one value per `?` parameter; the count must match exactly.
    func bind(_ bindings: [DatabaseValue], to statement: OpaquePointer, sql: String) throws {
        let expected = Int(sqlite3_bind_parameter_count(statement))
        guard expected == bindings.count else {
            throw SQLiteError(
                code: .range, message: "the statement has \(expected) parameter(s) but \(bindings.count) value(s) were bound",
                sql: sql, path: configuration.path)
        }
        for (offset, value) in bindings.enumerated() {
            let index = Int32(offset + 1)
            let rc = try bind(value, at: index, to: statement, sql: sql)
            guard rc == SQLITE_OK else { throw error(rc, sql: sql) }
        }
    }

    private func bind(_ value: DatabaseValue, at index: Int32, to statement: OpaquePointer, sql: String) throws -> Int32 {
        switch value {
        case .null:
            return sqlite3_bind_null(statement, index)
        case .integer(let integer):
            return sqlite3_bind_int64(statement, index, integer)
        case .unsignedInteger(let unsigned):
            guard let integer = Int64(exactly: unsigned) else {
                throw SQLiteError(
                    code: .mismatch,
                    message:
                        "parameter \(index) is an unsigned integer above Int64.max, which SQLite's INTEGER cannot hold; bind it as .decimal text",
                    sql: sql, path: configuration.path)
            }
            return sqlite3_bind_int64(statement, index, integer)
        case .double(let double):
            return sqlite3_bind_double(statement, index, double)
        case .text(let text), .json(let text), .decimal(let text):
            return bindText(text, at: index, to: statement)
        case .date(let date):
            return bindText(date.description, at: index, to: statement)
        case .time(let time):
            return bindText(time.description, at: index, to: statement)
        case .dateTime(let dateTime), .timestamp(let dateTime):
            return bindText(dateTime.description, at: index, to: statement)
        case .blob(let bytes):
            return bytes.withUnsafeBytes { buffer in
                // A nil pointer would bind NULL; an empty blob is a zero-length blob.
                guard let base = buffer.baseAddress else { return sqlite3_bind_zeroblob(statement, index, 0) }
                return sqlite3_bind_blob64(statement, index, base, UInt64(buffer.count), testenv_sqlite_transient())
            }
        }
    }

    private func bindText(_ text: String, at index: Int32, to statement: OpaquePointer) -> Int32 {
        var text = text
        return text.withUTF8 { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                // A nil pointer would bind NULL; empty text is a zero-length string.
                guard let base = chars.baseAddress else { return sqlite3_bind_text(statement, index, "", 0, testenv_sqlite_transient()) }
                return sqlite3_bind_text64(statement, index, base, UInt64(chars.count), testenv_sqlite_transient(), UInt8(SQLITE_UTF8))
            }
        }
    }

    /// Copies the current row out of SQLite's buffers, which the next step invalidates.
    func readRow(_ statement: OpaquePointer) -> [DatabaseValue] {
        (0..<sqlite3_column_count(statement)).map { column in
            switch sqlite3_column_type(statement, column) {
            case SQLITE_INTEGER:
                return .integer(sqlite3_column_int64(statement, column))
            case SQLITE_FLOAT:
                return .double(sqlite3_column_double(statement, column))
            case SQLITE_TEXT:
                let count = Int(sqlite3_column_bytes(statement, column))
                guard let start = sqlite3_column_text(statement, column) else { return .text("") }
                return .text(String(decoding: UnsafeBufferPointer(start: start, count: count), as: UTF8.self))
            case SQLITE_BLOB:
                let count = Int(sqlite3_column_bytes(statement, column))
                guard let start = sqlite3_column_blob(statement, column) else { return .blob([]) }
                return .blob(Array(UnsafeRawBufferPointer(start: start, count: count)))
            default:
                return .null
            }
        }
    }
}
