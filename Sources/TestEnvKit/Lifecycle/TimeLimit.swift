/// Runs an operation with a time limit, stopping the database work behind it when time is up.
enum TimeLimit {
    private enum Outcome<T: Sendable>: Sendable {
        case finished(T)
        case timedOut
    }

    /// Runs `body`; if it is still running after `limit`, calls `interrupt` (which must make the
    /// blocked database call return), waits for `body` to end, and throws a timeout error — unless
    /// `keepingLateResult` and the body finished anyway, whose result is then returned.
    static func run<T: Sendable>(
        _ limit: Duration, operation: String, keepingLateResult: Bool = false, interrupt: @escaping @Sendable () async -> Void,
        _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let clock = ContinuousClock()
        let start = clock.now
        return try await withThrowingTaskGroup(of: Outcome<T>.self) { group in
            group.addTask { .finished(try await body()) }
            group.addTask {
                // A cancelled sleep is not a timeout: the caller's cancellation ends the wait, not the limit.
                try? await Task.sleep(for: limit)
                return .timedOut
            }
            defer { group.cancelAll() }
            while true {
                switch try await group.next() {
                case .finished(let value):
                    return value
                case .timedOut where Task.isCancelled:
                    continue  // keep waiting for the body, which sees the cancellation itself
                case .timedOut:
                    await interrupt()
                    // An interrupt stops only a statement that is running. Work that finished anyway
                    // (a created environment) is returned on request, not dropped: nobody would clean it up.
                    if case .finished(let value)? = try? await group.next(), keepingLateResult { return value }
                    throw TestEnvError(
                        .timeout,
                        "\(operation) ran longer than its limit of \(limit) and was stopped after \(clock.now - start); "
                            + "the connection remains usable. Raise the limit (TEST_DB_TIMEOUT for environment operations) if the work is expected to be slow."
                    )
                case nil:
                    throw CancellationError()
                }
            }
        }
    }
}
