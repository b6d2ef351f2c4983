import Foundation

/// The bound on environments one manager keeps alive at once. Requests beyond it wait in order
/// and get a place as soon as a test gives one back — so a suite that starts every test at once
/// runs them a few at a time on a few databases instead of building hundreds together.
///
/// Two exceptions keep a test that needs more than one environment from waiting for itself:
/// - a request made inside an environment's scope (the body of ``withIsolatedEnvironment(schema:mode:manager:function:fileID:line:isolation:_:)``,
///   a test with the `.isolatedDatabase` trait) is admitted at once, beyond the bound;
/// - when every place is held by a test that has its environment, none is given back for
///   ``stallWindow`` and requests wait, the longest waiter is admitted beyond the bound — one per
///   window —, for code that holds several environments from bare
///   ``TestEnvironmentManager/createIsolatedEnvironment(schema:mode:)`` calls. Places whose environment
///   is still being created do not count as stalled: a slow first build is not a deadlock.
actor Admission {
    /// Set while a test's body runs with an environment: its further requests skip the queue.
    @TaskLocal static var holdsEnvironment = false

    /// How long waiters wait with every place held and none given back before one is admitted beyond the bound.
    static let stallWindow: Duration = .milliseconds(250)

    /// The most environments held at once within the bound.
    nonisolated let limit: Int
    private var inUse = 0
    /// Places admitted whose environment is still being created.
    private var creating = 0
    /// Counts places given back, so the watchdog can tell whether anything moved.
    private var released = 0
    private let waiters = WaitQueue<Bool>()
    private var waiting: [UUID] = []
    private var watchdog: Task<Void, Never>?

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Takes a place, waiting in order for one to be given back; fails after `timeout`. Returns
    /// true when the place is beyond the bound (the caller holds an environment already, or waited
    /// through a stall): then it must not wait for a database either. Call ``created()`` when the
    /// environment exists (or its creation failed), and ``leave()`` when it is given back.
    ///
    /// - Throws: ``TestEnvError/Code/connectionBudgetExhausted`` when no place came free in time.
    func enter(timeout: Duration) async throws -> Bool {
        if Self.holdsEnvironment || (inUse < limit && waiting.isEmpty) {
            inUse += 1
            creating += 1
            return Self.holdsEnvironment
        }
        let id = UUID()
        waiting.append(id)
        startWatchdog()
        let timer = Task { [weak self] in
            // Cancelled when the wait ends: then nothing expires (and no hop back to this actor).
            guard (try? await Task.sleep(for: timeout)) != nil else { return }
            await self?.expire(id, after: timeout)
        }
        defer {
            timer.cancel()
            waiting.removeAll { $0 == id }
        }
        let beyondLimit = try await waiters.wait(id: id)
        creating += 1
        return beyondLimit
    }

    /// The environment of an admitted request exists, or its creation ended in an error.
    func created() {
        creating = max(0, creating - 1)
    }

    /// Gives a place back: to the longest waiter, unless the places held are beyond the bound.
    func leave() {
        released += 1
        if inUse <= limit, let first = waiting.first, waiters.resume(first, with: false) {
            waiting.removeFirst()
            return  // the place passes on; inUse stays
        }
        inUse = max(0, inUse - 1)
    }

    /// Runs while requests wait: admits the longest waiter beyond the bound when nothing moved for a window.
    private func startWatchdog() {
        guard watchdog == nil else { return }
        watchdog = Task { [weak self] in
            var seen = -1
            while !Task.isCancelled {
                try? await Task.sleep(for: Self.stallWindow)
                guard let self, let now = await self.checkStall(since: seen) else { return }
                seen = now
            }
        }
    }

    /// One watchdog round: nil when nobody waits any more (the watchdog ends); otherwise the release count now.
    private func checkStall(since seen: Int) -> Int? {
        guard let first = waiting.first else {
            watchdog = nil
            return nil
        }
        if released == seen, creating == 0, waiters.resume(first, with: true) {
            waiting.removeFirst()
            inUse += 1
        }
        return released
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
