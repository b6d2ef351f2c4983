import Dispatch

/// Runs `work` on a dispatch thread and waits for it without holding a thread of Swift's
/// cooperative pool: for blocking calls (a child process, file I/O) and for long CPU work (hashing
/// and splitting a large schema file), which on a 2-core machine would stall half of all tests.
///
/// ```swift
/// let statements = try await runOffPool { SQLScriptSplitter.split(try script.contents(), dialect: .mysql) }
/// ```
public func runOffPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
    }
}
