// The stress helper: runs N environment lifecycles, at most C at a time, against the configured
// server — create, write three rows, check that only its own rows are there, remove — and prints
// one summary line. scripts/stress.sh runs four of these at once against a server with few connections.
import Foundation
import TestEnvKit

let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let total = arguments.first ?? 50
let concurrency = arguments.dropFirst().first ?? 10
let manager = try TestEnvironmentManager.shared()
let schema = Schema(
    mysql: [.text("CREATE TABLE marks (id INT AUTO_INCREMENT PRIMARY KEY, owner INT NOT NULL)", name: "stress.sql")],
    sqlite: [.text("CREATE TABLE marks (id INTEGER PRIMARY KEY, owner INTEGER NOT NULL)", name: "stress.sql")])

/// One lifecycle; returns nil on success, or what went wrong.
@Sendable func lifecycle(_ index: Int) async -> String? {
    do {
        return try await withIsolatedEnvironment(schema: schema, manager: manager) { env in
            try await env.connection.batchInsert(
                into: "marks", columns: ["owner"], rows: [[.integer(Int64(index))], [.integer(Int64(index))], [.integer(Int64(index))]])
            try await Task.sleep(for: .milliseconds(100))  // hold the connection, as a real test would
            let owners = try await env.connection.all("SELECT owner FROM marks", []).map { try $0.decode(Int.self, 0) }
            return owners == [index, index, index] ? nil : "environment \(index) saw rows \(owners)"
        }
    } catch {
        return "environment \(index): \(error)"
    }
}

var failures: [String] = []
await withTaskGroup(of: String?.self) { group in
    var next = 0
    while next < min(concurrency, total) {
        let index = next
        group.addTask { await lifecycle(index) }
        next += 1
    }
    while let result = await group.next() {
        if let result { failures.append(result) }
        if next < total {
            let index = next
            group.addTask { await lifecycle(index) }
            next += 1
        }
    }
}
let statistics = await manager.statistics
print("stress process \(ProcessInfo.processInfo.processIdentifier): \(total - failures.count) of \(total) lifecycles passed; \(statistics)")
for failure in failures.prefix(5) { print("  failed: \(failure)") }
exit(failures.isEmpty ? 0 : 1)
