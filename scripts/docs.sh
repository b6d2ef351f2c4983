#!/usr/bin/env bash
# Builds the TestEnvKit DocC catalog with the toolchain's docc, warnings as errors (a broken
# symbol link fails). Output: .build/docs/TestEnvKit.doccarchive. Used by scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

scratch=.build/docs
graphs=$scratch/symbol-graphs
rm -rf "$graphs" && mkdir -p "$graphs"
# A separate scratch path, so the symbol-graph build does not invalidate the main build.
# It also tries the test modules, which have no graphs to give; TestEnvKit's is what counts.
swift package --scratch-path "$scratch/build" dump-symbol-graph --minimum-access-level public >"$scratch/dump.log" 2>&1 ||
    grep -q "Emitting symbol graph for TestEnvKit$" "$scratch/dump.log" || { cat "$scratch/dump.log" >&2; exit 1; }
# One module per archive: TestEnvKit's graphs (its extensions of other modules included).
cp "$scratch"/build/*/symbolgraph/TestEnvKit.symbols.json "$scratch"/build/*/symbolgraph/TestEnvKit@*.symbols.json "$graphs"/
docc=$(command -v docc || echo "$(dirname "$(command -v swift)")/docc")
"$docc" convert Sources/TestEnvKit/TestEnvKit.docc --additional-symbol-graph-dir "$graphs" \
    --fallback-display-name TestEnvKit --fallback-bundle-identifier org.testenvkit.TestEnvKit \
    --output-path "$scratch/TestEnvKit.doccarchive" --warnings-as-errors
echo "docs: $scratch/TestEnvKit.doccarchive" >&2
