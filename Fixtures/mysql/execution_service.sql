-- ExecutionService reference application (MySQL / MariaDB).
-- The SQLite version in ../sqlite/execution_service.sql describes the same tables.
--
-- A CI system triggers a run of test cases: one Auto_TestRun, the execution it belongs to
-- (Auto_TestCaseTaskExecutions, named by an explicit foreign key) and one Auto_TestRunResults row
-- per case. Runners report results case by case; the run is completed once.

CREATE TABLE Auto_TestCase (
    id BIGINT NOT NULL AUTO_INCREMENT,
    name VARCHAR(200) NOT NULL,
    type ENUM('api', 'ui', 'unit', 'performance') NOT NULL DEFAULT 'api',
    script_path VARCHAR(500) NULL,
    enabled TINYINT(1) NOT NULL DEFAULT 1,
    created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE Auto_TestCaseTaskExecutions (
    id BIGINT NOT NULL AUTO_INCREMENT,
    task_id BIGINT NULL,
    status ENUM('pending', 'running', 'success', 'failed', 'aborted') NOT NULL DEFAULT 'pending',
    total_cases INT NOT NULL DEFAULT 0,
    executed_by VARCHAR(100) NOT NULL,
    start_time DATETIME(6) NOT NULL,
    created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    -- The timeout sweep: unfinished executions by start time.
    KEY ix_execution_status_start (status, start_time),
    KEY ix_execution_task (task_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE Auto_TestRun (
    id BIGINT NOT NULL AUTO_INCREMENT,
    project_id BIGINT NOT NULL,
    trigger_type ENUM('manual', 'scheduled', 'ci') NOT NULL,
    triggered_by VARCHAR(100) NOT NULL,
    ci_job_name VARCHAR(200) NULL,
    status ENUM('pending', 'running', 'success', 'failed', 'aborted') NOT NULL DEFAULT 'pending',
    run_config JSON NULL,
    total_cases INT NOT NULL DEFAULT 0,
    passed_cases INT NOT NULL DEFAULT 0,
    failed_cases INT NOT NULL DEFAULT 0,
    skipped_cases INT NOT NULL DEFAULT 0,
    duration_ms BIGINT NULL,
    execution_id BIGINT NOT NULL,
    created_at DATETIME(6) NOT NULL,
    started_at DATETIME(6) NULL,
    ended_at DATETIME(6) NULL,
    updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    UNIQUE KEY uq_run_execution (execution_id),
    KEY ix_run_project_created (project_id, created_at),
    CONSTRAINT fk_run_execution FOREIGN KEY (execution_id) REFERENCES Auto_TestCaseTaskExecutions (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE Auto_TestRunResults (
    id BIGINT NOT NULL AUTO_INCREMENT,
    execution_id BIGINT NOT NULL,
    case_id BIGINT NOT NULL,
    case_name VARCHAR(200) NOT NULL,
    status ENUM('pending', 'passed', 'failed', 'error', 'skipped') NOT NULL DEFAULT 'pending',
    duration_ms INT NULL,
    error_message TEXT NULL,
    error_stack MEDIUMTEXT NULL,
    screenshot_path VARCHAR(500) NULL,
    log_path VARCHAR(500) NULL,
    assertions_total INT NULL,
    assertions_passed INT NULL,
    response_data JSON NULL,
    start_time DATETIME(6) NULL,
    end_time DATETIME(6) NULL,
    created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    -- One row per case of an execution; also the lookup of an execution's results.
    UNIQUE KEY uq_result_execution_case (execution_id, case_id),
    KEY ix_result_execution_status (execution_id, status),
    KEY ix_result_case (case_id),
    CONSTRAINT fk_result_execution FOREIGN KEY (execution_id) REFERENCES Auto_TestCaseTaskExecutions (id),
    CONSTRAINT fk_result_case FOREIGN KEY (case_id) REFERENCES Auto_TestCase (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
