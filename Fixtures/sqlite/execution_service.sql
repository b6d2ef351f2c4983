-- ExecutionService reference application (SQLite).
-- The MySQL version in ../mysql/execution_service.sql describes the same tables.

CREATE TABLE Auto_TestCase (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    type TEXT NOT NULL DEFAULT 'api' CHECK (type IN ('api', 'ui', 'unit', 'performance')),
    script_path TEXT NULL,
    enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
);

CREATE TABLE Auto_TestCaseTaskExecutions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id INTEGER NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'success', 'failed', 'aborted')),
    total_cases INTEGER NOT NULL DEFAULT 0,
    executed_by TEXT NOT NULL,
    start_time TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
);

-- The timeout sweep: unfinished executions by start time.
CREATE INDEX ix_execution_status_start ON Auto_TestCaseTaskExecutions (status, start_time);
CREATE INDEX ix_execution_task ON Auto_TestCaseTaskExecutions (task_id);

CREATE TABLE Auto_TestRun (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL,
    trigger_type TEXT NOT NULL CHECK (trigger_type IN ('manual', 'scheduled', 'ci')),
    triggered_by TEXT NOT NULL,
    ci_job_name TEXT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'success', 'failed', 'aborted')),
    run_config TEXT NULL CHECK (run_config IS NULL OR json_valid(run_config)),
    total_cases INTEGER NOT NULL DEFAULT 0,
    passed_cases INTEGER NOT NULL DEFAULT 0,
    failed_cases INTEGER NOT NULL DEFAULT 0,
    skipped_cases INTEGER NOT NULL DEFAULT 0,
    duration_ms INTEGER NULL,
    execution_id INTEGER NOT NULL UNIQUE REFERENCES Auto_TestCaseTaskExecutions (id),
    created_at TEXT NOT NULL,
    started_at TEXT NULL,
    ended_at TEXT NULL,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
);

CREATE INDEX ix_run_project_created ON Auto_TestRun (project_id, created_at);

-- SQLite has no ON UPDATE clause; this trigger keeps updated_at the same way.
CREATE TRIGGER tr_run_updated_at AFTER UPDATE ON Auto_TestRun
FOR EACH ROW WHEN NEW.updated_at = OLD.updated_at
BEGIN
    UPDATE Auto_TestRun SET updated_at = strftime('%Y-%m-%d %H:%M:%f', 'now') WHERE id = NEW.id;
END;

CREATE TABLE Auto_TestRunResults (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    execution_id INTEGER NOT NULL REFERENCES Auto_TestCaseTaskExecutions (id),
    case_id INTEGER NOT NULL REFERENCES Auto_TestCase (id),
    case_name TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'passed', 'failed', 'error', 'skipped')),
    duration_ms INTEGER NULL,
    error_message TEXT NULL,
    error_stack TEXT NULL,
    screenshot_path TEXT NULL,
    log_path TEXT NULL,
    assertions_total INTEGER NULL,
    assertions_passed INTEGER NULL,
    response_data TEXT NULL CHECK (response_data IS NULL OR json_valid(response_data)),
    start_time TEXT NULL,
    end_time TEXT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    -- One row per case of an execution; also the lookup of an execution's results.
    UNIQUE (execution_id, case_id)
);

CREATE INDEX ix_result_execution_status ON Auto_TestRunResults (execution_id, status);
CREATE INDEX ix_result_case ON Auto_TestRunResults (case_id);
