import Foundation

/// Who owns a database: this machine's host name, the process id, and the process's start time,
/// so a reused process id is not mistaken for the owner.
struct ProcessIdentity: Sendable, Hashable {
    let host: String
    let pid: Int32
    /// When the process started (``Platform/startTime(of:)``: Linux clock ticks since boot, macOS
    /// microseconds since 1970); 0 where unknown.
    let startTicks: Int64

    /// The host name plus the PID namespace, so containers that share a host name but not their
    /// process ids never judge each other's processes.
    static let current = ProcessIdentity(
        host: ProcessInfo.processInfo.hostName + (Platform.pidNamespace.map { "#\($0)" } ?? ""),
        pid: ProcessInfo.processInfo.processIdentifier,
        startTicks: Platform.startTime(of: ProcessInfo.processInfo.processIdentifier) ?? 0)

    /// Whether the process that owned a database is still running on this host; nil where this
    /// cannot be told, and the owner's lease must decide. An exited process its parent has not
    /// waited for yet (a zombie) is not running: it holds nothing any more.
    static func isAlive(pid: Int32, startTicks: Int64) -> Bool? {
        guard Platform.tellsProcesses, startTicks != 0 else { return nil }
        let process = Platform.process(pid)
        switch process.state {
        case .zombie, .gone: return false
        case .unknown: return nil  // unreadable is not gone: /proc with hidepid hides other users' processes
        case .running:
            guard let started = process.startTime else { return nil }
            return started == startTicks
        }
    }
}
