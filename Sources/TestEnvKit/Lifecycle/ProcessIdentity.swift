import Foundation

/// Who owns a database: this machine's host name, the process id, and the process's start time,
/// so a reused process id is not mistaken for the owner.
struct ProcessIdentity: Sendable, Hashable {
    let host: String
    let pid: Int32
    /// Clock ticks since boot at which the process started (field 22 of `/proc/<pid>/stat`); 0 where unknown.
    let startTicks: Int64

    /// The host name plus the PID namespace, so containers that share a host name but not their
    /// process ids never judge each other's processes.
    static let current = ProcessIdentity(
        host: ProcessInfo.processInfo.hostName + (pidNamespace.map { "#\($0)" } ?? ""), pid: ProcessInfo.processInfo.processIdentifier,
        startTicks: startTicks(of: ProcessInfo.processInfo.processIdentifier) ?? 0)

    /// Whether the process that owned a database is still running on this host; nil where this
    /// cannot be told (no `/proc`, as on macOS), and the owner's lease must decide.
    static func isAlive(pid: Int32, startTicks: Int64) -> Bool? {
        guard FileManager.default.fileExists(atPath: "/proc/self/stat"), startTicks != 0 else { return nil }
        // A zombie (exited, not yet reaped by its parent) or a dying process holds nothing any more.
        if let state = Self.state(of: pid), state == "Z" || state == "X" { return false }
        guard let ticks = Self.startTicks(of: pid) else {
            // Unreadable is not gone: /proc mounted with hidepid hides other users' processes.
            return kill(pid, 0) == 0 || errno == EPERM ? nil : false
        }
        return ticks == startTicks
    }

    /// `/proc/self/ns/pid` names the PID namespace, for example `pid:[4026531836]`.
    private static var pidNamespace: String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/pid")
    }

    /// The start time of process `pid`, or nil when no such process exists.
    static func startTicks(of pid: Int32) -> Int64? {
        guard let fields = statFields(of: pid), fields.count > 19 else { return nil }
        return Int64(fields[19])
    }

    /// The state letter of process `pid` (`R`, `S`, `Z` for a zombie, …), or nil when no such process exists.
    static func state(of pid: Int32) -> String? {
        statFields(of: pid)?.first.map(String.init)
    }

    /// The fields of `/proc/<pid>/stat` from the third (the state) on.
    private static func statFields(of pid: Int32) -> [Substring]? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return nil }
        // The command name (field 2) is parenthesized and may hold spaces: count fields after its ")".
        guard let close = stat.lastIndex(of: ")") else { return nil }
        return stat[stat.index(after: close)...].split(separator: " ")
    }
}
