import Foundation
import Synchronization
import TestEnvMySQL

/// The ready MySQL databases of one schema fingerprint, and what is known about them.
///
/// Kept by ``TestEnvironmentManager``, which changes it only on its own actor. The pool's target
/// size starts at one ready database and grows by one each time a test finds none ready, up to
/// ``TestEnvConfiguration/poolSize``: it follows how many tests ask at the same time.
struct DatabasePool {
    let schema: Schema
    /// The profile of a fresh database; taken from the first one built, which then becomes the
    /// template (when the schema ships reference rows) or the first ready database.
    var profile: Task<DatabaseProfile, any Error>?
    /// Databases reset and ready to hand out.
    var ready: [String] = []
    /// How many ready databases the filler aims for.
    var target = 1
    /// Databases the filler is building now.
    var building = 0
    /// Databases being reset after their test, soon ready again.
    var recycling = 0
    /// Acquires waiting for a database being reset or built, first come first served.
    var waiters: [(id: UUID, continuation: CheckedContinuation<String?, Never>)] = []
    /// How many ready databases are on their way: the filler builds only beyond these.
    var expected: Int { ready.count + building + recycling }
    /// Transaction mode: the database the pool's tests share.
    var shared: Task<String, any Error>?
    /// The name ``shared`` resolved to.
    var sharedName: String?
    /// Shared databases a test committed in; dropped at shutdown.
    var retired: [String] = []
    /// The database holding the schema's reference rows, when it has any.
    var template: String?
    /// Per database, the rows the server had counted as changed when it was last made ready;
    /// its next reset finds the reference tables its test wrote by them (see ``ChangeCounts``).
    var changeCounts: [String: ChangeCounts] = [:]

    init(schema: Schema) { self.schema = schema }

    /// The databases the pool holds besides those tests use now: what shutdown drops.
    var held: [String] { ready + retired + [template, sharedName].compactMap { $0 } }
}

/// The pooled databases of every manager in the process, dropped by an exit handler, so a test run
/// that ends normally leaves nothing behind even when nobody calls ``TestEnvironmentManager/shutdown()``.
/// A crash leaves them to the next run's reaper, which finds them by their tracking records.
enum PoolExitSweep {
    private static let held = Mutex<[MySQLConfiguration: Set<String>]>([:])
    private static let installed: Bool = {
        atexit { PoolExitSweep.run() }
        return true
    }()

    static func hold(_ name: String, on server: MySQLConfiguration) {
        _ = installed
        _ = held.withLock { $0[server, default: []].insert(name) }
    }

    static func release(_ name: String, on server: MySQLConfiguration) {
        held.withLock { held in _ = held[server]?.remove(name) }
    }

    /// Whether `name` is held for the exit handler (for tests).
    static func isHeld(_ name: String) -> Bool {
        held.withLock { $0.values.contains { $0.contains(name) } }
    }

    /// Set when the exit handler starts, so pool builds still running stop before `CREATE DATABASE`.
    static let isExiting = Atomic(false)

    private static func run() {
        isExiting.store(true, ordering: .sequentiallyConsistent)
        let work = held.withLock { held in
            defer { held = [:] }
            return held
        }
        for (server, names) in work where !names.isEmpty {
            let valid = names.filter(DatabaseName.isValid).sorted()
            let drops = valid.map { "DROP DATABASE IF EXISTS \(DatabaseName.quoted($0))" }
            let list = valid.map { "'\($0)'" }.joined(separator: ", ")
            let unregister = "DELETE FROM \(DatabaseRegistry.table) WHERE db_name IN (\(list))"
            if let failure = MySQLConnection.runBlocking(server, script: (drops + [unregister]).joined(separator: ";\n")) {
                RunRecorder.pooledNotDropped(valid)
                let message =
                    "TestEnvKit could not drop \(valid.count) pooled databases at exit (\(failure)); the next run's reaper removes them.\n"
                FileHandle.standardError.write(Data(message.utf8))
            }
        }
    }
}
