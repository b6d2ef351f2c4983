-- ExecutionService reference application (SQLite).
-- The MySQL version in ../mysql/execution_service.sql describes the same tables.

CREATE TABLE Auto_TestCase (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    suite TEXT NOT NULL DEFAULT 'default',
    enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1))
);

CREATE TABLE Auto_TestRun (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    execution_id TEXT NOT NULL UNIQUE,
    triggered_by TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'passed', 'failed')),
    total_cases INTEGER NOT NULL,
    passed_cases INTEGER NOT NULL DEFAULT 0,
    failed_cases INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    timeout_at TEXT NOT NULL,
    completed_at TEXT NULL
);

CREATE TABLE Auto_TestCaseTaskExecutions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    execution_id TEXT NOT NULL,
    run_id INTEGER NOT NULL REFERENCES Auto_TestRun (id),
    case_id INTEGER NOT NULL REFERENCES Auto_TestCase (id),
    status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'passed', 'failed')),
    UNIQUE (execution_id, case_id)
);

CREATE INDEX ix_task_run ON Auto_TestCaseTaskExecutions (run_id);

CREATE TABLE Auto_TestRunResults (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id INTEGER NOT NULL REFERENCES Auto_TestRun (id),
    case_id INTEGER NOT NULL REFERENCES Auto_TestCase (id),
    outcome TEXT NOT NULL CHECK (outcome IN ('passed', 'failed')),
    duration_ms INTEGER NOT NULL,
    message TEXT NULL,
    UNIQUE (run_id, case_id)
);
