#!/usr/bin/env bash
# Runs the JS SDK interop tests against an otter binary: tests/interop/run.sh <path-to-otter>
# Installs the pinned npm packages (scripts/npm-ci-if-stale.sh: when node_modules is missing or
# package-lock.json changed since the last install), then runs the node:test suite. Extra
# arguments go to node (e.g. --test-name-pattern='curl').
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [[ $# -lt 1 ]]; then
  echo "usage: $0 <path-to-otter> [node args...]" >&2
  exit 2
fi
otter="$1"
[[ -d "$(dirname "$otter")" ]] && otter="$(cd "$(dirname "$otter")" && pwd)/$(basename "$otter")"
shift

# The node that tests/tests.cmake chose (scripts/ensure-node.sh): first on PATH for npm and node.
if [[ -n ${OTTER_NODE_BIN:-} ]]; then export PATH="$OTTER_NODE_BIN:$PATH"; fi
# Fail at once, not with a puzzling error half-way: the suite uses node >= 20.6 features.
node_version="$(node --version 2>/dev/null || true)"
IFS=. read -r major minor _ <<<"${node_version#v}"
if ! [[ ${major:-} =~ ^[0-9]+$ && ${minor:-} =~ ^[0-9]+$ ]] ||
  ((major < 20 || (major == 20 && minor < 6))); then
  echo "interop: needs node >= 20.6 (found: ${node_version:-none});" \
    "scripts/ensure-node.sh <prefix> installs one (cmake does so into the build tree)" >&2
  exit 1
fi

"$here/../../scripts/npm-ci-if-stale.sh" "$here"
cd "$here"

# The SDK reads OTEL_* variables; the tests must not depend on the caller's environment.
while IFS= read -r v; do unset "$v"; done < <(env | sed -n 's/^\(OTEL_[A-Za-z0-9_]*\)=.*/\1/p')

export OTTER_BIN="$otter"
# The live-tail test uses node's own WebSocket client (undici), behind a flag in node 20.
export NODE_OPTIONS="${NODE_OPTIONS:+$NODE_OPTIONS }--experimental-websocket"
exec node --test --test-concurrency=1 \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=./summary_reporter.mjs --test-reporter-destination=stdout \
  "$@" *.test.mjs
