import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Every call that differs between Linux and macOS, in one place: file times, process identity
/// and state, and a free loopback port. Nothing else in the package imports Glibc or Darwin.
@_spi(TestEnvPlatform) public enum Platform {
    /// A process's state, as far as owning test databases goes.
    public enum ProcessState: Sendable, Equatable {
        /// It runs (or sleeps, or is stopped): it may still use its databases.
        case running
        /// It exited and its parent has not waited for it yet: it holds nothing any more.
        case zombie
        /// No such process.
        case gone
        /// It cannot be told (another user's process hidden from us).
        case unknown
    }

    /// A file's size and modification time (seconds and nanoseconds); nil when it cannot be read.
    public static func stamp(of path: String) -> (size: Int, seconds: Int, nanoseconds: Int)? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        #if canImport(Darwin)
            let time = status.st_mtimespec
        #else
            let time = status.st_mtim
        #endif
        return (Int(status.st_size), Int(time.tv_sec), Int(time.tv_nsec))
    }

    /// When process `pid` started, in a unit fixed per platform (Linux: clock ticks since boot;
    /// macOS: microseconds since 1970), so a reused process id is not mistaken for the owner; nil
    /// when no such process exists or it cannot be told.
    public static func startTime(of pid: Int32) -> Int64? {
        process(pid).startTime
    }

    /// Whether process `pid` runs, exited without being waited for, or is gone.
    public static func state(of pid: Int32) -> ProcessState {
        process(pid).state
    }

    /// Process `pid`'s state and start time, from one read of what the kernel says of it.
    public static func process(_ pid: Int32) -> (state: ProcessState, startTime: Int64?) {
        #if os(Linux)
            if let fields = statFields(of: pid), let state = fields.first {
                return (state == "Z" || state == "X" ? .zombie : .running, fields.count > 19 ? Int64(fields[19]) : nil)
            }
        #elseif canImport(Darwin)
            if let info = kernelInfo(of: pid) {
                let start = info.kp_proc.p_un.__p_starttime
                return (info.kp_proc.p_stat == SZOMB ? .zombie : .running, Int64(start.tv_sec) * 1_000_000 + Int64(start.tv_usec))
            }
        #endif
        if kill(pid, 0) == 0 { return (.running, nil) }
        return (errno == EPERM ? .unknown : .gone, nil)
    }

    /// Whether processes of this platform can be judged by ``startTime(of:)`` and ``state(of:)``.
    public static var tellsProcesses: Bool {
        #if os(Linux)
            FileManager.default.fileExists(atPath: "/proc/self/stat")
        #elseif canImport(Darwin)
            true
        #else
            false
        #endif
    }

    /// The PID namespace of this process (Linux: `pid:[4026531836]`), so containers that share a
    /// host name but not their process ids never judge each other's processes; nil elsewhere.
    public static var pidNamespace: String? {
        #if os(Linux)
            try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/pid")
        #else
            nil
        #endif
    }

    /// A TCP port the kernel says is free on 127.0.0.1 right now.
    public static func freeLoopbackPort() -> Int? {
        #if canImport(Darwin)
            let fd = socket(AF_INET, SOCK_STREAM, 0)
        #else
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #endif
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        return bound ? Int(UInt16(bigEndian: address.sin_port)) : nil
    }

    #if os(Linux)
        /// The fields of `/proc/<pid>/stat` from the third (the state) on.
        private static func statFields(of pid: Int32) -> [Substring]? {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return nil }
            // The command name (field 2) is parenthesized and may hold spaces: count fields after its ")".
            guard let close = stat.lastIndex(of: ")") else { return nil }
            return stat[stat.index(after: close)...].split(separator: " ")
        }
    #elseif canImport(Darwin)
        /// The kernel's record of process `pid` (`sysctl` `KERN_PROC_PID`), or nil when there is none.
        private static func kernelInfo(of pid: Int32) -> kinfo_proc? {
            var info = kinfo_proc()
            var size = MemoryLayout<kinfo_proc>.stride
            var name: [Int32] = [CTL_KERN, KERN_PROC, KERN_PROC_PID, pid]
            guard sysctl(&name, UInt32(name.count), &info, &size, nil, 0) == 0, size > 0 else { return nil }
            return info
        }
    #endif
}
