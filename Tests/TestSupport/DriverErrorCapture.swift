import TestEnvCore
import Testing

/// The driver error `body` throws, or nil (recording an issue) when it throws none.
public func driverError(_ body: () async throws -> some Any, sourceLocation: SourceLocation = #_sourceLocation) async -> (
    any DatabaseDriverError
)? {
    do {
        _ = try await body()
        Issue.record("expected a driver error", sourceLocation: sourceLocation)
    } catch let error as any DatabaseDriverError {
        return error
    } catch {
        Issue.record("expected a driver error, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}
