#!/usr/bin/env bash
# Benchmarks, from a release build: `testenv bench` (lifecycles one after another, and suites of 300
# tests started at once) on SQLite, on the tmpfs MariaDB the tests use,
# and on a MariaDB with stock durability (data on disk, fsync per commit), each for the example
# schema (1,000 lifecycles) and for Chinook (11 tables with reference rows, 200 lifecycles, when
# ../shared/fixtures/chinook is there). Prints the figures the README quotes; extra arguments go to
# every `testenv bench` run (for example --json).
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/prerequisites.sh
source scripts/prerequisites.sh
testenv_install_packages "${TESTENV_BUILD_PACKAGES[@]}" "${TESTENV_SERVER_PACKAGES[@]}"

swift build -c release --product testenv >&2
swift build -c release --product testenv-seeding-bench >&2
bench=$(swift build -c release --show-bin-path)/testenv
seeding=$(swift build -c release --show-bin-path)/testenv-seeding-bench
chinook=../shared/fixtures/chinook

servers=()
trap 'for s in "${servers[@]}"; do "$bench" server stop --dir "$s" || true; done' EXIT

run() {
    local type=$1 && shift
    local chinook_schema=(--schema "$chinook/Chinook_MySql.sql" --sqlite-schema "$chinook/Chinook_Sqlite.sql" --skip-database-statements)
    echo "== $type, example schema"
    "$bench" bench --type "$type" "$@"
    echo "== $type, seeding and the example service"
    "$seeding" --type "$type" "$@"
    echo "== $type, example schema, 300 tests at once"
    "$bench" bench --type "$type" --workload suite --tests 300 "$@"
    if [[ -f $chinook/Chinook_MySql.sql ]]; then
        echo "== $type, Chinook"
        "$bench" bench --type "$type" "${chinook_schema[@]}" --environments 200 --rows 1000 --cases 100 --repeats 1 "$@"
        echo "== $type, Chinook, 300 tests at once"
        "$bench" bench --type "$type" "${chinook_schema[@]}" --workload suite --tests 300 "$@"
        if [[ $type == mysql ]]; then
            # Without userstat (a user's own server), resets compare reference tables by checksum.
            mariadb --no-defaults --socket="$TEST_DB_SOCKET" -uroot -p"$TEST_DB_PASSWORD" -e "SET GLOBAL userstat = OFF"
            echo "== $type, Chinook, 300 tests at once, userstat=OFF"
            "$bench" bench --type "$type" "${chinook_schema[@]}" --workload suite --tests 300 "$@"
            mariadb --no-defaults --socket="$TEST_DB_SOCKET" -uroot -p"$TEST_DB_PASSWORD" -e "SET GLOBAL userstat = ON"
        fi
    fi
}

echo "### SQLite (in memory)"
run sqlite "$@"
for kind in tmpfs stock; do
    if [[ $kind == stock ]]; then exports=$("$bench" server start --stock); else exports=$("$bench" server start); fi
    servers+=("$(sed -n "s/^export TESTENV_SERVER_DIR='\(.*\)'$/\1/p" <<<"$exports")")
    echo "### MariaDB, $kind"
    (eval "$exports" && run mysql "$@")
done
