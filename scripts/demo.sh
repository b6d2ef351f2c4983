#!/usr/bin/env bash
# The demo: installs what the build needs, then runs testenv-demo on the default backend
# (an in-memory SQLite database, no server needed).
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/prerequisites.sh
source scripts/prerequisites.sh
testenv_install_packages "${TESTENV_BUILD_PACKAGES[@]}"

swift build --product testenv-demo >&2
exec "$(swift build --show-bin-path)/testenv-demo" "$@"
