import Foundation

/// A cap on the MySQL environments (one connection each) a manager holds at once. Requests beyond
/// it wait in order, each for at most a timeout, instead of failing with "too many connections".
actor ConnectionBudget {
    /// The most environments held at once.
    nonisolated let limit: Int
    private var inUse = 0
    private var waiting: [(id: UUID, continuation: CheckedContinuation<Void, any Error>)] = []

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Takes a place, waiting in order for one to be released; fails after `timeout`.
    ///
    /// - Throws: ``TestEnvError/Code/connectionBudgetExhausted`` when no place came free in time.
    func acquire(timeout: Duration) async throws {
        if inUse < limit, waiting.isEmpty {
            inUse += 1
            return
        }
        let id = UUID()
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            await self?.expire(id, after: timeout)
        }
        defer { timer.cancel() }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                waiting.append((id, continuation))
            }
        } onCancel: {
            Task { await self.cancel(id) }
        }
    }

    /// Takes a place only if one is free and nobody waits: for background work that can skip a turn.
    func tryAcquire() -> Bool {
        guard inUse < limit, waiting.isEmpty else { return false }
        inUse += 1
        return true
    }

    /// A cancelled waiter leaves the queue at once, instead of taking a place nobody will use.
    private func cancel(_ id: UUID) {
        guard let index = waiting.firstIndex(where: { $0.id == id }) else { return }
        waiting.remove(at: index).continuation.resume(throwing: CancellationError())
    }

    /// Gives a place back: to the longest waiter, or to the pool.
    func release() {
        if waiting.isEmpty {
            inUse = max(0, inUse - 1)
        } else {
            waiting.removeFirst().continuation.resume()  // the place passes on; inUse stays
        }
    }

    private func expire(_ id: UUID, after timeout: Duration) {
        guard let index = waiting.firstIndex(where: { $0.id == id }) else { return }
        waiting.remove(at: index).continuation.resume(
            throwing: TestEnvError(
                .connectionBudgetExhausted,
                "waited \(timeout) for one of the \(limit) MySQL environments this process may hold at once; tests hold them too long, "
                    + "or the cap is too low: raise TestEnvConfiguration.maxConcurrentEnvironments or connectionShare, or max_connections on the server."
            ))
    }
}
