import Foundation
import Synchronization
import TestEnvCore

/// What a ``TestEnvironmentManager`` did so far: environments created and removed, retries, and
/// errors by kind, for a test run to print.
///
/// ```swift
/// print(await manager.statistics)   // "12 environments created (0 by fallback), 12 removed, 0 retries; errors: none"
/// ```
public struct EnvironmentStatistics: Sendable, Hashable, CustomStringConvertible {
    /// Environments handed out.
    public internal(set) var created = 0
    /// Environments handed out on SQLite because MySQL was unreachable.
    public internal(set) var createdByFallback = 0
    /// Environments removed (or, from a pool, given back).
    public internal(set) var removed = 0
    /// Environments handed out from a pool's ready databases (or, in transaction mode, the shared one).
    public internal(set) var reused = 0
    /// Pooled databases reset after a test and made ready again.
    public internal(set) var recycled = 0
    /// Pooled databases dropped instead of reused: the test changed the schema, or the reset found them unfit.
    public internal(set) var discarded = 0
    /// Databases built for pools (the pool builds one only when none is ready or being reset, up to its bound).
    public internal(set) var built = 0
    /// Ready databases a previous process parked at exit, claimed by pools instead of building.
    public internal(set) var claimed = 0
    /// Environments of failed tests kept for inspection.
    public internal(set) var kept = 0
    /// Creation attempts repeated after a retryable error.
    public internal(set) var retries = 0
    /// Errors seen, by kind (a `DatabaseErrorKind` name or a ``TestEnvError/Code`` name).
    public internal(set) var errorsByKind: [String: Int] = [:]

    mutating func record(_ error: any Error) {
        let kind: String
        if let error = error as? TestEnvError {
            kind = error.driverErrorKind?.name ?? error.code.name
        } else if let error = error as? any DatabaseDriverError {
            kind = error.kind.name
        } else {
            kind = String(describing: type(of: error))
        }
        errorsByKind[kind, default: 0] += 1
    }

    public var description: String {
        let errors =
            errorsByKind.isEmpty ? "none" : errorsByKind.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        return
            "\(created) environments created (\(createdByFallback) by fallback, \(reused) from a pool), \(removed) removed, \(built) built and \(claimed) claimed for pools, \(recycled) recycled, \(discarded) discarded, \(kept) kept, \(retries) retries; errors: \(errors)"
    }
}

/// A manager's ``EnvironmentStatistics``, shared with its providers, which count what they do.
/// Every change goes to the process's run report too.
final class StatisticsRecorder: Sendable {
    private let current = Mutex(EnvironmentStatistics())
    private let reportID = UUID()

    var snapshot: EnvironmentStatistics { current.withLock { $0 } }

    func update(_ change: (inout EnvironmentStatistics) -> Void) {
        let statistics = current.withLock { statistics in
            change(&statistics)
            return statistics
        }
        RunRecorder.update(reportID, statistics)
    }

    func record(_ error: any Error) {
        update { $0.record(error) }
    }
}
