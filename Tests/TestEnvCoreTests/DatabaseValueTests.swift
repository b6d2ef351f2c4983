import TestEnvCore
import Testing

@Suite struct DatabaseValueTests {
    @Test("Literals build the expected cases")
    func literals() {
        let values: [DatabaseValue] = [nil, 42, 1.5, "text", true]
        #expect(values == [.null, .integer(42), .double(1.5), .text("text"), .integer(1)])
    }

    @Test("Integers convert only when the value fits the Swift type")
    func integerFit() {
        #expect(Int8(databaseValue: .integer(127)) == 127)
        #expect(Int8(databaseValue: .integer(128)) == nil)
        #expect(UInt64(databaseValue: .unsignedInteger(.max)) == .max)
        #expect(Int64(databaseValue: .unsignedInteger(.max)) == nil)
        #expect(UInt8(databaseValue: .integer(-1)) == nil)
    }

    @Test("Unsigned values above Int64.max bind as unsignedInteger, smaller ones as integer")
    func unsignedBinding() {
        #expect(UInt64.max.databaseValue == .unsignedInteger(.max))
        #expect(UInt64(7).databaseValue == .integer(7))
    }

    @Test("Text never silently becomes a number")
    func textIsNotNumber() {
        #expect(Int(databaseValue: .text("12")) == nil)
        #expect(Double(databaseValue: .text("1.5")) == nil)
        #expect(Double(databaseValue: .decimal("1.5")) == 1.5)
    }

    @Test("Optional decodes NULL as nil and other kinds as the wrapped type")
    func optionals() {
        #expect(String?(databaseValue: .null) == .some(nil))
        #expect(String?(databaseValue: .text("a")) == .some("a"))
        #expect(String?(databaseValue: .integer(1)) == nil)
    }

    @Test("Dates and times print and parse in the form both backends accept")
    func dateTimeText() throws {
        let value = DatabaseDateTime(
            date: DatabaseDate(year: 2026, month: 1, day: 9),
            time: DatabaseTime(hour: 7, minute: 5, second: 3, microsecond: 120))
        #expect(value.description == "2026-01-09 07:05:03.000120")
        #expect(DatabaseDateTime(parsing: "2026-01-09 07:05:03.000120") == value)
        #expect(DatabaseDateTime(parsing: "2026-01-09T07:05:03.00012") == value)
        #expect(DatabaseTime(parsing: "-838:59:59") == DatabaseTime(isNegative: true, hour: 838, minute: 59, second: 59))
        #expect(DatabaseDate(parsing: "2026-1-9") == nil)
        #expect(DatabaseTime(parsing: "10:00:00.1234567") == nil)
    }

    @Test("Dates decode from SQLite's text form")
    func datesFromText() {
        #expect(DatabaseDate(databaseValue: .text("1999-12-31")) == DatabaseDate(year: 1999, month: 12, day: 31))
        #expect(DatabaseDate(databaseValue: .text("not a date")) == nil)
    }
}
