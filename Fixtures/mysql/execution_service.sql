-- ExecutionService reference application (MySQL / MariaDB).
-- The SQLite version in ../sqlite/execution_service.sql describes the same tables.

CREATE TABLE Auto_TestCase (
    id BIGINT NOT NULL AUTO_INCREMENT,
    name VARCHAR(200) NOT NULL,
    suite VARCHAR(100) NOT NULL DEFAULT 'default',
    enabled TINYINT(1) NOT NULL DEFAULT 1,
    PRIMARY KEY (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE Auto_TestRun (
    id BIGINT NOT NULL AUTO_INCREMENT,
    execution_id CHAR(36) NOT NULL,
    triggered_by VARCHAR(100) NOT NULL,
    status ENUM('pending', 'passed', 'failed') NOT NULL DEFAULT 'pending',
    total_cases INT NOT NULL,
    passed_cases INT NOT NULL DEFAULT 0,
    failed_cases INT NOT NULL DEFAULT 0,
    created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    timeout_at DATETIME(6) NOT NULL,
    completed_at DATETIME(6) NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_testrun_execution_id (execution_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE Auto_TestCaseTaskExecutions (
    id BIGINT NOT NULL AUTO_INCREMENT,
    execution_id CHAR(36) NOT NULL,
    run_id BIGINT NOT NULL,
    case_id BIGINT NOT NULL,
    status ENUM('queued', 'passed', 'failed') NOT NULL DEFAULT 'queued',
    PRIMARY KEY (id),
    UNIQUE KEY uq_task_execution_case (execution_id, case_id),
    KEY ix_task_run (run_id),
    CONSTRAINT fk_task_run FOREIGN KEY (run_id) REFERENCES Auto_TestRun (id),
    CONSTRAINT fk_task_case FOREIGN KEY (case_id) REFERENCES Auto_TestCase (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

CREATE TABLE Auto_TestRunResults (
    id BIGINT NOT NULL AUTO_INCREMENT,
    run_id BIGINT NOT NULL,
    case_id BIGINT NOT NULL,
    outcome ENUM('passed', 'failed') NOT NULL,
    duration_ms INT NOT NULL,
    message TEXT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_result_run_case (run_id, case_id),
    CONSTRAINT fk_result_run FOREIGN KEY (run_id) REFERENCES Auto_TestRun (id),
    CONSTRAINT fk_result_case FOREIGN KEY (case_id) REFERENCES Auto_TestCase (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
