import Logging
import Synchronization

/// Log lines captured for assertions: level, message and metadata (the logger's and the line's).
public final class CapturedLogs: Sendable {
    /// One captured line.
    public struct Entry: Sendable {
        public let level: Logger.Level
        public let message: String
        public let metadata: [String: String]
    }

    private let entries = Mutex<[Entry]>([])

    public init() {}

    /// Every line so far, in order.
    public var all: [Entry] { entries.withLock { $0 } }

    /// A logger that captures every level into this store.
    public func logger(label: String = "captured") -> Logger {
        Logger(label: label) { _ in Handler(store: self) }
    }

    /// The same, as a property, for the common case.
    public var logger: Logger { logger() }

    private struct Handler: LogHandler {
        let store: CapturedLogs
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }.mapValues { "\($0)" }
            store.entries.withLock { $0.append(Entry(level: event.level, message: event.message.description, metadata: merged)) }
        }
    }
}
