import Foundation

/// The bound on environments one manager keeps alive at once. Requests beyond it wait in order
/// and get a place as soon as a test gives one back — so a suite that starts every test at once
/// runs them a few at a time on a few databases instead of building hundreds together.
///
/// Two exceptions keep a test that needs more than one environment from waiting for itself:
/// - a request made inside an environment's scope (the body of ``withIsolatedEnvironment(schema:manager:isolation:_:)``,
///   a test with the `.isolatedDatabase` trait) is admitted at once, beyond the bound;
/// - a waiter that sees no place given back for ``stallWindow`` is admitted beyond the bound, for
///   code that holds several environments from bare ``TestEnvironmentManager/createIsolatedEnvironment(schema:)`` calls.
actor Admission {
    /// Set while a test's body runs with an environment: its further requests skip the queue.
    @TaskLocal static var holdsEnvironment = false

    /// How long waiters wait with no place given back before one is admitted beyond the bound.
    static let stallWindow: Duration = .milliseconds(250)

    /// The most environments held at once within the bound.
    nonisolated let limit: Int
    private var inUse = 0
    private var released = 0
    private let waiters = WaitQueue<Bool>()
    private var waitingCount = 0

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Environments held now (beyond the bound included).
    var held: Int { inUse }

    /// Takes a place, waiting in order for one to be given back; fails after `timeout`. Returns
    /// true when the place is beyond the bound (the caller holds an environment already, or waited
    /// through a stall): then it must not wait for a database either.
    ///
    /// - Throws: ``TestEnvError/Code/connectionBudgetExhausted`` when no place came free in time.
    func enter(timeout: Duration) async throws -> Bool {
        if Self.holdsEnvironment {
            inUse += 1
            return true
        }
        if inUse < limit && waitingCount == 0 {
            inUse += 1
            return false
        }
        let id = UUID()
        let watcher = Task { [weak self, released] in
            var seen = released
            let deadline = ContinuousClock.now + timeout
            while true {
                let wake = min(deadline, ContinuousClock.now + Self.stallWindow)
                try? await Task.sleep(until: wake)
                guard !Task.isCancelled, let self else { return }
                if ContinuousClock.now >= deadline { return await self.expire(id, after: timeout) }
                guard let now = await self.releasedIfWaiting() else { return }
                if now == seen { return await self.admitBeyondLimit(id) }
                seen = now
            }
        }
        defer { watcher.cancel() }
        waitingCount += 1
        defer { waitingCount -= 1 }
        return try await waiters.wait(id: id)
    }

    /// Gives a place back: to the longest waiter, unless the places held are beyond the bound.
    func leave() {
        released += 1
        if inUse > limit || !waiters.resumeFirst(with: false) {
            inUse = max(0, inUse - 1)
        }
    }

    /// How many places were given back so far, while anyone waits; nil once nobody does.
    private func releasedIfWaiting() -> Int? {
        waitingCount > 0 ? released : nil
    }

    private func admitBeyondLimit(_ id: UUID) {
        if waiters.resume(id, with: true) { inUse += 1 }
    }

    private func expire(_ id: UUID, after timeout: Duration) {
        waiters.fail(
            id,
            with: TestEnvError(
                .connectionBudgetExhausted,
                "waited \(timeout) for one of the \(limit) environments this process may hold at once; tests hold them too long, "
                    + "or the bound is too low: raise TEST_DB_MAX_ENVIRONMENTS (TestEnvConfiguration.maxConcurrentEnvironments), or max_connections on the server."
            ))
    }
}
