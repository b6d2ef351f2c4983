/// Helpers for showing SQL in messages.
public enum SQLText {
    /// The first `limit` characters of a statement on one line, with `…` when cut: enough to find
    /// the statement, short enough for a log line.
    ///
    /// ```swift
    /// SQLText.abbreviated("SELECT *\nFROM users")   // "SELECT * FROM users"
    /// ```
    public static func abbreviated(_ sql: String, limit: Int = 200) -> String {
        // Only the start is shown, so only the start is looked at: a statement may be megabytes long.
        let head = sql.prefix(limit * 4 + 64)
        let oneLine = head.split(whereSeparator: \.isNewline).map { $0.trimmingSpaces() }.joined(separator: " ")
        return oneLine.count > limit || head.endIndex < sql.endIndex ? oneLine.prefix(limit) + "…" : oneLine
    }

    /// `count` bound-parameter markers for a `VALUES (…)` or `IN (…)` list: `"?, ?, ?"`.
    public static func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ", ")
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> Substring {
        let start = firstIndex { $0 != " " && $0 != "\t" } ?? endIndex
        let end = lastIndex { $0 != " " && $0 != "\t" }.map(index(after:)) ?? start
        return start < end ? self[start..<end] : ""
    }
}
