import TestEnvCore
import TestEnvSQLite
import Testing

@Suite struct SQLiteValueTests {
    /// One column of each storage class; `n` has NUMERIC affinity, `t` TEXT.
    func table() async throws -> SQLiteConnection {
        let db = try await SQLiteConnection.open()
        try await db.executeScript("CREATE TABLE v (id INTEGER PRIMARY KEY, i INTEGER, r REAL, t TEXT, b BLOB, n NUMERIC);")
        return db
    }

    func roundTrip(_ column: String, _ value: DatabaseValue, on db: SQLiteConnection) async throws -> DatabaseValue {
        let id = try #require(try await db.run("INSERT INTO v (\(column)) VALUES (?)", [value]).lastInsertID)
        return try #require(try await db.get("SELECT \(column) FROM v WHERE id = ?", [.integer(id)]))[0]
    }

    @Test("Integers round-trip at both ends of the 64-bit range")
    func integers() async throws {
        let db = try await table()
        for value in [Int64.min, -1, 0, 1, Int64.max] {
            #expect(try await roundTrip("i", .integer(value), on: db) == .integer(value))
        }
        #expect(try await roundTrip("i", .unsignedInteger(42), on: db) == .integer(42))
        await db.close()
    }

    @Test("Unsigned values above Int64.max are refused with an error that says what to do")
    func unsignedOverflow() async throws {
        let db = try await table()
        let error = await #expect(throws: SQLiteError.self) { try await db.run("INSERT INTO v (i) VALUES (?)", [.unsignedInteger(.max)]) }
        #expect(error?.kind == .invalidArgument)
        #expect(error?.description.contains(".decimal") == true)
        await db.close()
    }

    @Test("Doubles round-trip exactly, including extremes")
    func doubles() async throws {
        let db = try await table()
        for value in [0.0, -1.5, .pi, .greatestFiniteMagnitude, .leastNonzeroMagnitude, -.greatestFiniteMagnitude] {
            #expect(try await roundTrip("r", .double(value), on: db) == .double(value))
        }
        await db.close()
    }

    @Test("Text round-trips UTF-8 including 4-byte characters, quotes, NUL and the empty string")
    func text() async throws {
        let db = try await table()
        for value in ["", "héllo wörld", "🌍 𝄞 中文 👩‍👩‍👧", "it's \"quoted\" `ticked`", "nul\u{0}inside", String(repeating: "x", count: 100_000)] {
            #expect(try await roundTrip("t", .text(value), on: db) == .text(value))
        }
        await db.close()
    }

    @Test("Blobs round-trip every byte value, the empty blob and 16 MiB")
    func blobs() async throws {
        let db = try await table()
        var large = [UInt8](repeating: 0xA5, count: 16 << 20)
        large.replaceSubrange(0..<256, with: 0...255)
        large.replaceSubrange((large.count - 256)..., with: (0...255).reversed())
        for value in [[], Array(0...255), large] as [[UInt8]] {
            #expect(try await roundTrip("b", .blob(value), on: db) == .blob(value))
        }
        await db.close()
    }

    @Test("NULL round-trips in every column")
    func nulls() async throws {
        let db = try await table()
        for column in ["i", "r", "t", "b", "n"] {
            #expect(try await roundTrip(column, .null, on: db) == .null)
        }
        await db.close()
    }

    @Test("Decimals keep their digits in a TEXT column")
    func decimals() async throws {
        let db = try await table()
        let digits = "-12345678901234567890.0123456789"
        #expect(try await roundTrip("t", .decimal(digits), on: db) == .text(digits))
        await db.close()
    }

    @Test("Dates, times, JSON are stored as text and decode back to their types")
    func datesAndJSON() async throws {
        let db = try await table()
        let date = DatabaseDate(year: 2024, month: 2, day: 29)
        let time = DatabaseTime(isNegative: true, hour: 838, minute: 59, second: 59)
        let dateTime = DatabaseDateTime(date: date, time: DatabaseTime(hour: 23, minute: 59, second: 59, microsecond: 999_999))
        let storedDate = try await roundTrip("t", .date(date), on: db)
        #expect(DatabaseDate(databaseValue: storedDate) == date)
        #expect(DatabaseTime(databaseValue: try await roundTrip("t", .time(time), on: db)) == time)
        #expect(DatabaseDateTime(databaseValue: try await roundTrip("t", .timestamp(dateTime), on: db)) == dateTime)
        #expect(try await roundTrip("t", .json(#"{"a":[1,"🌍"]}"#), on: db) == .text(#"{"a":[1,"🌍"]}"#))
        await db.close()
    }

    @Test("Rows decode typed values by column name, and a wrong type names the column")
    func typedDecoding() async throws {
        let db = try await table()
        try await db.run("INSERT INTO v (i, t) VALUES (?, ?)", 5, "five")
        let row = try #require(try await db.get("SELECT i AS count, t AS label FROM v"))
        #expect(try row.decode(Int.self, "count") == 5)
        #expect(try row.decode(String.self, "label") == "five")
        let error = #expect(throws: RowDecodingError.self) { try row.decode(Int.self, "label") }
        #expect(error?.column == "label")
        await db.close()
    }
}
