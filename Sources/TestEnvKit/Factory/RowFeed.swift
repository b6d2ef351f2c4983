import Dispatch
import Synchronization
import TestEnvCore

/// Rows handed from the task that builds them to the connection that inserts them, one statement's
/// worth at a time, so that building the next rows overlaps inserting the last ones (on MySQL the
/// server works meanwhile; on SQLite the connection's own thread).
///
/// The builder calls ``send(_:)`` per statement and then ``finish(throwing:)`` exactly once; the
/// connection's thread blocks in ``next()``, which is allowed there (it is not a thread of Swift's
/// cooperative pool), while the builder never waits for the connection.
final class RowFeed: Sendable {
    private let queue = Mutex<(items: [Result<[[DatabaseValue]], any Error>?], closed: Bool)>(([], false))
    private let available = DispatchSemaphore(value: 0)

    /// Hands over the rows of one statement; false once the connection stopped reading (it failed),
    /// so the builder can stop building.
    @discardableResult
    func send(_ rows: [[DatabaseValue]]) -> Bool {
        let open = queue.withLock { state in
            if !state.closed { state.items.append(.success(rows)) }
            return !state.closed
        }
        if open { available.signal() }
        return open
    }

    /// Ends the rows: nil says there are no more; an error makes ``next()`` throw it, so that the
    /// insert rolls back.
    func finish(throwing error: (any Error)? = nil) {
        queue.withLock { $0.items.append(error.map { .failure($0) }) }
        available.signal()
    }

    /// The next statement's rows, waiting for them; nil after the last.
    func next() throws -> [[DatabaseValue]]? {
        available.wait()
        return try queue.withLock { $0.items.removeFirst() }?.get()
    }

    /// Called by the connection when it stops reading, before the builder has finished.
    func close() {
        queue.withLock { $0.closed = true }
    }
}
