#!/usr/bin/env bash
# Stress: 4 processes × 50 environment lifecycles at once against a private MariaDB with
# max_connections=30. Passes when every lifecycle passes (no collisions, no 1040 errors reach a
# test), and once the databases the processes parked at exit are drained (`testenv pool drain`),
# the server is left without a test database or a tracking record. Bounded in time.
# Expects built testenv-stress and testenv executables (scripts/test.sh builds them).
set -euo pipefail
cd "$(dirname "$0")/.."

processes=${STRESS_PROCESSES:-4}
environments=${STRESS_ENVIRONMENTS:-50}
stress=$(swift build --show-bin-path)/testenv-stress
testenv=$(swift build --show-bin-path)/testenv

exports=$("$testenv" server start --max-connections 30) || { echo "stress.sh: could not start MariaDB (see above)" >&2; exit 1; }
eval "$exports"
server=$TESTENV_SERVER_DIR
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; "$testenv" server stop --dir "$server"' EXIT

for _ in $(seq "$processes"); do
    TEST_DB_TYPE=mysql CI=true timeout 300 "$stress" "$environments" 20 &
    pids+=($!)
done
failed=0
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done

# Parked databases are meant to stay for the next run; drained, nothing else may be left.
"$testenv" pool drain || failed=1
leftovers=$(mariadb --no-defaults --socket="$TEST_DB_SOCKET" -uroot -p"$TEST_DB_PASSWORD" -N -e \
    "SELECT (SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'test\\_%')
          + (SELECT COUNT(*) FROM testenv_tracking._testenv_databases)") || leftovers="unknown (query failed)"
echo "stress: $processes processes × $environments environments, max_connections 30: $leftovers databases or records left"
[[ $failed == 0 && $leftovers == 0 ]]
