import TestEnvKit

/// What ``ExecutionService/triggerTestExecution(caseIds:triggeredBy:executionId:)`` created.
public struct TriggeredExecution: Sendable, Hashable {
    /// The new `Auto_TestRun` row's id.
    public let runId: Int64
    /// The execution's explicit key.
    public let executionId: String
    /// How many detail rows were created, one per case.
    public let totalCases: Int
    /// The cases, in the order given.
    public let caseIds: [Int64]
}

/// One case's outcome, reported to ``ExecutionService/completeBatchExecution(executionId:results:)``.
public struct CaseResult: Sendable, Hashable {
    /// The test case.
    public let caseId: Int64
    /// Whether it passed.
    public let passed: Bool
    /// How long it ran.
    public let durationMs: Int
    /// A failure message, if any.
    public let message: String?

    /// Creates a result.
    public init(caseId: Int64, passed: Bool, durationMs: Int, message: String? = nil) {
        self.caseId = caseId
        self.passed = passed
        self.durationMs = durationMs
        self.message = message
    }
}

/// A test run as stored in `Auto_TestRun`.
public struct TestRunRecord: Sendable, Hashable {
    /// The run's id.
    public let id: Int64
    /// The execution's explicit key.
    public let executionId: String
    /// Who triggered it.
    public let triggeredBy: String
    /// `pending`, `passed` or `failed`.
    public let status: String
    /// Cases in the execution.
    public let totalCases: Int
    /// Cases reported passed.
    public let passedCases: Int
    /// Cases reported failed.
    public let failedCases: Int
}

/// An execution: its run and how many of its cases are in each status.
public struct ExecutionRecord: Sendable, Hashable {
    /// The run.
    public let run: TestRunRecord
    /// Detail rows by status (`queued`, `passed`, `failed`).
    public let casesByStatus: [String: Int]
}

/// Why the ExecutionService refused a request.
public enum ExecutionServiceError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The request itself is malformed (no cases, repeated cases, no trigger name).
    case invalidRequest(String)
    /// These case ids do not exist or are disabled.
    case unknownCases([Int64])
    /// An execution with this id exists already.
    case duplicateExecutionId(String)
    /// No execution has this id.
    case unknownExecution(String)
    /// The execution was completed already.
    case alreadyCompleted(String)
    /// These results name cases that are not part of the execution.
    case casesNotInExecution([Int64])

    public var description: String {
        switch self {
        case .invalidRequest(let reason): "invalid request: \(reason)"
        case .unknownCases(let ids):
            "unknown or disabled test cases: \(ids.prefix(20).map(String.init).joined(separator: ", "))\(ids.count > 20 ? " and \(ids.count - 20) more" : "")"
        case .duplicateExecutionId(let id): "an execution with id \(id) exists already"
        case .unknownExecution(let id): "no execution has id \(id)"
        case .alreadyCompleted(let id): "execution \(id) is completed already"
        case .casesNotInExecution(let ids):
            "results name cases outside the execution: \(ids.prefix(20).map(String.init).joined(separator: ", "))"
        }
    }
}

/// Hooks that let tests make the service fail at exact points, to prove its rollbacks.
public struct FaultInjection: Sendable {
    /// Rewrites the values of detail row `index` before the batch insert (make one invalid to fail it).
    public var detailRow: (@Sendable (_ index: Int, _ row: [DatabaseValue]) -> [DatabaseValue])?
    /// Runs inside completion, after the savepoint and the detail updates; throw to fail there.
    public var afterDetailUpdates: (@Sendable () throws -> Void)?

    /// No faults.
    public init(
        detailRow: (@Sendable (_ index: Int, _ row: [DatabaseValue]) -> [DatabaseValue])? = nil,
        afterDetailUpdates: (@Sendable () throws -> Void)? = nil
    ) {
        self.detailRow = detailRow
        self.afterDetailUpdates = afterDetailUpdates
    }
}
