import Dispatch

/// A serial executor that runs an actor's jobs on a private serial dispatch queue.
///
/// Database connections are actors on one of these, so every blocking libmariadb or sqlite3 call
/// runs on a dispatch thread the package owns and never on Swift's cooperative pool: on a 2-core
/// machine, one blocked cooperative thread would stall half of all running tests. Serial queues
/// target dispatch's overcommitting global queue, which adds threads when queues block.
///
/// ```swift
/// actor Connection {
///     private let executor = DispatchQueueExecutor(label: "db")
///     nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
/// }
/// ```
public final class DispatchQueueExecutor: SerialExecutor {
    private let queue: DispatchQueue

    /// Creates an executor over a new serial queue named `label`.
    public init(label: String) {
        queue = DispatchQueue(label: label)
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async {
            job.runSynchronously(on: self.asUnownedSerialExecutor())
        }
    }

    public func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }
}
