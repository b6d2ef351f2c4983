#!/usr/bin/env bash
# Benchmarks, from a release build: `testenv bench` on SQLite, on the tmpfs MariaDB the tests use,
# and on a MariaDB with stock durability (data on disk, fsync per commit). Prints the figures the
# README quotes; extra arguments go to `testenv bench` (for example --json).
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/prerequisites.sh
source scripts/prerequisites.sh
testenv_install_packages "${TESTENV_BUILD_PACKAGES[@]}" "${TESTENV_SERVER_PACKAGES[@]}"

swift build -c release --product testenv >&2
bench=$(swift build -c release --show-bin-path)/testenv

servers=()
trap 'for s in "${servers[@]}"; do scripts/mariadb-server.sh stop "$s"; done' EXIT

echo "== SQLite (in memory)"
"$bench" bench --type sqlite "$@"
for kind in tmpfs stock; do
    if [[ $kind == stock ]]; then server=$(scripts/mariadb-server.sh start --stock); else server=$(scripts/mariadb-server.sh start); fi
    servers+=("$server")
    echo "== MariaDB, $kind"
    (source "$server/env.sh" && "$bench" bench --type mysql "$@")
done
