import TestEnvCore
import TestEnvMySQL
import TestEnvTestSupport
import Testing

extension MySQLDriverTests {
    @Suite struct Values {
        static let schema = """
            CREATE TABLE v (
                id INT AUTO_INCREMENT PRIMARY KEY,
                i BIGINT, u BIGINT UNSIGNED, tiny TINYINT UNSIGNED, d DOUBLE, dec38 DECIMAL(38,10),
                t TEXT CHARACTER SET utf8mb4, vb VARBINARY(300), b LONGBLOB, bits BIT(16), e ENUM('small','large'),
                dt DATE, tm TIME(6), dtm DATETIME(6), ts TIMESTAMP(6) NULL, j JSON)
            """

        func roundTrip(_ column: String, _ value: DatabaseValue, on db: MySQLConnection) async throws -> DatabaseValue {
            let id = try #require(try await db.run("INSERT INTO v (\(column)) VALUES (?)", [value]).lastInsertID)
            return try #require(try await db.get("SELECT \(column) FROM v WHERE id = ?", [.integer(id)]))[0]
        }

        @Test("Signed and unsigned 64-bit integers round-trip at their limits; unsigned above Int64.max is unsignedInteger")
        func integers() async throws {
            try await MySQLTestServer.withScratchDatabase { db in
                try await db.executeScript(Self.schema)
                for value in [Int64.min, -1, 0, Int64.max] {
                    #expect(try await roundTrip("i", .integer(value), on: db) == .integer(value))
                }
                #expect(try await roundTrip("u", .unsignedInteger(.max), on: db) == .unsignedInteger(.max))
                #expect(try await roundTrip("u", .unsignedInteger(1 << 63), on: db) == .unsignedInteger(1 << 63))
                #expect(try await roundTrip("u", .integer(Int64.max), on: db) == .integer(Int64.max))
                #expect(try await roundTrip("tiny", .integer(255), on: db) == .integer(255))
                #expect(try await roundTrip("bits", .integer(0xBEEF), on: db) == .integer(0xBEEF))
            }
        }

        @Test("Doubles round-trip exactly, including extremes")
        func doubles() async throws {
            try await MySQLTestServer.withScratchDatabase { db in
                try await db.executeScript(Self.schema)
                for value in [0.0, -1.5, .pi, .greatestFiniteMagnitude, -.greatestFiniteMagnitude, 2.2250738585072014e-308] {
                    #expect(try await roundTrip("d", .double(value), on: db) == .double(value))
                }
            }
        }

        @Test("DECIMAL keeps every digit")
        func decimals() async throws {
            try await MySQLTestServer.withScratchDatabase { db in
                try await db.executeScript(Self.schema)
                for digits in ["0.0000000000", "-1234567890123456789012345678.0123456789", "9999999999999999999999999999.9999999999"] {
                    #expect(try await roundTrip("dec38", .decimal(digits), on: db) == .decimal(digits))
                }
            }
        }

        @Test("Text round-trips utf8mb4 including 4-byte characters, quotes, NUL and the empty string; ENUM is text")
        func text() async throws {
            try await MySQLTestServer.withScratchDatabase { db in
                try await db.executeScript(Self.schema)
                for value in [
                    "", "héllo wörld", "🌍 𝄞 中文 👩‍👩‍👧", "it's \"quoted\" `ticked` \\ back", "nul\u{0}inside",
                    String(repeating: "é", count: 30_000),
                ] {
                    #expect(try await roundTrip("t", .text(value), on: db) == .text(value))
                }
                #expect(try await roundTrip("e", .text("large"), on: db) == .text("large"))
            }
        }

        @Test("Binary columns round-trip every byte value, the empty value and a 16 MiB blob")
        func blobs() async throws {
            try await MySQLTestServer.withScratchDatabase { db in
                try await db.executeScript(Self.schema)
                #expect(try await roundTrip("vb", .blob(Array(0...255)), on: db) == .blob(Array(0...255)))
                #expect(try await roundTrip("b", .blob([]), on: db) == .blob([]))
                var large = [UInt8](repeating: 0x5A, count: 16 << 20)
                large.replaceSubrange(0..<256, with: 0...255)
                large.replaceSubrange((large.count - 256)..., with: (0...255).reversed())
                #expect(try await roundTrip("b", .blob(large), on: db) == .blob(large))
            }
        }

        @Test("DATE, TIME, DATETIME and TIMESTAMP round-trip with microseconds and TIME's full range")
        func datesAndTimes() async throws {
            try await MySQLTestServer.withScratchDatabase { db in
                try await db.executeScript(Self.schema + "; SET time_zone = '+00:00'")
                let date = DatabaseDate(year: 2024, month: 2, day: 29)
                let moment = DatabaseDateTime(date: date, time: DatabaseTime(hour: 23, minute: 59, second: 59, microsecond: 999_999))
                #expect(try await roundTrip("dt", .date(date), on: db) == .date(date))
                #expect(try await roundTrip("dtm", .dateTime(moment), on: db) == .dateTime(moment))
                #expect(try await roundTrip("ts", .timestamp(moment), on: db) == .timestamp(moment))
                for time in [
                    DatabaseTime(isNegative: true, hour: 838, minute: 59, second: 59),
                    DatabaseTime(hour: 838, minute: 59, second: 59),
                    DatabaseTime(hour: 0, minute: 0, second: 0, microsecond: 1),
                ] {
                    let stored = try await roundTrip("tm", .time(time), on: db)
                    #expect(stored == .time(time))
                }
            }
        }

        @Test("JSON columns come back as json, with unicode intact")
        func json() async throws {
            try await MySQLTestServer.withScratchDatabase { db in
                try await db.executeScript(Self.schema)
                let document = #"{"a": [1, "🌍"], "b": null}"#
                let value = try await roundTrip("j", .json(document), on: db)
                #expect(value == .json(document))
                #expect(try await db.get("SELECT JSON_VALUE(j, '$.a[1]') AS x FROM v")?.decode(String.self, "x") == "🌍")
            }
        }

        @Test("NULL round-trips in every column")
        func nulls() async throws {
            try await MySQLTestServer.withScratchDatabase { db in
                try await db.executeScript(Self.schema)
                for column in ["i", "u", "d", "dec38", "t", "vb", "b", "bits", "e", "dt", "tm", "dtm", "ts", "j"] {
                    #expect(try await roundTrip(column, .null, on: db) == .null, "column \(column)")
                }
            }
        }
    }
}
