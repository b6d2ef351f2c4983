import TestEnvCore
import Testing

@Suite struct SQLIdentifierTests {
    @Test("Plain names pass", arguments: ["a", "_x", "before_import_2", String(repeating: "a", count: 64)])
    func plainNames(name: String) throws {
        #expect(try SQLIdentifier.validated(name) == name)
    }

    @Test(
        "Anything that could change a statement is refused",
        arguments: ["", "1abc", "a b", "a;DROP TABLE t", "a`b", "é", String(repeating: "a", count: 65)])
    func refused(name: String) {
        let error = #expect(throws: InvalidIdentifierError.self) { try SQLIdentifier.validated(name) }
        #expect(error?.kind == .invalidArgument)
    }
}

@Suite struct PreparedStatementCacheTests {
    @Test("A full cache releases its oldest half and keeps the newest statements")
    func eviction() {
        var cache = PreparedStatementCache<Int>(capacity: 4)
        var released: [Int] = []
        for number in 1...5 {
            cache.insert(number, for: "q\(number)") { released.append($0) }
        }
        #expect(released.sorted() == [1, 2])
        #expect(cache.count == 3)
        #expect(cache["q5"] == 5)
        #expect(cache["q1"] == nil)
    }

    @Test("Abbreviated SQL is one line and cut with an ellipsis")
    func abbreviation() {
        #expect(SQLText.abbreviated("SELECT *\n  FROM t") == "SELECT * FROM t")
        #expect(SQLText.abbreviated(String(repeating: "x", count: 300)).count == 201)
    }
}
