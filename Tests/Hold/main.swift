// A test helper: creates N isolated environments with the TEST_DB_* configuration, prints their
// names and "ready", then waits to be killed. The crash-cleanup tests SIGKILL it.
// With --release-and-exit it gives the environments back instead, prints every database it
// created (pooled ones included) and "ready", and exits normally, for the exit-handler test.
import Foundation
import TestEnvKit

let count = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 1
let releaseAndExit = CommandLine.arguments.contains("--release-and-exit")
let manager = try TestEnvironmentManager.shared()
var environments: [IsolatedEnvironment] = []
for _ in 0..<count {
    environments.append(try await manager.createIsolatedEnvironment())
}
if releaseAndExit {
    try await manager.cleanupAll()
    await manager.waitForBackgroundWork()
    let report = await manager.createdDatabases.sorted().joined(separator: "\n") + "\nready\n"
    FileHandle.standardOutput.write(Data(report.utf8))
    exit(0)
}
let report = environments.map(\.databaseName).joined(separator: "\n") + "\nready\n"
FileHandle.standardOutput.write(Data(report.utf8))  // unbuffered: the parent reads it at once
while true { try await Task.sleep(for: .seconds(3600)) }
