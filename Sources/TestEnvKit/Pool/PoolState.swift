import Foundation

/// The bookkeeping of a pool of ready databases, as a value: no I/O, no waiting, no clock. Every
/// event returns what its owner must do (``Effect``), so the rules are unit-tested without a server.
///
/// The rules:
/// - A request takes a ready database when there is one; otherwise it builds one while the pool holds
///   fewer than ``limit`` databases (ready, in use, being built or reset); otherwise it waits, in order.
/// - A released database is reset and handed straight to the longest waiter, or becomes ready.
/// - A database that cannot be reused is dropped, and the longest waiter that nothing is on its way
///   for builds instead.
/// - A request made from inside another environment's scope (`beyondLimit`) never waits for a
///   database only another test can free: it builds one when none is ready, so nested acquires
///   cannot deadlock. What it builds joins the pool.
struct PoolState<Database: Hashable & Sendable>: Sendable {
    /// What a request gets.
    enum Grant: Equatable, Sendable {
        /// This ready database.
        case take(Database)
        /// Build a database and use it; report the result with ``built(_:)`` or ``buildFailed()``.
        case build
        /// Wait for ``Effect/handOver(_:_:)`` or ``Effect/wakeToBuild(_:)``.
        case wait
    }

    /// What the owner must do after an event.
    enum Effect: Equatable, Sendable {
        /// Reset this database; report with ``resetFinished(_:clean:)``.
        case reset(Database)
        /// Drop this database.
        case drop(Database)
        /// Give this database to the waiter.
        case handOver(UUID, Database)
        /// Tell the waiter to build a database for itself.
        case wakeToBuild(UUID)
    }

    /// The most databases the pool builds for requests within the limit.
    let limit: Int
    private(set) var ready: [Database] = []
    private(set) var inUse = 0
    private(set) var building = 0
    private(set) var recycling = 0
    private(set) var waiting: [UUID] = []

    init(limit: Int) { self.limit = max(1, limit) }

    /// Every database the pool holds or is making.
    var total: Int { ready.count + inUse + building + recycling }

    /// A request for a database; `id` names the caller if it has to wait.
    mutating func request(_ id: UUID, beyondLimit: Bool = false) -> Grant {
        if waiting.isEmpty || beyondLimit, let database = ready.popLast() {
            inUse += 1
            return .take(database)
        }
        if beyondLimit || (waiting.isEmpty && total < limit) {
            building += 1
            return .build
        }
        waiting.append(id)
        return .wait
    }

    /// A build for a request finished: the requester uses the database.
    mutating func built(_ database: Database) {
        building -= 1
        inUse += 1
    }

    /// A build for a request failed.
    mutating func buildFailed() -> [Effect] {
        building -= 1
        return wakeStarved()
    }

    /// A database adopted from outside (one a previous process parked) becomes ready.
    mutating func adopt(_ database: Database) -> [Effect] {
        if let first = waiting.first {
            waiting.removeFirst()
            inUse += 1
            return [.handOver(first, database)]
        }
        ready.append(database)
        return []
    }

    /// A database handed to a waiter that had gone meanwhile: still fresh, it goes to the next one.
    mutating func returnUnused(_ database: Database) -> [Effect] {
        inUse -= 1
        return adopt(database)
    }

    /// A test gave `database` back; `reusable` is false when it must be dropped (its schema changed).
    mutating func released(_ database: Database, reusable: Bool) -> [Effect] {
        inUse -= 1
        guard reusable else { return [.drop(database)] + wakeStarved() }
        recycling += 1
        return [.reset(database)]
    }

    /// The reset of `database` ended: ready again when `clean`, else dropped.
    mutating func resetFinished(_ database: Database, clean: Bool) -> [Effect] {
        recycling -= 1
        guard clean else { return [.drop(database)] + wakeStarved() }
        return adopt(database)
    }

    /// A waiter gave up (cancelled or timed out); false when it was not waiting.
    mutating func cancel(_ id: UUID) -> Bool {
        guard let index = waiting.firstIndex(of: id) else { return false }
        waiting.remove(at: index)
        return true
    }

    /// Empties the pool: returns the ready databases (to park or drop) and the waiters (to fail).
    mutating func drain() -> (ready: [Database], waiting: [UUID]) {
        defer {
            ready = []
            waiting = []
        }
        return (ready, waiting)
    }

    /// Waiters beyond the databases being reset for them build their own, while the pool has room.
    private mutating func wakeStarved() -> [Effect] {
        var effects: [Effect] = []
        while waiting.count > recycling, total < limit {
            building += 1
            effects.append(.wakeToBuild(waiting.removeFirst()))
        }
        return effects
    }
}
