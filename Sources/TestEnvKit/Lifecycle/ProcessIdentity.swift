import Foundation

/// Who owns a database: this machine's host name, the process id, and the process's start time,
/// so a reused process id is not mistaken for the owner.
struct ProcessIdentity: Sendable, Hashable {
    let host: String
    let pid: Int32
    /// Clock ticks since boot at which the process started (field 22 of `/proc/<pid>/stat`); 0 where unknown.
    let startTicks: Int64

    static let current = ProcessIdentity(
        host: ProcessInfo.processInfo.hostName, pid: ProcessInfo.processInfo.processIdentifier,
        startTicks: startTicks(of: ProcessInfo.processInfo.processIdentifier) ?? 0)

    /// Whether the process that owned a database is still running on this host.
    static func isAlive(pid: Int32, startTicks: Int64) -> Bool {
        guard let ticks = Self.startTicks(of: pid) else { return false }
        return startTicks == 0 || ticks == startTicks
    }

    /// The start time of process `pid`, or nil when no such process exists.
    static func startTicks(of pid: Int32) -> Int64? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return nil }
        // The command name (field 2) is parenthesized and may hold spaces: count fields after its ")".
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 19 ? Int64(fields[19]) : nil
    }
}
