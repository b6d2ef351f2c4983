import Foundation
import TestEnvExamples
import TestEnvKit
import TestEnvTestSupport
import Testing

/// The ExecutionService, tested the way TestEnvKit says services should be: each test in its own
/// database, cases made by a factory, failures proved by comparing every row before and after, a
/// second connection for races, and a clock the test moves for timeouts.
@Suite struct ExecutionServiceTests {
    // MARK: Trigger

    @Test("Triggering creates the run, its execution and one pending result per case", arguments: [1, 2_500])
    func trigger(caseCount: Int) async throws {
        try await withServiceFixture(cases: caseCount) { fixture in
            let triggered = try await fixture.service.trigger(fixture.request(fixture.caseIds.reversed()))
            #expect(triggered.totalCases == caseCount)
            #expect(triggered.caseIds == fixture.caseIds.reversed())

            let run = try #require(try await fixture.service.run(id: triggered.runId))
            #expect(run.executionId == triggered.executionId)
            #expect(run.projectId == 7)
            #expect(run.triggerType == .ci)
            #expect(run.triggeredBy == "ci-bot")
            #expect(run.ciJobName == "nightly")
            #expect(run.status == .pending)
            #expect(run.counters == [caseCount, 0, 0, 0])
            #expect(run.createdAt == fixture.clock.now)
            #expect(run.startedAt == nil && run.endedAt == nil && run.durationMs == nil)
            let config = try await fixture.env.connection.get("SELECT run_config FROM Auto_TestRun WHERE id = ?", [.integer(run.id)])
            let decoded = try JSONSerialization.jsonObject(with: Data((try config?.decode(String.self, 0) ?? "").utf8)) as? [String: Any]
            #expect(decoded?["browser"] as? String == "firefox")

            let execution = try #require(
                try await fixture.env.connection.get(
                    "SELECT task_id, status, total_cases, executed_by, start_time FROM Auto_TestCaseTaskExecutions WHERE id = ?",
                    [.integer(triggered.executionId)]))
            #expect(try execution.decode(Int64.self, "task_id") == 42)
            #expect(try execution.decode(RunStatus.self, "status") == .pending)
            #expect(try execution.decode(Int.self, "total_cases") == caseCount)
            #expect(try execution.decode(String.self, "executed_by") == "ci-bot")
            #expect(try execution.decode(Date.self, "start_time") == fixture.clock.now)

            let results = try #require(try await fixture.service.results(ofExecution: triggered.executionId)).results
            #expect(results.map(\.caseId) == fixture.caseIds)
            #expect(results.allSatisfy { $0.status == .pending && $0.durationMs == nil })
            #expect(results.first?.caseName == "test case 1")
        }
    }

    @Test("On MySQL the results go in statements of at most 1,000 rows: 2,500 cases are three inserts", .mysqlServer)
    func triggerBatches() async throws {
        guard Examples.configuration.backend == .mysql else { return }
        try await withServiceFixture(cases: 2_500) { fixture in
            func inserts() async throws -> Int {
                Int(try await fixture.env.connection.get("SHOW SESSION STATUS LIKE 'Com_insert'", [])?.decode(String.self, "Value") ?? "")
                    ?? -1
            }
            let before = try await inserts()
            _ = try await fixture.service.trigger(fixture.request())
            #expect(try await inserts() - before == 2 + 3, "the execution, the run, and three batches of results")
        }
    }

    @Test("A case named twice runs once: the database skips the repeat and the totals count what it inserted")
    func triggerDuplicates() async throws {
        try await withServiceFixture(cases: 3) { fixture in
            let (a, b, c) = (fixture.caseIds[0], fixture.caseIds[1], fixture.caseIds[2])
            let triggered = try await fixture.service.trigger(fixture.request([b, a, b, c, a]))
            #expect(triggered.totalCases == 3)
            #expect(triggered.caseIds == [b, a, c])
            #expect(try await fixture.counters(ofRun: triggered.runId).stored == [3, 0, 0, 0])
            #expect(try await fixture.service.results(ofExecution: triggered.executionId)?.results.count == 3)
        }
    }

    @Test("Disabled and unknown cases are refused, all of them named, and nothing is written")
    func triggerDisabledCases() async throws {
        try await withServiceFixture(cases: 3) { fixture in
            let disabled = try await DataFactory(fixture.env).create(.testCase, traits: ["disabled"]).decode(Int64.self, "id")
            let before = try await fixture.snapshot()
            let error = await #expect(throws: ExecutionServiceError.self) {
                try await fixture.service.trigger(fixture.request(fixture.caseIds + [disabled, 9_999]))
            }
            #expect(error == .casesNotEnabled([disabled, 9_999]))
            #expect(error?.description == "these test cases do not exist or are disabled: \(disabled), 9999")
            #expect(try await fixture.snapshot() == before)
        }
    }

    @Test("Malformed requests are refused before any statement: no cases, no trigger name, a pending outcome, a case reported twice")
    func invalidRequests() async throws {
        try await withServiceFixture(cases: 2) { fixture in
            let triggered = try await fixture.service.trigger(fixture.request())
            let before = try await fixture.snapshot()
            let service = fixture.service
            let nameless = TriggerRequest(caseIds: fixture.caseIds, projectId: 7, triggerType: .manual, triggeredBy: "")
            let case1 = fixture.caseIds[0]
            let attempts: [@Sendable () async throws -> Void] = [
                { _ = try await service.trigger(fixture.request([])) },
                { _ = try await service.trigger(nameless) },
                { _ = try await service.report(CaseReport(caseId: case1, status: .pending), executionId: triggered.executionId) },
                {
                    _ = try await service.complete(
                        runId: triggered.runId,
                        results: [CaseReport(caseId: case1, status: .passed), CaseReport(caseId: case1, status: .failed)])
                },
            ]
            for attempt in attempts {
                let error = await #expect(throws: ExecutionServiceError.self) { try await attempt() }
                guard case .invalidRequest = error else {
                    Issue.record("expected invalidRequest, got \(String(describing: error))")
                    continue
                }
            }
            #expect(try await fixture.snapshot() == before)
        }
    }

    @Test("When the third batch of results fails, the run, the execution and the first 2,000 results are gone too")
    func triggerRollsBackWhole() async throws {
        // A trigger in the test's own database makes the 2,001st row fail: the service needs no
        // hook for it. DDL needs a real database, not transaction mode.
        try await withServiceFixture(cases: 2_500, mode: .pooled) { fixture in
            let victim = fixture.caseIds[2_000]
            switch fixture.env.backend {
            case .mysql:
                try await fixture.env.connection.run(
                    """
                    CREATE TRIGGER fail_one BEFORE INSERT ON Auto_TestRunResults FOR EACH ROW
                    BEGIN IF NEW.case_id = \(victim) THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected failure'; END IF; END
                    """, [])
            case .sqlite:
                try await fixture.env.connection.run(
                    """
                    CREATE TRIGGER fail_one BEFORE INSERT ON Auto_TestRunResults WHEN NEW.case_id = \(victim)
                    BEGIN SELECT RAISE(ABORT, 'injected failure'); END
                    """, [])
            }
            let before = try await fixture.snapshot()
            let error = await driverError { try await fixture.service.trigger(fixture.request()) }
            #expect(error?.message.contains("injected failure") == true, "\(String(describing: error))")
            #expect(try await fixture.snapshot() == before)
            let rollback = fixture.log.all.first { $0.level == .warning && $0.message.hasPrefix("trigger rolled back") }
            #expect(rollback?.metadata["triggered_by"] == "ci-bot")
        }
    }

    // MARK: Callbacks

    @Test("A callback stores the result and moves the counters with it; the first one starts the run and its execution")
    func callback() async throws {
        try await withServiceFixture(cases: 4) { fixture in
            let triggered = try await fixture.service.trigger(fixture.request())
            fixture.clock.advance(minutes: 1)
            let started = fixture.clock.now
            let report = CaseReport(
                caseId: fixture.caseIds[0], status: .failed, durationMs: 830, errorMessage: "expected 200, got 500",
                errorStack: "checkout.py:12", screenshotPath: "shots/1.png", logPath: "logs/1.txt", assertionsTotal: 3, assertionsPassed: 2,
                responseData: #"{"status": 500}"#, startTime: started.addingTimeInterval(-1), endTime: started)
            #expect(try await fixture.service.report(report, executionId: triggered.executionId) == .recorded)
            fixture.clock.advance(minutes: 1)
            for (caseId, status) in zip(fixture.caseIds[1...], [CaseStatus.passed, .skipped, .error]) {
                try await fixture.service.report(CaseReport(caseId: caseId, status: status), executionId: triggered.executionId)
            }

            let stored = try #require(try await fixture.service.results(ofExecution: triggered.executionId))
            #expect(stored.run.status == .running)
            #expect(stored.executionStatus == .running)
            #expect(stored.run.startedAt == started, "the first result's time, not a later one's")
            #expect(stored.run.counters == [4, 1, 2, 1])
            let first = try #require(stored.results.first)
            #expect(first.status == .failed)
            #expect(first.durationMs == 830 && first.assertionsTotal == 3 && first.assertionsPassed == 2)
            #expect(first.errorMessage == "expected 200, got 500" && first.errorStack == "checkout.py:12")
            #expect(first.screenshotPath == "shots/1.png" && first.logPath == "logs/1.txt")
            #expect(first.startTime == started.addingTimeInterval(-1) && first.endTime == started)
            #expect(first.responseData?.contains("500") == true)
            let counters = try await fixture.counters(ofRun: triggered.runId)
            #expect(counters.stored == counters.counted)
        }
    }

    @Test("Replaying a callback changes nothing; a different outcome for the same case is refused")
    func callbackIdempotent() async throws {
        try await withServiceFixture(cases: 2) { fixture in
            let triggered = try await fixture.service.trigger(fixture.request())
            let report = CaseReport(caseId: fixture.caseIds[0], status: .passed, durationMs: 5)
            #expect(try await fixture.service.report(report, executionId: triggered.executionId) == .recorded)
            let before = try await fixture.snapshot()
            fixture.clock.advance(minutes: 1)
            #expect(try await fixture.service.report(report, executionId: triggered.executionId) == .alreadyRecorded)
            #expect(try await fixture.service.report(report, executionId: triggered.executionId) == .alreadyRecorded)
            var flipped = report
            flipped.status = .failed
            await #expect(throws: ExecutionServiceError.conflictingResult(caseId: report.caseId, recorded: .passed, reported: .failed)) {
                try await fixture.service.report(flipped, executionId: triggered.executionId)
            }
            #expect(try await fixture.snapshot() == before)
        }
    }

    @Test("A callback for a case outside the execution, or for no execution, is refused with a typed error and writes nothing")
    func callbackForeignCase() async throws {
        try await withServiceFixture(cases: 3) { fixture in
            let first = try await fixture.service.trigger(fixture.request([fixture.caseIds[0]]))
            let second = try await fixture.service.trigger(fixture.request([fixture.caseIds[1]]))
            let before = try await fixture.snapshot()
            // A real case, but of the other execution; a case of none; an execution that does not exist.
            await #expect(throws: ExecutionServiceError.caseNotInExecution(caseId: fixture.caseIds[1], executionId: first.executionId)) {
                try await fixture.service.report(CaseReport(caseId: fixture.caseIds[1], status: .passed), executionId: first.executionId)
            }
            await #expect(throws: ExecutionServiceError.caseNotInExecution(caseId: fixture.caseIds[2], executionId: second.executionId)) {
                try await fixture.service.report(CaseReport(caseId: fixture.caseIds[2], status: .passed), executionId: second.executionId)
            }
            await #expect(throws: ExecutionServiceError.unknownExecution(second.executionId + 100)) {
                try await fixture.service.report(
                    CaseReport(caseId: fixture.caseIds[0], status: .passed), executionId: second.executionId + 100)
            }
            #expect(try await fixture.snapshot() == before)
        }
    }

    // MARK: Completion

    @Test("Completing updates reported rows, inserts the missing one, and counts callbacks and completion together")
    func complete() async throws {
        try await withServiceFixture(cases: 6) { fixture in
            let ids = fixture.caseIds
            let triggered = try await fixture.service.trigger(fixture.request(Array(ids[0..<5])))
            fixture.clock.advance(minutes: 1)
            try await fixture.service.report(CaseReport(caseId: ids[0], status: .passed), executionId: triggered.executionId)
            try await fixture.service.report(CaseReport(caseId: ids[1], status: .skipped), executionId: triggered.executionId)
            fixture.clock.advance(minutes: 2)
            // ids[2…3] reported now; ids[4] never; ids[5] was not triggered: its row is inserted.
            let outcome = try await fixture.service.complete(
                runId: triggered.runId,
                results: [
                    CaseReport(caseId: ids[2], status: .passed, durationMs: 10),
                    CaseReport(caseId: ids[3], status: .error, errorMessage: "boom"),
                    CaseReport(caseId: ids[5], status: .passed, durationMs: 7),
                ])
            #expect(outcome.detailsSaved)
            #expect(outcome.run.status == .failed)
            #expect(outcome.run.counters == [6, 3, 1, 1])
            #expect(outcome.run.durationMs == 120_000, "from the first callback to completion")
            #expect(outcome.run.endedAt == fixture.clock.now)
            let stored = try #require(try await fixture.service.results(ofExecution: triggered.executionId))
            #expect(stored.run == outcome.run)
            #expect(stored.executionStatus == .failed)
            let executionTotal = try await fixture.env.connection.get(
                "SELECT total_cases FROM Auto_TestCaseTaskExecutions WHERE id = ?", [.integer(triggered.executionId)])
            #expect(try executionTotal?.decode(Int.self, 0) == 6, "the inserted case counts for the execution too")
            #expect(stored.results.map(\.status) == [.passed, .skipped, .passed, .error, .pending, .passed])
            #expect(stored.results.last?.caseName == "test case 6")
            #expect(stored.results[3].errorMessage == "boom")
            let counters = try await fixture.counters(ofRun: triggered.runId)
            #expect(counters.stored == counters.counted)
            let logged = fixture.log.all.first { $0.message == "completed a run" }
            #expect(logged?.metadata == ["run_id": "\(triggered.runId)", "execution_id": "\(triggered.executionId)", "status": "failed"])
        }
    }

    @Test("A run whose every case passed or was skipped completes as success; its duration counts from the trigger without callbacks")
    func completeSuccess() async throws {
        try await withServiceFixture(cases: 3) { fixture in
            let triggered = try await fixture.service.trigger(fixture.request())
            fixture.clock.advance(minutes: 0.5)
            let statuses: [CaseStatus] = [.passed, .skipped, .passed]
            let outcome = try await fixture.service.complete(
                runId: triggered.runId, results: zip(fixture.caseIds, statuses).map { CaseReport(caseId: $0, status: $1) })
            #expect(outcome.run.status == .success)
            #expect(outcome.run.durationMs == 30_000)
            #expect(outcome.run.startedAt == outcome.run.createdAt)
        }
    }

    @Test("Completing an unknown run, or a run twice, is refused and writes nothing")
    func completeErrors() async throws {
        try await withServiceFixture(cases: 2) { fixture in
            let triggered = try await fixture.service.trigger(fixture.request())
            let results = fixture.caseIds.map { CaseReport(caseId: $0, status: .passed) }
            let unknownBefore = try await fixture.snapshot()
            await #expect(throws: ExecutionServiceError.unknownRun(triggered.runId + 1)) {
                try await fixture.service.complete(runId: triggered.runId + 1, results: results)
            }
            #expect(try await fixture.snapshot() == unknownBefore)
            _ = try await fixture.service.complete(runId: triggered.runId, results: results)
            let completed = try await fixture.snapshot()
            await #expect(throws: ExecutionServiceError.runFinished(runId: triggered.runId, status: .success)) {
                try await fixture.service.complete(runId: triggered.runId, results: results, mode: .keepSummary)
            }
            // A late callback for a pending case is refused too; a replay of a stored outcome is not an error.
            await #expect(throws: ExecutionServiceError.runFinished(runId: triggered.runId, status: .success)) {
                try await fixture.service.report(
                    CaseReport(caseId: fixture.caseIds[0], status: .failed), executionId: triggered.executionId)
            }
            #expect(
                try await fixture.service.report(
                    CaseReport(caseId: fixture.caseIds[0], status: .passed), executionId: triggered.executionId)
                    == .alreadyRecorded)
            #expect(try await fixture.snapshot() == completed)
        }
    }

    @Test("A run whose cases were all reported by callbacks completes with no results, counted from its rows")
    func completeAfterCallbacks() async throws {
        try await withServiceFixture(cases: 3) { fixture in
            let triggered = try await fixture.service.trigger(fixture.request())
            for (caseId, status) in zip(fixture.caseIds, [CaseStatus.passed, .skipped, .passed]) {
                try await fixture.service.report(CaseReport(caseId: caseId, status: status), executionId: triggered.executionId)
            }
            let outcome = try await fixture.service.complete(runId: triggered.runId, results: [])
            #expect(outcome.run.status == .success)
            #expect(outcome.run.counters == [3, 2, 0, 1])
        }
    }

    /// 1,500 results, the last with a response that is not JSON: the second 1,000-row statement fails.
    func resultsWithBadLast(_ fixture: ServiceFixture) -> [CaseReport] {
        fixture.caseIds.dropFirst().enumerated().map { index, caseId in
            CaseReport(
                caseId: caseId, status: index % 10 == 0 ? .failed : .passed,
                responseData: index == fixture.caseIds.count - 2 ? #"{"truncated": "# : #"{"status": 200}"#)
        }
    }

    @Test("All or nothing: when a detailed result fails, the run, its execution and every result stay as they were")
    func completeAllOrNothing() async throws {
        try await withServiceFixture(cases: 1_501) { fixture in
            let triggered = try await fixture.service.trigger(fixture.request())
            try await fixture.service.report(CaseReport(caseId: fixture.caseIds[0], status: .passed), executionId: triggered.executionId)
            let before = try await fixture.snapshot()
            let error = await driverError {
                try await fixture.service.complete(runId: triggered.runId, results: resultsWithBadLast(fixture))
            }
            #expect(error?.kind == .constraintViolation, "\(String(describing: error))")
            #expect(try await fixture.snapshot() == before)
            #expect(fixture.log.all.contains { $0.level == .warning && $0.metadata["run_id"] == "\(triggered.runId)" })
        }
    }

    @Test("Keep the summary: when a detailed result fails, the details roll back to the savepoint and the summary is committed")
    func completeKeepSummary() async throws {
        try await withServiceFixture(cases: 1_501) { fixture in
            let triggered = try await fixture.service.trigger(fixture.request())
            try await fixture.service.report(CaseReport(caseId: fixture.caseIds[0], status: .passed), executionId: triggered.executionId)
            let resultsBefore = try await fixture.env.connection.all("SELECT * FROM Auto_TestRunResults ORDER BY id", [])
            fixture.clock.advance(minutes: 3)
            let outcome = try await fixture.service.complete(
                runId: triggered.runId, results: resultsWithBadLast(fixture), mode: .keepSummary)

            #expect(!outcome.detailsSaved)
            #expect(outcome.detailFailure?.contains("response_data") == true, "\(outcome.detailFailure ?? "")")
            #expect(outcome.run.status == .failed)
            #expect(outcome.run.counters == [1_501, 1_351, 150, 0], "the summary counts what the runner reported")
            #expect(outcome.run.endedAt == fixture.clock.now)
            #expect(try await fixture.service.run(id: triggered.runId) == outcome.run, "committed")
            #expect(try await fixture.service.results(ofExecution: triggered.executionId)?.executionStatus == .failed)
            let resultsAfter = try await fixture.env.connection.all("SELECT * FROM Auto_TestRunResults ORDER BY id", [])
            #expect(resultsAfter == resultsBefore, "the first statement's 1,000 rows were rolled back too")
            let partial = fixture.log.all.first { $0.level == .error }
            #expect(partial?.message.hasPrefix("completed the run's summary; its detailed results were rolled back") == true)
            #expect(partial?.metadata["run_id"] == "\(triggered.runId)")
            #expect(partial?.metadata["execution_id"] == "\(triggered.executionId)")
        }
    }

    @Test("A result for a case that does not exist: all or nothing refuses it by name; keep-summary counts the others and saves no detail")
    func completeUnknownCase() async throws {
        try await withServiceFixture(cases: 3) { fixture in
            let triggered = try await fixture.service.trigger(fixture.request())
            let results = fixture.caseIds.map { CaseReport(caseId: $0, status: .passed) } + [CaseReport(caseId: 9_999, status: .failed)]
            let before = try await fixture.snapshot()
            await #expect(throws: ExecutionServiceError.casesNotFound([9_999])) {
                try await fixture.service.complete(runId: triggered.runId, results: results)
            }
            #expect(try await fixture.snapshot() == before)
            let outcome = try await fixture.service.complete(runId: triggered.runId, results: results, mode: .keepSummary)
            #expect(outcome.detailFailure == "these test cases do not exist: 9999")
            #expect(outcome.run.counters == [3, 3, 0, 0])
            #expect(outcome.run.status == .success)
            #expect(
                try await fixture.service.results(ofExecution: triggered.executionId)?.results.map(\.status) == [
                    .pending, .pending, .pending,
                ])
        }
    }

    // MARK: Timeouts

    @Test("The sweep aborts executions pending or running ten minutes after they started, and nothing younger or finished")
    func timeoutSweep() async throws {
        try await withServiceFixture(cases: 3) { fixture in
            let service = fixture.service
            let idle = try await service.trigger(fixture.request([fixture.caseIds[0]]))
            let done = try await service.trigger(fixture.request([fixture.caseIds[1]]))
            _ = try await service.complete(runId: done.runId, results: [CaseReport(caseId: fixture.caseIds[1], status: .passed)])
            fixture.clock.advance(minutes: 5)
            let busy = try await service.trigger(fixture.request([fixture.caseIds[1], fixture.caseIds[2]]))
            try await service.report(CaseReport(caseId: fixture.caseIds[1], status: .passed), executionId: busy.executionId)

            fixture.clock.advance(minutes: 5)  // idle started exactly ten minutes ago
            #expect(try await service.sweepTimedOutExecutions() == [])
            fixture.clock.advance(minutes: 0.1)
            #expect(try await service.sweepTimedOutExecutions() == [idle.executionId])
            #expect(try await service.run(id: idle.runId)?.status == .aborted)
            #expect(try await service.run(id: idle.runId)?.endedAt == fixture.clock.now)
            #expect(try await service.results(ofExecution: idle.executionId)?.executionStatus == .aborted)
            #expect(try await service.run(id: busy.runId)?.status == .running)
            #expect(try await service.run(id: done.runId)?.status == .success)

            fixture.clock.advance(minutes: 5)
            #expect(try await service.sweepTimedOutExecutions() == [busy.executionId])
            let aborted = try #require(try await service.results(ofExecution: busy.executionId))
            #expect(aborted.run.status == .aborted && aborted.executionStatus == .aborted)
            #expect(aborted.results.map(\.status) == [.passed, .pending], "reported results stay; the rest never ran")
            let counters = try await fixture.counters(ofRun: busy.runId)
            #expect(counters.stored == counters.counted)
            #expect(try await service.sweepTimedOutExecutions() == [])
            await #expect(throws: ExecutionServiceError.runFinished(runId: busy.runId, status: .aborted)) {
                try await service.report(CaseReport(caseId: fixture.caseIds[2], status: .passed), executionId: busy.executionId)
            }
            let warnings = fixture.log.all.filter { $0.message == "aborted an execution that ran past its timeout" }
            #expect(warnings.map { $0.metadata["execution_id"] } == ["\(idle.executionId)", "\(busy.executionId)"])
        }
    }

    // MARK: Lookup

    @Test("The lookup returns an execution's results by case with its run's summary; an unknown execution is nil")
    func lookup() async throws {
        try await withServiceFixture(cases: 3) { fixture in
            let other = try await fixture.service.trigger(fixture.request([fixture.caseIds[0]]))
            let triggered = try await fixture.service.trigger(fixture.request(fixture.caseIds.reversed()))
            let found = try #require(try await fixture.service.results(ofExecution: triggered.executionId))
            #expect(found.run.id == triggered.runId)
            #expect(found.results.map(\.caseId) == fixture.caseIds, "by case id, and only this execution's")
            #expect(try await fixture.service.results(ofExecution: other.executionId)?.results.count == 1)
            #expect(try await fixture.service.results(ofExecution: triggered.executionId + other.executionId + 1) == nil)
        }
    }

    // MARK: Concurrency, on two connections to one database

    @Test("Two runners report every case at once on two connections: each case is recorded once, and the counters equal the results")
    func concurrentCallbacks() async throws {
        try await withServiceFixture(cases: 200, mode: .pooled) { fixture in
            let triggered = try await fixture.service.trigger(fixture.request())
            let services = [fixture.service, fixture.service(on: try await fixture.env.connect())]
            let outcomes = try await withThrowingTaskGroup(of: [Int64: CallbackOutcome].self) { group in
                for (index, service) in services.enumerated() {
                    // The same cases, in opposite orders, so the two meet on each other's cases.
                    let order = index == 0 ? fixture.caseIds : fixture.caseIds.reversed()
                    group.addTask {
                        var outcomes: [Int64: CallbackOutcome] = [:]
                        for caseId in order {
                            outcomes[caseId] = try await service.report(
                                CaseReport(caseId: caseId, status: caseId % 3 == 0 ? .failed : .passed), executionId: triggered.executionId)
                        }
                        return outcomes
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            for caseId in fixture.caseIds {
                #expect(Set(outcomes.map { $0[caseId] }) == [.recorded, .alreadyRecorded], "case \(caseId)")
            }
            let counters = try await fixture.counters(ofRun: triggered.runId)
            #expect(counters.stored == counters.counted)
            #expect(counters.stored[1] + counters.stored[2] == 200)
        }
    }

    @Test("A completion racing late callbacks on another connection leaves the counters equal to the results")
    func completionRacingCallbacks() async throws {
        try await withServiceFixture(cases: 300, mode: .pooled) { fixture in
            let triggered = try await fixture.service.trigger(fixture.request())
            let completer = fixture.service
            // The completion starts once the runner has reported 50 cases, and races the other 250:
            // the second half, some with the outcome the runner reports, some with another.
            let outcomes = try await fixture.race(runnerReporting: .passed, executionId: triggered.executionId, startingAfter: 50) {
                let results = fixture.caseIds[150...].map { CaseReport(caseId: $0, status: $0 % 2 == 0 ? .passed : .failed) }
                _ = try await completer.complete(runId: triggered.runId, results: results)
            }
            #expect(outcomes.prefix(50).allSatisfy { $0 == "recorded" })
            // Once the run is finished, it stays finished: no callback is recorded after a refusal.
            let firstRefusal = outcomes.firstIndex(of: "finished") ?? outcomes.count
            #expect(!outcomes[firstRefusal...].contains("recorded"))
            let counters = try await fixture.counters(ofRun: triggered.runId)
            #expect(counters.stored == counters.counted)
            #expect(try await fixture.service.run(id: triggered.runId)?.status == .failed)
            // The completion's outcome is final for every case it named, whenever the runner reported it;
            // a case it did not name keeps the runner's report, or stays pending if that came too late.
            let stored = try #require(try await fixture.service.results(ofExecution: triggered.executionId)).results
            for (index, record) in stored.enumerated() {
                if index >= 150 {
                    #expect(record.status == (record.caseId % 2 == 0 ? .passed : .failed), "case \(record.caseId)")
                } else {
                    #expect(record.status == (outcomes[index] == "recorded" ? .passed : .pending), "case \(record.caseId)")
                }
            }
        }
    }

    @Test("The timeout sweep racing a runner on another connection: the run ends aborted, and the counters equal the results")
    func sweepRacingCallbacks() async throws {
        try await withServiceFixture(cases: 200, mode: .pooled) { fixture in
            let triggered = try await fixture.service.trigger(fixture.request())
            fixture.clock.advance(minutes: 11)  // late already: the sweep will abort it while the runner reports
            let sweeper = fixture.service
            let outcomes = try await fixture.race(runnerReporting: .failed, executionId: triggered.executionId, startingAfter: 20) {
                let swept = try await sweeper.sweepTimedOutExecutions()
                #expect(swept == [triggered.executionId])
            }
            #expect(outcomes.prefix(20).allSatisfy { $0 == "recorded" })
            let firstRefusal = outcomes.firstIndex(of: "finished") ?? outcomes.count
            #expect(!outcomes[firstRefusal...].contains("recorded"), "no result is recorded after the abort")
            let found = try #require(try await fixture.service.results(ofExecution: triggered.executionId))
            #expect(found.run.status == .aborted && found.executionStatus == .aborted)
            #expect(found.results.filter { $0.status == .failed }.count == firstRefusal)
            let counters = try await fixture.counters(ofRun: triggered.runId)
            #expect(counters.stored == counters.counted)
        }
    }

    @Test("Two completions of one run on two connections: one wins, the other is refused, and the counters are the winner's")
    func concurrentCompletions() async throws {
        try await withServiceFixture(cases: 500, mode: .pooled) { fixture in
            let triggered = try await fixture.service.trigger(fixture.request())
            let services = [fixture.service(on: try await fixture.env.connect()), fixture.service(on: try await fixture.env.connect())]
            // On MySQL the test lines the race up: it holds the run's row lock itself until both
            // completions are waiting for it, then lets them go together.
            let gate = fixture.env.connection
            if fixture.env.backend == .mysql {
                try await gate.beginTransaction()
                try await gate.run("SELECT id FROM Auto_TestRun WHERE id = ? FOR UPDATE", [.integer(triggered.runId)])
            }
            let statuses: [CaseStatus] = [.passed, .failed]
            let results = try await withThrowingTaskGroup(of: Result<CompletionOutcome, ExecutionServiceError>.self) { group in
                for (service, status) in zip(services, statuses) {
                    group.addTask {
                        do {
                            return .success(
                                try await service.complete(
                                    runId: triggered.runId, results: fixture.caseIds.map { CaseReport(caseId: $0, status: status) }))
                        } catch let error as ExecutionServiceError {
                            return .failure(error)
                        }
                    }
                }
                if fixture.env.backend == .mysql {
                    try await Task.sleep(for: .milliseconds(200))
                    try await gate.rollback()
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let winners = results.compactMap { try? $0.get() }
            #expect(winners.count == 1)
            #expect(results.contains { if case .failure(.runFinished(triggered.runId, _)) = $0 { true } else { false } })
            let counters = try await fixture.counters(ofRun: triggered.runId)
            #expect(counters.stored == counters.counted)
            #expect(counters.stored == (winners.first?.run.status == .success ? [500, 500, 0, 0] : [500, 0, 500, 0]))
        }
    }

    // MARK: Scale

    @Test("10,000 cases are triggered, reported and completed, and looked up whole")
    func scale() async throws {
        try await withServiceFixture(cases: 10_000) { fixture in
            let triggered = try await fixture.service.trigger(fixture.request())
            #expect(triggered.totalCases == 10_000)
            for caseId in fixture.caseIds.prefix(100) {
                try await fixture.service.report(CaseReport(caseId: caseId, status: .passed), executionId: triggered.executionId)
            }
            let results = fixture.caseIds.dropFirst(100).map {
                CaseReport(caseId: $0, status: $0 % 100 == 0 ? .failed : .passed, durationMs: 3)
            }
            let outcome = try await fixture.service.complete(runId: triggered.runId, results: results)
            #expect(outcome.run.totalCases == 10_000)
            #expect(outcome.run.failedCases == results.filter { $0.status == .failed }.count)
            let found = try #require(try await fixture.service.results(ofExecution: triggered.executionId))
            #expect(found.results.count == 10_000)
            #expect(found.results.allSatisfy { $0.status != .pending })
            let counters = try await fixture.counters(ofRun: triggered.runId)
            #expect(counters.stored == counters.counted)
        }
    }
}
