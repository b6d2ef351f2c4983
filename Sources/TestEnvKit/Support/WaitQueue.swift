import Foundation
import Synchronization

/// Callers waiting in order for something another task hands out: a place under a bound, a
/// database. The owner decides on its actor whether a caller must wait and enqueues it there, in
/// the same step (``wait(id:isolation:)`` enqueues before it suspends), so nothing handed out in
/// between can be missed. A cancelled caller leaves the queue at once with `CancellationError`.
final class WaitQueue<Value: Sendable>: Sendable {
    private let waiters = Mutex<[(id: UUID, continuation: CheckedContinuation<Value, any Error>)]>([])

    /// How many callers wait.
    var count: Int { waiters.withLock { $0.count } }

    /// Suspends until ``resumeFirst(with:)`` or ``resume(_:with:)`` hands this caller a value, or
    /// ``fail(_:with:)`` an error. Enqueues on the caller's actor before suspending.
    func wait(id: UUID = UUID(), isolation: isolated (any Actor)? = #isolation) async throws -> Value {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Value, any Error>) in
                if Task.isCancelled {
                    continuation.resume(throwing: CancellationError())
                } else {
                    waiters.withLock { $0.append((id, continuation)) }
                }
            }
        } onCancel: {
            self.fail(id, with: CancellationError())
        }
    }

    /// Hands `value` to the longest waiter; false when nobody waits.
    @discardableResult
    func resumeFirst(with value: Value) -> Bool {
        guard let first = waiters.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) else { return false }
        first.continuation.resume(returning: value)
        return true
    }

    /// Hands `value` to the waiter `id`; false when it no longer waits.
    @discardableResult
    func resume(_ id: UUID, with value: Value) -> Bool {
        guard let waiter = remove(id) else { return false }
        waiter.resume(returning: value)
        return true
    }

    /// Ends the wait of `id` with `error`; false when it no longer waits.
    @discardableResult
    func fail(_ id: UUID, with error: any Error) -> Bool {
        guard let waiter = remove(id) else { return false }
        waiter.resume(throwing: error)
        return true
    }

    /// Ends every wait with `error`.
    func failAll(with error: any Error) {
        let all = waiters.withLock { waiters in
            defer { waiters = [] }
            return waiters
        }
        for waiter in all { waiter.continuation.resume(throwing: error) }
    }

    private func remove(_ id: UUID) -> CheckedContinuation<Value, any Error>? {
        waiters.withLock { waiters in
            guard let index = waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return waiters.remove(at: index).continuation
        }
    }
}
