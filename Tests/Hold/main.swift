// A test helper: creates N isolated environments with the TEST_DB_* configuration, prints their
// names and "ready", then waits to be killed. The crash-cleanup tests SIGKILL it.
// With --release-and-exit it gives the environments back instead, prints every database it
// created (pooled ones included) and "ready", and exits normally, for the exit-handler tests.
// With --tag NAME its schema is one table named after NAME, so tests of parking get a schema of their own.
import Foundation
import TestEnvKit

let arguments = CommandLine.arguments.dropFirst()
let count = arguments.first.flatMap(Int.init) ?? 1
let releaseAndExit = arguments.contains("--release-and-exit")
let tag = arguments.firstIndex(of: "--tag").flatMap {
    arguments.index(after: $0) < arguments.endIndex ? arguments[arguments.index(after: $0)] : nil
}
let schema =
    tag.map { Schema(mysql: [.text("CREATE TABLE tag_\($0.filter { $0.isLetter || $0.isNumber }) (id INT)", name: "tag.sql")]) } ?? Schema()
let manager = try TestEnvironmentManager.shared()
var environments: [IsolatedEnvironment] = []
for _ in 0..<count {
    environments.append(try await manager.createIsolatedEnvironment(schema: schema))
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
