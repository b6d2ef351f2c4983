import ArgumentParser
import Foundation
import TestEnvKit

/// `testenv server`: a throwaway MariaDB for tests, without Docker.
struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "Start, stop or inspect a private, throwaway MariaDB server for tests.",
        discussion: """
            eval "$(testenv server start)"   # exports TEST_DB_* and TESTENV_SERVER_DIR
            swift test
            testenv server stop
            """,
        subcommands: [Start.self, Stop.self, Status.self]
    )

    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start mariadbd with its own data directory, socket, loopback port and random root password.",
            discussion: """
                Prints `export` lines for TEST_DB_HOST, TEST_DB_PORT, TEST_DB_USER, TEST_DB_PASSWORD, TEST_DB_SOCKET and \
                TESTENV_SERVER_DIR (or one JSON object with --json). Durability is relaxed for tests (no fsync per \
                commit, no doublewrite) unless --stock. The system's my.cnf is never read.
                """
        )

        @Option(help: "The TCP port on 127.0.0.1: auto (a free one) or a number.")
        var port = "auto"

        @Option(help: "Where the data goes: tmpfs (/dev/shm, else the temporary directory) or a directory path.")
        var datadir = "tmpfs"

        @Option(help: "The server's max_connections.")
        var maxConnections = 500

        @Flag(help: "Keep MariaDB's durable defaults (fsync per commit, doublewrite), on disk: for benchmarks.")
        var stock = false

        @Flag(help: "Print one JSON object instead of export lines.")
        var json = false

        func run() async throws {
            let server = try await ThrowawayServer.start(
                port: port == "auto" ? nil : try Self.port(port), datadir: datadir, maxConnections: maxConnections, stock: stock)
            FileHandle.standardError.write(
                Data(
                    "testenv server: \(server.version) on 127.0.0.1:\(server.port), data in \(server.directory) (stop: testenv server stop)\n"
                        .utf8))
            print(json ? try sortedJSON(server) : server.exports)
        }

        private static func port(_ text: String) throws -> Int {
            guard let port = Int(text), (1...65535).contains(port) else {
                throw ValidationError("--port must be auto or 1–65535, not \(text)")
            }
            return port
        }
    }

    struct Stop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop the server and delete its directory.")

        @Option(
            help: "The server's directory (default: TESTENV_SERVER_DIR, else the one server started here that runs; with several, it asks)."
        )
        var dir: String?

        func run() async throws {
            let server = try ThrowawayServer.find(dir)
            await server.stop()
            FileHandle.standardError.write(Data("testenv server: stopped, \(server.directory) removed\n".utf8))
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Say whether the server runs, and where. Exit status 1 when it does not.")

        @Option(
            help: "The server's directory (default: TESTENV_SERVER_DIR, else the one server started here that runs; with several, it asks)."
        )
        var dir: String?

        @Flag(help: "Print one JSON object.")
        var json = false

        func run() async throws {
            let server = try ThrowawayServer.find(dir)
            let running = await server.isAnswering()
            if json {
                struct State: Encodable {
                    let running: Bool
                    let directory: String
                    let port: Int
                    let socket: String
                }
                print(try sortedJSON(State(running: running, directory: server.directory, port: server.port, socket: server.socket)))
            } else {
                print(
                    running
                        ? "running: \(server.version) on 127.0.0.1:\(server.port), socket \(server.socket)"
                        : "not running (\(server.directory))")
            }
            if !running { throw ExitCode(1) }
        }
    }
}
