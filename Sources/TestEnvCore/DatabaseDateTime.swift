/// A calendar date as the database stores it, with no time zone.
///
/// ```swift
/// let birthday = DatabaseDate(year: 1815, month: 12, day: 10)
/// try await db.run("INSERT INTO people (born) VALUES (?)", [.date(birthday)])
/// ```
public struct DatabaseDate: Sendable, Hashable, CustomStringConvertible {
    /// The year (MySQL allows 0...9999).
    public var year: Int
    /// The month, 1...12 (0 in MySQL's zero date).
    public var month: Int
    /// The day of the month, 1...31 (0 in MySQL's zero date).
    public var day: Int

    /// Creates a date from its components.
    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// The date as `YYYY-MM-DD`.
    public var description: String {
        "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    /// Parses `YYYY-MM-DD`; returns nil for anything else.
    public init?(parsing text: Substring) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2])
        else { return nil }
        self.init(year: year, month: month, day: day)
    }
}

/// A time of day, or a signed duration: MySQL `TIME` ranges from -838:59:59 to 838:59:59.
///
/// ```swift
/// let lunch = DatabaseTime(hour: 12, minute: 30, second: 0)
/// ```
public struct DatabaseTime: Sendable, Hashable, CustomStringConvertible {
    /// Whether the duration is negative.
    public var isNegative: Bool
    /// Hours; may exceed 23 for durations.
    public var hour: Int
    /// Minutes, 0...59.
    public var minute: Int
    /// Seconds, 0...59.
    public var second: Int
    /// Microseconds, 0...999_999.
    public var microsecond: Int

    /// Creates a time from its components.
    public init(isNegative: Bool = false, hour: Int, minute: Int, second: Int, microsecond: Int = 0) {
        self.isNegative = isNegative
        self.hour = hour
        self.minute = minute
        self.second = second
        self.microsecond = microsecond
    }

    /// The time as `[-]HH:MM:SS[.ffffff]`.
    public var description: String {
        let sign = isNegative ? "-" : ""
        return "\(sign)\(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2))\(fraction(microsecond))"
    }

    /// Parses `[-]HH:MM:SS[.ffffff]`; returns nil for anything else.
    public init?(parsing text: Substring) {
        var text = text
        let negative = text.first == "-"
        if negative { text = text.dropFirst() }
        let (clock, micros) = splitFraction(text)
        let parts = clock.split(separator: ":", omittingEmptySubsequences: false)
        guard let micros, parts.count == 3, parts[1].count == 2, parts[2].count == 2,
            let hour = Int(parts[0]), let minute = Int(parts[1]), let second = Int(parts[2])
        else { return nil }
        self.init(isNegative: negative, hour: hour, minute: minute, second: second, microsecond: micros)
    }
}

/// A date and a time of day with microseconds, with no time zone.
///
/// ```swift
/// let launch = DatabaseDateTime(date: DatabaseDate(year: 2026, month: 11, day: 23),
///                               time: DatabaseTime(hour: 9, minute: 0, second: 0))
/// ```
public struct DatabaseDateTime: Sendable, Hashable, CustomStringConvertible {
    /// The calendar date.
    public var date: DatabaseDate
    /// The time of day (never negative, hour 0...23).
    public var time: DatabaseTime

    /// Creates a date-time from a date and a time of day.
    public init(date: DatabaseDate, time: DatabaseTime) {
        self.date = date
        self.time = time
    }

    /// The value as `YYYY-MM-DD HH:MM:SS[.ffffff]`, the form both backends accept.
    public var description: String { "\(date) \(time)" }

    /// Parses `YYYY-MM-DD HH:MM:SS[.ffffff]` (or with a `T` separator); returns nil otherwise.
    public init?(parsing text: Substring) {
        guard let separator = text.firstIndex(where: { $0 == " " || $0 == "T" }),
            let date = DatabaseDate(parsing: text[..<separator]),
            let time = DatabaseTime(parsing: text[text.index(after: separator)...]),
            !time.isNegative
        else { return nil }
        self.init(date: date, time: time)
    }
}

private func pad(_ value: Int, _ width: Int) -> String {
    let digits = String(value)
    return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
}

private func fraction(_ microsecond: Int) -> String {
    microsecond == 0 ? "" : "." + pad(microsecond, 6)
}

/// Splits `HH:MM:SS.ffff` into the clock part and microseconds (nil when the fraction is malformed).
private func splitFraction(_ text: Substring) -> (Substring, Int?) {
    guard let dot = text.firstIndex(of: ".") else { return (text, 0) }
    let digits = text[text.index(after: dot)...]
    guard (1...6).contains(digits.count), digits.allSatisfy(\.isASCII), let value = Int(digits) else {
        return (text[..<dot], nil)
    }
    var micros = value
    for _ in digits.count..<6 { micros *= 10 }
    return (text[..<dot], micros)
}
