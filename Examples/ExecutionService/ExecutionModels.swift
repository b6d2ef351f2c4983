import Foundation
import TestEnvKit

/// How a run was started.
public enum TriggerType: String, Sendable, Hashable, Codable, DatabaseValueConvertible {
    /// Someone pressed a button.
    case manual
    /// A schedule started it.
    case scheduled
    /// A CI job started it.
    case ci
}

/// The state of a run and of its execution.
public enum RunStatus: String, Sendable, Hashable, Codable, DatabaseValueConvertible {
    /// Triggered; no result reported yet.
    case pending
    /// At least one result reported.
    case running
    /// Completed: every case passed or was skipped.
    case success
    /// Completed with a failed, errored or unreported case.
    case failed
    /// Swept after running longer than ``ExecutionService/executionTimeout``.
    case aborted

    /// Whether the run has ended (completed or aborted).
    public var isFinished: Bool { self == .success || self == .failed || self == .aborted }
}

/// The state of one case in an execution.
public enum CaseStatus: String, Sendable, Hashable, Codable, DatabaseValueConvertible {
    /// Not reported yet.
    case pending
    /// The case passed.
    case passed
    /// An assertion failed.
    case failed
    /// The case could not run to its end (a crash, an exception in its set-up).
    case error
    /// The runner skipped it.
    case skipped
}

/// What ``ExecutionService/trigger(_:)`` is asked to start.
public struct TriggerRequest: Sendable, Hashable {
    /// The cases to run. Every one must exist and be enabled; one named twice runs once.
    public var caseIds: [Int64]
    /// The project the run belongs to.
    public var projectId: Int64
    /// How the run was started.
    public var triggerType: TriggerType
    /// Who or what started it.
    public var triggeredBy: String
    /// The CI job, for runs a CI system started.
    public var ciJobName: String?
    /// The scheduling task this execution serves, if any.
    public var taskId: Int64?
    /// The runner's configuration, as JSON text.
    public var configuration: String?

    /// Creates a request.
    public init(
        caseIds: [Int64], projectId: Int64, triggerType: TriggerType, triggeredBy: String, ciJobName: String? = nil,
        taskId: Int64? = nil, configuration: String? = nil
    ) {
        self.caseIds = caseIds
        self.projectId = projectId
        self.triggerType = triggerType
        self.triggeredBy = triggeredBy
        self.ciJobName = ciJobName
        self.taskId = taskId
        self.configuration = configuration
    }
}

/// What ``ExecutionService/trigger(_:)`` created.
public struct TriggeredExecution: Sendable, Hashable {
    /// The new `Auto_TestRun` row.
    public let runId: Int64
    /// The execution the run belongs to (`Auto_TestCaseTaskExecutions`), which names its results.
    public let executionId: Int64
    /// How many pending results were created: the distinct cases.
    public let totalCases: Int
    /// The distinct cases, in the order first given.
    public let caseIds: [Int64]
}

/// One case's outcome, as a runner reports it.
public struct CaseReport: Sendable, Hashable {
    /// The case.
    public var caseId: Int64
    /// Its outcome (not ``CaseStatus/pending``).
    public var status: CaseStatus
    /// How long it ran.
    public var durationMs: Int?
    /// Why it failed.
    public var errorMessage: String?
    /// Where it failed.
    public var errorStack: String?
    /// A screenshot the runner stored.
    public var screenshotPath: String?
    /// The runner's log for the case.
    public var logPath: String?
    /// Assertions evaluated.
    public var assertionsTotal: Int?
    /// Assertions that held.
    public var assertionsPassed: Int?
    /// The response the case saw, as JSON text.
    public var responseData: String?
    /// When it started.
    public var startTime: Date?
    /// When it ended.
    public var endTime: Date?

    /// Creates a report.
    public init(
        caseId: Int64, status: CaseStatus, durationMs: Int? = nil, errorMessage: String? = nil, errorStack: String? = nil,
        screenshotPath: String? = nil, logPath: String? = nil, assertionsTotal: Int? = nil, assertionsPassed: Int? = nil,
        responseData: String? = nil, startTime: Date? = nil, endTime: Date? = nil
    ) {
        self.caseId = caseId
        self.status = status
        self.durationMs = durationMs
        self.errorMessage = errorMessage
        self.errorStack = errorStack
        self.screenshotPath = screenshotPath
        self.logPath = logPath
        self.assertionsTotal = assertionsTotal
        self.assertionsPassed = assertionsPassed
        self.responseData = responseData
        self.startTime = startTime
        self.endTime = endTime
    }
}

/// What a callback changed.
public enum CallbackOutcome: Sendable, Hashable {
    /// The result was stored and the run's counters moved.
    case recorded
    /// The same outcome was stored already: nothing changed (a runner's retry).
    case alreadyRecorded
}

/// What ``ExecutionService/complete(runId:results:mode:)`` keeps when saving the detailed results fails.
public enum CompletionMode: Sendable, Hashable {
    /// Nothing: the completion fails and the database is as it was.
    case allOrNothing
    /// The run's summary (status, counters, end time), computed from the reported results; the
    /// detailed results are rolled back to a savepoint and the failure is returned and logged.
    case keepSummary
}

/// What a completion stored.
public struct CompletionOutcome: Sendable, Hashable {
    /// The run as stored after completion.
    public let run: TestRunSummary
    /// Why the detailed results were not saved (``CompletionMode/keepSummary`` only); nil when they were.
    public let detailFailure: String?

    /// Whether the detailed results were saved.
    public var detailsSaved: Bool { detailFailure == nil }
}

/// A run as stored in `Auto_TestRun`.
public struct TestRunSummary: Sendable, Hashable, Decodable {
    /// The run.
    public let id: Int64
    /// The project it belongs to.
    public let projectId: Int64
    /// How it was started.
    public let triggerType: TriggerType
    /// Who or what started it.
    public let triggeredBy: String
    /// The CI job, if any.
    public let ciJobName: String?
    /// Its state.
    public let status: RunStatus
    /// Cases in the run.
    public let totalCases: Int
    /// Cases reported passed.
    public let passedCases: Int
    /// Cases reported failed or errored.
    public let failedCases: Int
    /// Cases reported skipped.
    public let skippedCases: Int
    /// From the first result (or the trigger) to completion, once completed.
    public let durationMs: Int64?
    /// The execution it belongs to.
    public let executionId: Int64
    /// When it was triggered.
    public let createdAt: Date
    /// When its first result arrived.
    public let startedAt: Date?
    /// When it was completed or aborted.
    public let endedAt: Date?

    static let columns =
        "id, project_id, trigger_type, triggered_by, ci_job_name, status, total_cases, passed_cases, failed_cases, skipped_cases, duration_ms, execution_id, created_at, started_at, ended_at"
}

/// One case's row in `Auto_TestRunResults`.
public struct CaseResultRecord: Sendable, Hashable, Decodable {
    /// The case.
    public let caseId: Int64
    /// Its name when the run was triggered.
    public let caseName: String
    /// Its outcome so far.
    public let status: CaseStatus
    /// How long it ran.
    public let durationMs: Int?
    /// Why it failed.
    public let errorMessage: String?
    /// Where it failed.
    public let errorStack: String?
    /// A screenshot.
    public let screenshotPath: String?
    /// The runner's log.
    public let logPath: String?
    /// Assertions evaluated.
    public let assertionsTotal: Int?
    /// Assertions that held.
    public let assertionsPassed: Int?
    /// The response, as JSON text.
    public let responseData: String?
    /// When it started.
    public let startTime: Date?
    /// When it ended.
    public let endTime: Date?

    static let columns =
        "case_id, case_name, status, duration_ms, error_message, error_stack, screenshot_path, log_path, assertions_total, assertions_passed, response_data, start_time, end_time"
}

/// An execution's results with its run's summary: what ``ExecutionService/results(ofExecution:)`` returns.
public struct ExecutionResults: Sendable, Hashable {
    /// The run.
    public let run: TestRunSummary
    /// The execution's own status.
    public let executionStatus: RunStatus
    /// One row per case, by case id.
    public let results: [CaseResultRecord]
}

/// Why the ExecutionService refused a request. Nothing was written when one is thrown.
public enum ExecutionServiceError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The request itself is malformed (no cases, an empty name, a pending status reported).
    case invalidRequest(String)
    /// These cases do not exist or are disabled.
    case casesNotEnabled([Int64])
    /// A completion reported these cases, which do not exist.
    case casesNotFound([Int64])
    /// No run has this id.
    case unknownRun(Int64)
    /// No execution has this id.
    case unknownExecution(Int64)
    /// A callback named a case that is not part of the execution.
    case caseNotInExecution(caseId: Int64, executionId: Int64)
    /// A callback reported a different outcome for a case already reported.
    case conflictingResult(caseId: Int64, recorded: CaseStatus, reported: CaseStatus)
    /// The run was completed or aborted already.
    case runFinished(runId: Int64, status: RunStatus)

    public var description: String {
        switch self {
        case .invalidRequest(let reason): "invalid request: \(reason)"
        case .casesNotEnabled(let ids):
            "these test cases do not exist or are disabled: \(ids.prefix(20).map(String.init).joined(separator: ", "))"
                + (ids.count > 20 ? " and \(ids.count - 20) more" : "")
        case .casesNotFound(let ids): "these test cases do not exist: \(ids.prefix(20).map(String.init).joined(separator: ", "))"
        case .unknownRun(let id): "no test run has id \(id)"
        case .unknownExecution(let id): "no execution has id \(id)"
        case .caseNotInExecution(let caseId, let executionId): "case \(caseId) is not part of execution \(executionId)"
        case .conflictingResult(let caseId, let recorded, let reported):
            "case \(caseId) was reported \(recorded.rawValue) already; a report of \(reported.rawValue) is refused"
        case .runFinished(let id, let status): "test run \(id) has finished already (\(status.rawValue))"
        }
    }
}
