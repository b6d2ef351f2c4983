// A test helper: creates N isolated environments with the TEST_DB_* configuration, prints their
// names and "ready", then waits to be killed. The crash-cleanup tests SIGKILL it.
import Foundation
import TestEnvKit

let count = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 1
let manager = try TestEnvironmentManager.shared()
var environments: [IsolatedEnvironment] = []
for _ in 0..<count {
    environments.append(try await manager.createIsolatedEnvironment())
}
let report = environments.map(\.databaseName).joined(separator: "\n") + "\nready\n"
FileHandle.standardOutput.write(Data(report.utf8))  // unbuffered: the parent reads it at once
while true { try await Task.sleep(for: .seconds(3600)) }
