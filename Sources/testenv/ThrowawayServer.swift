import Foundation
@_spi(TestEnvPlatform) import TestEnvKit

/// A private `mariadbd`: its own data directory, socket, loopback port and random root password.
/// Its settings live in `server.json` (and `env.sh`) in its directory.
struct ThrowawayServer: Codable {
    let directory: String
    let port: Int
    let socket: String
    let password: String
    let pid: Int32
    let version: String

    /// The `export` lines a shell evaluates to point tests at this server.
    var exports: String {
        [
            ("TEST_DB_HOST", "127.0.0.1"), ("TEST_DB_PORT", String(port)), ("TEST_DB_USER", "root"), ("TEST_DB_PASSWORD", password),
            ("TEST_DB_SOCKET", socket), ("TESTENV_SERVER_DIR", directory),
        ].map { "export \($0.0)='\($0.1)'" }.joined(separator: "\n")
    }

    enum CodingKeys: String, CodingKey {
        case directory, port, socket, password, pid, version
    }

    /// The directories of the servers started here, one per line (stopped ones are pruned when read).
    private static let startedList =
        (ProcessInfo.processInfo.environment["XDG_RUNTIME_DIR"] ?? NSTemporaryDirectory()) + "/testenv-servers.started"

    static func start(port: Int?, datadir: String, maxConnections: Int, stock: Bool) async throws -> ThrowawayServer {
        let mariadbd = try tool("mariadbd")
        let installDB = try tool("mariadb-install-db")
        let directory = try makeDirectory(datadir, stock: stock)
        do {
            // The server's own configuration from the start: above all its own tmpdir, since a starting
            // mariadbd deletes every #sql* file in its tmpdir — another server's temporary tables in a shared /tmp.
            try config(directory: directory, port: port ?? 0, maxConnections: maxConnections, stock: stock)
                .write(toFile: "\(directory)/my.cnf", atomically: true, encoding: .utf8)
            let install = try await run(
                installDB, ["--defaults-file=\(directory)/my.cnf", "--auth-root-authentication-method=normal", "--skip-test-db"])
            guard install.status == 0 else { throw ServerError("mariadb-install-db failed:\n\(install.output)") }
            for attempt in 1...3 {
                let chosen = try port ?? freePort()
                try config(directory: directory, port: chosen, maxConnections: maxConnections, stock: stock)
                    .write(toFile: "\(directory)/my.cnf", atomically: true, encoding: .utf8)
                let pid = try launch(mariadbd, ["--defaults-file=\(directory)/my.cnf"], log: "\(directory)/error.log")
                if let version = await waitUntilAnswering(socket: "\(directory)/mariadb.sock", pid: pid) {
                    let server = try await secure(directory: directory, port: chosen, pid: pid, version: version)
                    try server.save()
                    return server
                }
                kill(pid, SIGKILL)
                if attempt == 3 || port != nil {
                    let log = (try? String(contentsOfFile: "\(directory)/error.log", encoding: .utf8)) ?? ""
                    throw ServerError(
                        "mariadbd did not start; the end of its log:\n\(log.split(separator: "\n").suffix(15).joined(separator: "\n"))")
                }
            }
            throw ServerError("mariadbd did not start")
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
    }

    /// The server in `directory`, in TESTENV_SERVER_DIR, or the one server started here that still
    /// runs. With several running it does not guess: the error lists them and says how to choose.
    static func find(_ directory: String?) throws -> ThrowawayServer {
        // An explicit --dir must be right; the variable may point at a server stopped since.
        if let directory = directory ?? ProcessInfo.processInfo.environment["TESTENV_SERVER_DIR"].flatMap({ $0.isEmpty ? nil : $0 }) {
            guard let server = load(directory) else {
                throw ServerError("no server found in \(directory): pass --dir of a running one, or start one with testenv server start")
            }
            return server
        }
        let running = startedServers()
        guard running.count <= 1 else {
            throw ServerError(
                "\(running.count) testenv servers are running: \(running.map(\.directory).joined(separator: ", ")); "
                    + "choose one with --dir DIR or TESTENV_SERVER_DIR=DIR (each server's directory is in the TESTENV_SERVER_DIR its start printed)"
            )
        }
        guard let server = running.first else {
            throw ServerError("no server found: pass --dir, set TESTENV_SERVER_DIR, or start one with testenv server start")
        }
        return server
    }

    /// The servers started here whose process still runs; the list keeps only those.
    private static func startedServers() -> [ThrowawayServer] {
        let lines = ((try? String(contentsOfFile: startedList, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        let running = lines.compactMap(load).filter { kill($0.pid, 0) == 0 }
        try? (running.map(\.directory).joined(separator: "\n") + "\n").write(toFile: startedList, atomically: true, encoding: .utf8)
        return running
    }

    private static func load(_ directory: String) -> ThrowawayServer? {
        FileManager.default.contents(atPath: "\(directory)/server.json").flatMap {
            try? JSONDecoder().decode(ThrowawayServer.self, from: $0)
        }
    }

    /// Stops the server (SIGTERM: nothing here needs a clean shutdown; SIGKILL after ten seconds)
    /// and deletes its directory.
    func stop() async {
        if kill(pid, 0) == 0 {
            kill(pid, SIGTERM)
            for _ in 0..<100 where kill(pid, 0) == 0 {
                try? await Task.sleep(for: .milliseconds(100))
            }
            kill(pid, SIGKILL)
        }
        try? FileManager.default.removeItem(atPath: directory)
        _ = Self.startedServers()  // prunes this one
    }

    func isAnswering() async -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        let settings = MySQLConfiguration(host: "127.0.0.1", port: port, user: "root", password: password, connectTimeout: .seconds(2))
        guard let connection = try? await MySQLConnection.connect(settings) else { return false }
        await connection.close()
        return true
    }

    // MARK: - Starting

    /// `name` from TESTENV_MARIADB_BIN_DIR when set (a MariaDB installed elsewhere), else from PATH and the sbin directories.
    private static func tool(_ name: String) throws -> String {
        let environment = ProcessInfo.processInfo.environment
        let path =
            environment["TESTENV_MARIADB_BIN_DIR"].map { [$0] }
            ?? (environment["PATH"] ?? "").split(separator: ":").map(String.init)
            // Debian keeps mariadbd in sbin; Homebrew in its bin (Apple silicon, then Intel).
            + ["/usr/sbin", "/usr/local/sbin", "/opt/homebrew/bin", "/opt/homebrew/sbin", "/usr/local/bin"]
        if let found = path.map({ "\($0)/\(name)" }).first(where: { FileManager.default.isExecutableFile(atPath: $0) }) { return found }
        throw ServerError(
            "\(name) was not found. It comes with the MariaDB server: on Debian or Ubuntu run `sudo apt-get install -y mariadb-server`, "
                + "on Fedora `sudo dnf install -y mariadb-server`, on macOS `brew install mariadb`.")
    }

    private static func makeDirectory(_ datadir: String, stock: Bool) throws -> String {
        let base: String
        if datadir == "tmpfs" {
            let shm = "/dev/shm"
            base = !stock && FileManager.default.isWritableFile(atPath: shm) ? shm : NSTemporaryDirectory()
        } else {
            base = datadir
            try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        }
        let directory = (base as NSString).appendingPathComponent("testenv-mariadb.\(UUID().uuidString.prefix(8).lowercased())")
        try FileManager.default.createDirectory(atPath: "\(directory)/data", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: "\(directory)/tmp", withIntermediateDirectories: true)
        return directory
    }

    private static func config(directory: String, port: Int, maxConnections: Int, stock: Bool) -> String {
        var lines = [
            "[mariadbd]", "datadir=\(directory)/data", "socket=\(directory)/mariadb.sock", "pid-file=\(directory)/mariadb.pid",
            "log-error=\(directory)/error.log", "tmpdir=\(directory)/tmp", "port=\(port)", "bind-address=127.0.0.1", "skip-name-resolve",
            "user=\(NSUserName())",
            "character-set-server=utf8mb4", "collation-server=utf8mb4_unicode_ci", "max_connections=\(maxConnections)",
            "max_allowed_packet=256M", "performance_schema=OFF", "skip-log-bin", "innodb_buffer_pool_size=256M", "innodb_log_file_size=64M",
        ]
        // Changed rows counted per table: recycling a pooled database then skips checksumming reference tables.
        lines.append("userstat=1")
        // Metadata locks per connection, so the reaper sees a test database used by qualified name (no USE).
        if FileManager.default.fileExists(atPath: "/usr/lib/mysql/plugin/metadata_lock_info.so") {
            lines.append("plugin-load-add=metadata_lock_info.so")
        }
        // Test data need not survive a crash: no fsync on commit, no doublewrite.
        if !stock { lines += ["innodb_flush_log_at_trx_commit=0", "innodb_doublewrite=0"] }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A port the kernel says is free on 127.0.0.1 right now.
    private static func freePort() throws -> Int {
        guard let port = Platform.freeLoopbackPort() else { throw ServerError("could not find a free port on 127.0.0.1") }
        return port
    }

    /// Starts `path` in the background, detached from our output, so it outlives this process and
    /// a shell's `$(…)` does not wait for it.
    private static func launch(_ path: String, _ arguments: [String], log: String) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process.processIdentifier
    }

    /// The server's version once it answers on its socket (root has no password yet), or nil when it died or took 30 s.
    private static func waitUntilAnswering(socket: String, pid: Int32) async -> String? {
        let settings = MySQLConfiguration(host: "localhost", user: "root", unixSocket: socket, connectTimeout: .seconds(1))
        for _ in 0..<300 {
            if let connection = try? await MySQLConnection.connect(settings) {
                let version = connection.serverVersion
                await connection.close()
                return "MariaDB \(version)"
            }
            guard kill(pid, 0) == 0 else { return nil }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return nil
    }

    /// Gives root a random password, on the socket and on 127.0.0.1.
    private static func secure(directory: String, port: Int, pid: Int32, version: String) async throws -> ThrowawayServer {
        let password = (0..<12).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        let socket = "\(directory)/mariadb.sock"
        let root = try await MySQLConnection.connect(MySQLConfiguration(host: "localhost", user: "root", unixSocket: socket))
        defer { Task { await root.close() } }
        try await root.executeScript(
            """
            ALTER USER 'root'@'localhost' IDENTIFIED BY '\(password)';
            CREATE USER IF NOT EXISTS 'root'@'127.0.0.1';
            ALTER USER 'root'@'127.0.0.1' IDENTIFIED BY '\(password)';
            GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
            FLUSH PRIVILEGES
            """)
        return ThrowawayServer(directory: directory, port: port, socket: socket, password: password, pid: pid, version: version)
    }

    private func save() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try encoder.encode(self).write(to: URL(fileURLWithPath: "\(directory)/server.json"))
        try (exports + "\n").write(toFile: "\(directory)/env.sh", atomically: true, encoding: .utf8)
        let started = Self.startedServers().map(\.directory).filter { $0 != directory } + [directory]
        try (started.joined(separator: "\n") + "\n").write(toFile: Self.startedList, atomically: true, encoding: .utf8)
    }

    /// Runs a command to its end on a dispatch thread, never blocking the cooperative pool.
    private static func run(_ path: String, _ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await runOffPool {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = arguments
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            try process.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: data, as: UTF8.self))
        }
    }
}

struct ServerError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
