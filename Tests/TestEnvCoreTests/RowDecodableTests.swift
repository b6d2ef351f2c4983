import Foundation
import Testing

@testable import TestEnvCore

@Suite struct RowDecodableTests {
    enum Status: String, Decodable, DatabaseValueConvertible { case open, returned }
    struct Extra: Decodable, Equatable { let late: Bool }
    struct Rental: Decodable, Equatable {
        let rentalId: Int
        let rentalDate: Date
        let returnDate: Date?
        let status: Status
        let note: String?
        let extra: Extra
    }

    let row = Row(
        columns: ColumnNames(["rental_id", "rental_date", "return_date", "status", "extra"]),
        values: [
            .integer(7),
            .dateTime(
                DatabaseDateTime(
                    date: DatabaseDate(year: 2026, month: 11, day: 29),
                    time: DatabaseTime(hour: 9, minute: 30, second: 5, microsecond: 250_000))),
            .null, .text("open"), .json(#"{"late": true}"#),
        ])

    @Test("A row decodes into a Decodable type: snake-case columns, a UTC date, NULL and a missing column as nil, an enum, JSON")
    func decodesRental() throws {
        let rental = try row.decode(Rental.self, keys: .convertFromSnakeCase)
        #expect(rental.rentalId == 7)
        #expect(rental.rentalDate == Date(timeIntervalSince1970: 1_795_944_605.25))
        #expect(rental.returnDate == nil)
        #expect(rental.status == .open)
        #expect(rental.note == nil)
        #expect(rental.extra == Extra(late: true))
    }

    @Test("Without the snake-case strategy a property needs a column of its own name; the error names the column and the columns there are")
    func missingColumnIsNamed() {
        let error = #expect(throws: RowDecodingError.self) { try row.decode(Rental.self) }
        #expect(error?.column == "rentalId")
        #expect(error?.description.contains("rental_id") == true)
    }

    @Test("The rows of one result share their columns' lookups: each strategy resolves its own, row after row, and errors stay exact")
    func sharedLookups() throws {
        struct Pair: Decodable, Equatable {
            let rentalId: Int
            let note: String?
            let amount: Double?
        }
        let columns = ColumnNames(["rental_id", "note", "amount"])
        let rows = (1...3).map { Row(columns: columns, values: [.integer(Int64($0)), $0 == 2 ? .null : .text("n\($0)"), .double(1.5)]) }
        for _ in 0..<2 {
            let pairs = try rows.map { try $0.decode(Pair.self, keys: .convertFromSnakeCase) }
            #expect(pairs.map(\.rentalId) == [1, 2, 3])
            #expect(pairs.map(\.note) == ["n1", nil, "n3"])
            #expect(pairs.allSatisfy { $0.amount == 1.5 })
            let error = #expect(throws: RowDecodingError.self) { try rows[0].decode(Pair.self) }
            #expect(error?.column == "rentalId")
        }
        let wrong = Row(columns: columns, values: [.text("seven"), .null, .null])
        let error = #expect(throws: RowDecodingError.self) { try wrong.decode(Pair.self, keys: .convertFromSnakeCase) }
        #expect(error?.column == "rental_id")
        #expect(error?.problem == .typeMismatch(found: "text"))
    }

    @Test("A wrong type names the column and what it holds")
    func typeMismatch() {
        struct Wrong: Decodable { let status: Int }
        let error = #expect(throws: RowDecodingError.self) { try row.decode(Wrong.self) }
        #expect(error?.column == "status")
    }

    enum Level: Int, DatabaseValueConvertible {
        case low = 1
        case high = 2
    }

    @Test(
        "A RawRepresentable type converts through its raw value once it declares the conformance; an unknown raw value is nil, and an error that says so without printing it"
    )
    func rawRepresentable() throws {
        #expect(Status.open.databaseValue == .text("open"))
        #expect(Status(databaseValue: .text("returned")) == .returned)
        #expect(Status(databaseValue: .text("lost")) == nil)
        #expect(Status(databaseValue: .integer(1)) == nil)
        #expect(Level(databaseValue: .integer(2)) == .high)
        #expect(Level.low.databaseValue == .integer(1))
        let unknown = Row(columns: ColumnNames(["status"]), values: [.text("lost")])
        let error = #expect(throws: RowDecodingError.self) { try unknown.decode(Status.self, "status") }
        #expect(error?.problem == .notARawValue(found: "text"))
        #expect(error?.description == "cannot decode column 'status' as Status: the value is text that is none of Status's raw values")
        let row = Row(columns: ColumnNames(["level"]), values: [.integer(2)])
        #expect(try row.decode(Level.self, "level") == .high)
    }

    @Test("Date converts both ways: UTC DATETIME with microseconds, and from SQLite text and numbers")
    func dateConversion() throws {
        let date = Date(timeIntervalSince1970: 1_795_944_605.25)
        guard case .dateTime(let value) = date.databaseValue else {
            Issue.record("not a DATETIME")
            return
        }
        #expect(value.description == "2026-11-29 09:30:05.250000")
        #expect(Date(databaseValue: .text("2026-11-29 09:30:05.25")) == date)
        #expect(Date(databaseValue: .integer(1_795_944_605)) == Date(timeIntervalSince1970: 1_795_944_605))
        #expect(Date(databaseValue: .text("not a date")) == nil)
    }
}
