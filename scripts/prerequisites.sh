#!/usr/bin/env bash
# Installs the Debian packages TestEnvKit needs, only when one is missing.
# Sourced by demo.sh and test.sh; safe to run on its own.
#
#   libsqlite3-dev, libmariadb-dev, pkg-config — headers and libraries the
#                                                 CSQLite3 / CMariaDB targets link
#   mariadb-server, mariadb-client             — mariadbd, mariadb-admin and mariadb, for the MySQL test run
#
# The package's own service is kept from starting (policy-rc.d): the test
# script runs a private server and must not depend on, or disturb, a system one.
set -euo pipefail

testenv_missing_packages() {
    local wanted=("$@") missing=() pkg
    for pkg in "${wanted[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
            missing+=("$pkg")
        fi
    done
    echo "${missing[@]:-}"
}

testenv_install_packages() {
    local missing
    missing=$(testenv_missing_packages "$@")
    [[ -z "$missing" ]] && return 0

    local sudo=""
    if [[ $(id -u) -ne 0 ]]; then
        command -v sudo >/dev/null || { echo "error: need root or sudo to install: $missing" >&2; return 1; }
        sudo="sudo"
    fi
    echo "==> installing Debian packages: $missing" >&2
    local policy=/usr/sbin/policy-rc.d created_policy="" caller_trap status=0
    caller_trap=$(trap -p EXIT)
    if [[ ! -e $policy ]]; then
        created_policy=1
        printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
        $sudo chmod +x "$policy"
        # Removed however the install ends, so no service start on the machine stays blocked.
        trap "$sudo rm -f $policy" EXIT
    fi
    {
        $sudo apt-get update -qq &&
            # shellcheck disable=SC2086 # word splitting of the package list is intended
            $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
    } >&2 || status=$?
    if [[ -n $created_policy ]]; then
        $sudo rm -f "$policy"
        if [[ -n $caller_trap ]]; then eval "$caller_trap"; else trap - EXIT; fi
    fi
    return $status
}

TESTENV_BUILD_PACKAGES=(pkg-config libsqlite3-dev libmariadb-dev)
TESTENV_SERVER_PACKAGES=(mariadb-server mariadb-client)

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    testenv_install_packages "${TESTENV_BUILD_PACKAGES[@]}" "${TESTENV_SERVER_PACKAGES[@]}"
fi
