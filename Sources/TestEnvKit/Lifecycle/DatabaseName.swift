import Foundation

/// Names of the databases TestEnvKit creates: `test_` and 32 lower-case hex digits of a
/// time-ordered UUID (version 7), so names never collide across processes and machines and sort
/// by age.
enum DatabaseName {
    static let prefix = "test_"

    /// A new name: 48 bits of Unix milliseconds, then random bits.
    static func make(now: Date = Date()) -> String {
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255) }
        let milliseconds = UInt64(now.timeIntervalSince1970 * 1000)
        for index in 0..<6 { bytes[index] = UInt8(truncatingIfNeeded: milliseconds >> (8 * (5 - index))) }
        bytes[6] = 0x70 | (bytes[6] & 0x0F)  // version 7
        bytes[8] = 0x80 | (bytes[8] & 0x3F)  // RFC 4122 variant
        return prefix + bytes.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
    }

    /// Whether `name` is exactly `test_` and 32 lower-case hex digits.
    static func isValid(_ name: String) -> Bool {
        let hex = name.utf8.dropFirst(prefix.utf8.count)
        return name.hasPrefix(prefix) && hex.count == 32 && hex.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// `name` backquoted for DDL, after checking it against the pattern right before use.
    static func quoted(_ name: String) -> String {
        precondition(isValid(name), "refusing to interpolate \(String(reflecting: name)) into DDL")
        return "`\(name)`"
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
