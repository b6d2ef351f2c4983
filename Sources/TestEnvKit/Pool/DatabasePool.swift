import Foundation

/// Ready databases of one schema, handed out one test at a time: ``PoolState``'s rules, driven
/// with the slow work — building, resetting, dropping — injected as ``Operations``, so the same
/// type serves MySQL and the unit tests that check its rules without a server.
///
/// Resets and drops run in the background, off the test's path; ``waitForBackgroundWork()`` and
/// ``drain()`` wait for them.
actor DatabasePool {
    /// The slow work, done by the backend's provider.
    struct Operations: Sendable {
        /// Makes a ready database: claims a parked one or builds a new one.
        var build: @Sendable () async throws -> String
        /// Brings a used database back to the fresh state; false when it cannot be reused.
        var reset: @Sendable (String) async -> Bool
        /// Drops a database for good.
        var drop: @Sendable (String) async -> Void
    }

    private var state: PoolState<String>
    private let operations: Operations
    private let waiters = WaitQueue<PoolState<String>.Grant>()
    private var background: [UUID: Task<Void, Never>] = [:]
    private var isDraining = false

    init(limit: Int, operations: Operations) {
        state = PoolState(limit: limit)
        self.operations = operations
    }

    /// Counts for status lines and tests: ready, in use, being built, being reset, waiting.
    var counts: (ready: Int, inUse: Int, building: Int, recycling: Int, waiting: Int) {
        (state.ready.count, state.inUse, state.building, state.recycling, state.waiting.count)
    }

    /// A database for one test: a ready one, one built for it (`isNew`), or the next one reset for it.
    /// `beyondLimit`: the caller holds another environment already (see ``PoolState``).
    ///
    /// - Throws: the build's error, `CancellationError`, or ``TestEnvError/Code/environmentCreationFailed`` after ``drain()``.
    func acquire(beyondLimit: Bool = false) async throws -> (database: String, isNew: Bool) {
        guard !isDraining else { throw Self.drained }
        let id = UUID()
        var grant = state.request(id, beyondLimit: beyondLimit)
        if grant == .wait {
            do {
                grant = try await waiters.wait(id: id)
            } catch {
                _ = state.cancel(id)  // a grant that came meanwhile found no waiter and went back (see apply)
                throw error
            }
        }
        switch grant {
        case .take(let database): return (database, false)
        case .wait: preconditionFailure("a waiter is resumed with a database or the word to build")
        case .build:
            do {
                let database = try await operations.build()
                state.built(database)
                return (database, true)
            } catch {
                apply(state.buildFailed())
                throw error
            }
        }
    }

    /// Takes back a database after its test; `reusable` is false when its test changed the schema.
    func release(_ database: String, reusable: Bool) {
        apply(state.released(database, reusable: reusable))
    }

    /// Waits until the resets and drops started so far have finished.
    func waitForBackgroundWork() async {
        while let (_, work) = background.first { await work.value }
    }

    /// Stops handing out databases: fails the waiters, waits for background work and returns the
    /// ready databases, which the caller parks or drops.
    func drain() async -> [String] {
        isDraining = true
        await waitForBackgroundWork()
        let (ready, waiting) = state.drain()
        for id in waiting { waiters.fail(id, with: Self.drained) }
        return ready
    }

    private static var drained: TestEnvError {
        TestEnvError(.environmentCreationFailed, "the pool was shut down while this environment was asked for")
    }

    private func apply(_ effects: [PoolState<String>.Effect]) {
        for effect in effects {
            switch effect {
            case .reset(let database):
                inBackground {
                    let clean = await $0.operations.reset(database)
                    $0.apply($0.state.resetFinished(database, clean: clean))
                }
            case .drop(let database):
                inBackground { await $0.operations.drop(database) }
            case .handOver(let id, let database):
                if !waiters.resume(id, with: .take(database)) {
                    // The waiter was cancelled meanwhile: the database goes back to the pool.
                    apply(state.returnUnused(database))
                }
            case .wakeToBuild(let id):
                if !waiters.resume(id, with: .build) { apply(state.buildFailed()) }
            }
        }
    }

    private func inBackground(_ work: @escaping @Sendable (isolated DatabasePool) async -> Void) {
        let id = UUID()
        background[id] = Task {
            await work(self)
            self.background[id] = nil
        }
    }
}
