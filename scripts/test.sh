#!/usr/bin/env bash
# The whole test suite, as CI runs it: formatting lint, a build in which warnings are errors,
# then every test twice — with TEST_DB_TYPE=sqlite and with TEST_DB_TYPE=mysql against a private
# MariaDB that this script starts and always stops. Fails if either run fails.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/prerequisites.sh
source scripts/prerequisites.sh
testenv_install_packages "${TESTENV_BUILD_PACKAGES[@]}" "${TESTENV_SERVER_PACKAGES[@]}"

flags=(-Xswiftc -warnings-as-errors)

echo "==> swift format lint --strict" >&2
swift format lint --strict --recursive Sources Tests Examples Package.swift

echo "==> swift build --build-tests" >&2
swift build --build-tests "${flags[@]}"

# A throwaway MariaDB on tmpfs, started by the project's own CLI: `testenv server` is tested on every run.
testenv=$(swift build --show-bin-path)/testenv
exports=$("$testenv" server start) || { echo "test.sh: could not start MariaDB (testenv server start says why above)" >&2; exit 1; }
eval "$exports"
server=$TESTENV_SERVER_DIR
trap '"$testenv" server stop --dir "$server"' EXIT
trap 'exit 130' INT TERM

failed=()
run() { # run LABEL COMMAND...: runs one step, remembers its failure, goes on
    local label=$1
    shift
    echo "==> $label" >&2
    "$@" || failed+=("$label")
}
# Four processes against a server with 30 connections: its own server, started and stopped by the script.
run "mysql: stress, 4 processes x 50 environments, max_connections 30" scripts/stress.sh
# Tests that change the server's global settings run alone, before the full runs.
run "mysql: server-wide tests, alone" env TEST_DB_TYPE=mysql TESTENV_EXCLUSIVE_SERVER=1 \
    swift test --skip-build "${flags[@]}" --filter tooManyConnections
# XCTest classes must also work with each test method in its own process.
run "mysql: XCTest with --parallel" env TEST_DB_TYPE=mysql swift test --skip-build "${flags[@]}" --parallel --filter TestEnvKitXCTests
run "TEST_DB_TYPE=sqlite: all tests" env TEST_DB_TYPE=sqlite swift test --skip-build "${flags[@]}"
run "TEST_DB_TYPE=mysql: all tests" env TEST_DB_TYPE=mysql TEST_DB_REPORT="$server/report-{pid}.json" \
    swift test --skip-build "${flags[@]}"
# The Swift Testing process of that run wrote the larger report (XCTest ran in another process).
report=$(ls -S "$server"/report-*.json 2>/dev/null | head -1 || true)
run "run report of the MySQL run: shape and leak check" env TESTENV_VALIDATE_REPORT="${report:-$server/missing-report.json}" \
    swift test --skip-build "${flags[@]}" --filter RunReportTests

# Last, since it builds again with other flags: the DocC catalog, warnings (broken links) as errors.
run "DocC catalog" scripts/docs.sh

if ((${#failed[@]})); then
    printf '==> FAILED: %s\n' "${failed[@]}" >&2
    exit 1
fi
echo "==> all tests passed with TEST_DB_TYPE=sqlite and TEST_DB_TYPE=mysql" >&2
