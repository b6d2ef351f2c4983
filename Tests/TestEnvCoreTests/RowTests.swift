import TestEnvCore
import Testing

@Suite struct RowTests {
    let row = Row(columns: ColumnNames(["id", "Email", "nickname"]), values: [.integer(7), .text("a@example.com"), .null])

    @Test("Columns are found by index, by exact name and ignoring case")
    func lookup() throws {
        #expect(row[0] == .integer(7))
        #expect(row["Email"] == .text("a@example.com"))
        #expect(row["email"] == .text("a@example.com"))
        #expect(row["missing"] == nil)
        #expect(try row.decode(Int.self, "id") == 7)
        #expect(try row.decode(String?.self, "nickname") == nil)
    }

    @Test("A missing column is an error that names it and lists the columns there are")
    func missingColumn() {
        let error = #expect(throws: RowDecodingError.self) { try row.decode(Int.self, "idd") }
        #expect(error?.column == "idd")
        #expect(error?.description.contains("columns: id, Email, nickname") == true)
    }

    @Test("NULL for a non-optional type is an error that names the column and suggests the optional")
    func unexpectedNull() {
        let error = #expect(throws: RowDecodingError.self) { try row.decode(String.self, "nickname") }
        #expect(error?.problem == .unexpectedNull)
        #expect(error?.description.contains("String?") == true)
    }

    @Test("A type mismatch names the column and the kind found, never the value")
    func mismatchHidesValue() {
        let error = #expect(throws: RowDecodingError.self) { try row.decode(Int.self, "Email") }
        #expect(error?.problem == .typeMismatch(found: "text"))
        #expect(error?.description.contains("a@example.com") == false)
    }
}
