import Foundation
import Synchronization

/// A progress line on standard error for long operations — only when standard error is a terminal,
/// so logs and pipes stay clean. Safe to advance from concurrent tasks.
final class TerminalProgress: Sendable {
    private let label: String
    private let total: Int?
    private let enabled = isatty(STDERR_FILENO) == 1
    private let state = Mutex((done: 0, printed: ContinuousClock.now - .seconds(1)))
    private let start = ContinuousClock.now

    /// `total` nil shows elapsed time only.
    init(_ label: String, total: Int? = nil) {
        self.label = label
        self.total = total
    }

    /// Counts `count` more steps done; redraws at most ten times a second.
    func advance(by count: Int = 1) {
        guard enabled else { return }
        let line: String? = state.withLock { state in
            state.done += count
            let now = ContinuousClock.now
            guard now - state.printed >= .milliseconds(100) else { return nil }
            state.printed = now
            return render(done: state.done)
        }
        if let line { FileHandle.standardError.write(Data(line.utf8)) }
    }

    /// Runs `work`, redrawing the elapsed time while it runs, then clears the line.
    func during<T: Sendable>(_ work: () async throws -> T) async rethrows -> T {
        let ticker =
            enabled
            ? Task { [self] in
                while !Task.isCancelled {
                    FileHandle.standardError.write(Data(render(done: nil).utf8))
                    try? await Task.sleep(for: .milliseconds(200))
                }
            } : nil
        defer {
            ticker?.cancel()
            finish()
        }
        return try await work()
    }

    /// Clears the progress line.
    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }

    private func render(done: Int?) -> String {
        let seconds = String(format: "%.1f s", (ContinuousClock.now - start).seconds)
        guard let done else { return "\r\u{1B}[K\(label)… \(seconds)" }
        return "\r\u{1B}[K\(label): \(done)\(total.map { " of \($0)" } ?? "") (\(seconds))"
    }
}
