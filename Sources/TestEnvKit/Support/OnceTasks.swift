/// One task per key, shared by every caller that asks while it runs: a schema prepared once, a
/// template built once, a connection opened once. A failure is not kept — the next caller starts
/// again — and a newer task is never replaced by the end of an older one.
///
/// Owned by an actor and used only on it (each call passes the actor as its isolation).
final class OnceTasks<Key: Hashable, Value: Sendable> {
    private var tasks: [Key: Task<Value, any Error>] = [:]

    init() {}

    /// The value for `key`, from the task running or finished for it, or from a new one running `make`.
    func value(
        for key: Key, isolation: isolated (any Actor)? = #isolation, _ make: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        let task = tasks[key] ?? Task { try await make() }
        tasks[key] = task
        do {
            return try await task.value
        } catch {
            if tasks[key] == task { tasks[key] = nil }
            throw error
        }
    }

    /// Forgets `key`'s task, so the next caller starts a new one.
    func forget(_ key: Key) { tasks[key] = nil }

    /// Forgets every task and returns them, for a shutdown that waits for them.
    func removeAll() -> [Task<Value, any Error>] {
        defer { tasks = [:] }
        return Array(tasks.values)
    }
}

/// ``OnceTasks`` for a single value.
final class OnceTask<Value: Sendable> {
    private let tasks = OnceTasks<Bool, Value>()

    init() {}

    /// The value from the task running or finished, or from a new one running `make`.
    func value(isolation: isolated (any Actor)? = #isolation, _ make: @escaping @Sendable () async throws -> Value) async throws -> Value {
        try await tasks.value(for: true, make)
    }

    /// Forgets the task, so the next caller starts a new one.
    func forget() { tasks.forget(true) }
}
