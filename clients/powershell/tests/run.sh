#!/usr/bin/env bash
# The PowerShell module's checks that need no PowerShell (ast.test.mjs): installs the pinned
# tree-sitter grammar (npm ci, when package-lock.json changed) and runs node's test runner.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [[ -n ${OTTER_NODE_BIN:-} ]]; then export PATH="$OTTER_NODE_BIN:$PATH"; fi
"$here/../../../scripts/npm-ci-if-stale.sh" "$here"
cd "$here"
# --liftoff-only: V8 would otherwise spend a minute of CPU optimising the grammar's large
# WebAssembly module in the background, which the process then waits for at exit.
exec node --liftoff-only --test-reporter=spec ast.test.mjs
