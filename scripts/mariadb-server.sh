#!/usr/bin/env bash
# A private, throwaway MariaDB server for the test suite.
#
#   scripts/mariadb-server.sh start          → prints the server's directory; its env.sh exports TEST_DB_*
#   scripts/mariadb-server.sh start --stock  → the same with stock durability, data directory on disk
#   scripts/mariadb-server.sh start --max-connections 30 → a small server, for the stress test
#   scripts/mariadb-server.sh stop DIR       → shuts that server down and deletes DIR
#
# The server gets its own data directory on tmpfs (/dev/shm), its own socket, a free loopback
# port and a random root password, and relaxed durability (nothing here must survive a crash).
# --stock keeps MariaDB's durable defaults (fsync per commit, doublewrite) on disk, for benchmarks
# that compare with what a developer's own server does.
# It never reads the system's my.cnf and never touches another MariaDB on the machine.
set -euo pipefail

die() { echo "mariadb-server.sh: $*" >&2; exit 1; }

port_is_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pick_free_port() {
    local port
    for _ in $(seq 50); do
        port=$((20000 + RANDOM % 40000))
        if port_is_free "$port"; then echo "$port"; return 0; fi
    done
    die "found no free port between 20000 and 60000"
}

write_config() {
    local dir=$1 port=$2 stock=$3 max_connections=$4
    cat >"$dir/my.cnf" <<EOF
[mariadbd]
datadir=$dir/data
socket=$dir/mariadb.sock
pid-file=$dir/mariadb.pid
log-error=$dir/error.log
port=$port
bind-address=127.0.0.1
skip-name-resolve
user=$(id -un)
character-set-server=utf8mb4
collation-server=utf8mb4_unicode_ci
max_connections=$max_connections
max_allowed_packet=256M
performance_schema=OFF
skip-log-bin
innodb_buffer_pool_size=256M
innodb_log_file_size=64M
EOF
    if [[ -z $stock ]]; then
        # Test data need not survive a crash: no fsync on commit, no doublewrite.
        printf 'innodb_flush_log_at_trx_commit=0\ninnodb_doublewrite=0\n' >>"$dir/my.cnf"
    fi
}

wait_until_answering() {
    local dir=$1 pid=$2
    for _ in $(seq 300); do
        if mariadb-admin --no-defaults --socket="$dir/mariadb.sock" --user=root ping >/dev/null 2>&1; then
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

start() {
    local stock="" max_connections=500
    while (($#)); do
        case $1 in
            --stock) stock=1 ;;
            --max-connections) max_connections=$2; shift ;;
            *) die "unknown option for start: $1" ;;
        esac
        shift
    done
    command -v mariadbd >/dev/null || die "mariadbd not found: install it with 'apt-get install mariadb-server' (or run scripts/prerequisites.sh)"
    local base=/dev/shm
    [[ -d $base && -w $base && -z $stock ]] || base=${TMPDIR:-/var/tmp}
    local port password
    # dir and pid are global: the EXIT trap below reads them if start fails.
    dir=$(mktemp -d "$base/testenv-mariadb.XXXXXX")
    # Until the server is handed over, a failure takes it and its directory away again.
    pid=""
    trap '[[ -n $pid ]] && kill -9 "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
    mariadb-install-db --no-defaults --datadir="$dir/data" --user="$(id -un)" \
        --auth-root-authentication-method=normal --skip-test-db >"$dir/install.log" 2>&1 ||
        { cat "$dir/install.log" >&2; die "mariadb-install-db failed (log above)"; }

    for attempt in 1 2 3; do
        port=$(pick_free_port)
        write_config "$dir" "$port" "$stock" "$max_connections"
        mariadbd --defaults-file="$dir/my.cnf" >>"$dir/error.log" 2>&1 </dev/null &
        pid=$!
        echo "$pid" >"$dir/server.pid"
        if wait_until_answering "$dir" "$pid"; then break; fi
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        [[ $attempt == 3 ]] && { tail -20 "$dir/error.log" >&2; die "mariadbd did not start (its log is above)"; }
    done

    password=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
    mariadb --no-defaults --socket="$dir/mariadb.sock" --user=root <<EOF
ALTER USER 'root'@'localhost' IDENTIFIED BY '$password';
CREATE USER IF NOT EXISTS 'root'@'127.0.0.1';
ALTER USER 'root'@'127.0.0.1' IDENTIFIED BY '$password';
GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
FLUSH PRIVILEGES;
EOF
    {
        printf 'export TEST_DB_HOST=127.0.0.1\n'
        printf 'export TEST_DB_PORT=%q\n' "$port"
        printf 'export TEST_DB_USER=root\n'
        printf 'export TEST_DB_PASSWORD=%q\n' "$password"
        printf 'export TEST_DB_SOCKET=%q\n' "$dir/mariadb.sock"
    } >"$dir/env.sh"
    trap - EXIT
    echo "mariadb-server.sh: MariaDB $(mariadbd --version | awk '{print $3}') on 127.0.0.1:$port, data in $dir" >&2
    echo "$dir"
}

stop() {
    local dir=${1:-}
    [[ -n $dir && -f $dir/my.cnf ]] || die "usage: $0 stop DIR (the directory 'start' printed)"
    local pid
    pid=$(cat "$dir/server.pid" 2>/dev/null || true)
    if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
        # Nothing on tmpfs needs a clean shutdown; SIGTERM is quick, SIGKILL is the backstop.
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -rf "$dir"
}

case ${1:-} in
    start) shift; start "$@" ;;
    stop) stop "${2:-}" ;;
    *) die "usage: $0 start [--stock] [--max-connections N] | stop DIR" ;;
esac
