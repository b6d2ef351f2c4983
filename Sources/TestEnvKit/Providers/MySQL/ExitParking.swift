import Foundation
import Synchronization
import TestEnvMySQL

/// What happens to the pooled MySQL databases of every manager in the process when it exits
/// normally — even when nobody calls ``TestEnvironmentManager/shutdown()``:
///
/// - ready databases (and templates) are **parked**: their tracking record says `parked`, with the
///   schema's fingerprint, the library version and a time to live, and the next process with the
///   same fingerprint claims them instead of building (see ``DatabaseRegistry/claimParked(fingerprint:template:_:)``);
///   with parking off (``TestEnvConfiguration/parkTimeToLive`` zero) they are dropped;
/// - databases being reset are waited for (briefly), then parked, or dropped if still busy;
/// - databases being built are left alone: dropping a database while its schema still loads can
///   leave a stray file the server cannot remove (`errno 39`); the next run's reaper removes them
///   once their owner, this process, is gone.
///
/// A crash leaves everything to the next run's reaper, which finds it by the tracking records.
enum ExitParking {
    enum Role: Equatable {
        case building
        case resetting
        /// `readyAt`: the ``ChangeBaseline`` clock of its last reset, kept with the record.
        case ready(fingerprint: String, readyAt: Int64?)
        case template(fingerprint: String)
        case disposable
    }

    private struct Server: Hashable {
        let settings: MySQLConfiguration
        let parkSeconds: Int64
    }

    private static let held = Mutex<[Server: [String: Role]]>([:])
    private static let installed: Bool = {
        atexit { ExitParking.run() }
        return true
    }()

    /// Set when the exit handler starts, so pool builds still running stop before `CREATE DATABASE`.
    static let isExiting = Atomic(false)

    /// Notes what to do with `name` at exit. `parkFor`: how long a parked database stays (0: drop instead).
    static func set(_ name: String, _ role: Role, on settings: MySQLConfiguration, parkFor: Duration) {
        _ = installed
        held.withLock { $0[Server(settings: settings, parkSeconds: parkFor.components.seconds), default: [:]][name] = role }
    }

    /// Forgets `name`: it is in a test's hands, or gone.
    static func forget(_ name: String) {
        held.withLock { held in
            for server in held.keys { held[server]?[name] = nil }
        }
    }

    private static func run() {
        isExiting.store(true, ordering: .sequentiallyConsistent)
        // Resets finish in milliseconds: give those under way a moment to end ready.
        let deadline = Date().addingTimeInterval(1)
        while Date() < deadline, held.withLock({ $0.values.contains { $0.values.contains(.resetting) } }) {
            usleep(5_000)
        }
        let work = held.withLock { held in
            defer { held = [:] }
            return held
        }
        for (server, roles) in work where !roles.isEmpty {
            let script = statements(for: roles, parkSeconds: server.parkSeconds)
            guard !script.isEmpty else { continue }
            if let failure = MySQLConnection.runBlocking(server.settings, script: script.joined(separator: ";\n")) {
                let dropped = roles.filter { $0.value != .building }.keys.sorted()
                RunRecorder.pooledNotDropped(dropped)
                let message =
                    "TestEnvKit could not park or drop \(dropped.count) pooled databases at exit (\(failure)); the next run's reaper removes them.\n"
                FileHandle.standardError.write(Data(message.utf8))
            }
        }
    }

    /// The statements that park or drop `roles`' databases; building ones are left to the reaper.
    static func statements(for roles: [String: Role], parkSeconds: Int64) -> [String] {
        var drops: [String] = []
        var parked: [(name: String, fingerprint: String, state: String, readyAt: Int64?)] = []
        for (name, role) in roles.sorted(by: { $0.key < $1.key }) where DatabaseName.isValid(name) {
            switch role {
            case .ready(let fingerprint, let readyAt) where parkSeconds > 0:
                parked.append((name, fingerprint, DatabaseRegistry.parkedState, readyAt))
            case .template(let fingerprint) where parkSeconds > 0:
                parked.append((name, fingerprint, DatabaseRegistry.parkedTemplateState, nil))
            case .building: continue
            default: drops.append(name)
            }
        }
        var script = drops.map { "DROP DATABASE IF EXISTS \(DatabaseName.quoted($0))" }
        if !drops.isEmpty {
            script.append("DELETE FROM \(DatabaseRegistry.table) WHERE db_name IN (\(drops.map { "'\($0)'" }.joined(separator: ", ")))")
        }
        for park in parked {
            // Names and fingerprints are checked hex, and the version is ours: nothing here comes from outside.
            script.append(
                "UPDATE \(DatabaseRegistry.table) SET state = '\(park.state)', library_version = '\(DatabaseRegistry.libraryVersion)', "
                    + "lease_until = NOW(6) + INTERVAL \(parkSeconds) SECOND, ready_at = \(park.readyAt.map(String.init) ?? "NULL") "
                    + "WHERE db_name = '\(park.name)' AND fingerprint = '\(park.fingerprint)'"
            )
        }
        return script
    }
}
