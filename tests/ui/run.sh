#!/usr/bin/env bash
# Runs the browser tests of otter's web UI: tests/ui/run.sh <path-to-otter> [node args...]
# node:test + playwright-core driving Debian's chromium headless (CHROMIUM overrides its path),
# loopback only. Installs playwright-core (pinned in package-lock.json; no browser download) when
# node_modules is stale. OTTER_UI_SCREENSHOTS=<dir> also saves a screenshot of each page there
# (docs/ui holds the committed ones); failures save theirs to OTTER_UI_ARTIFACTS (default: a
# temporary directory, printed).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [[ $# -lt 1 ]]; then
  echo "usage: $0 <path-to-otter> [node args...]" >&2
  exit 2
fi
otter="$1"
[[ -d "$(dirname "$otter")" ]] && otter="$(cd "$(dirname "$otter")" && pwd)/$(basename "$otter")"
shift
# Relative to where the script was run (it changes directory below).
for v in OTTER_UI_SCREENSHOTS OTTER_UI_ARTIFACTS; do
  if [[ -n ${!v:-} && ${!v} != /* ]]; then export "$v=$PWD/${!v}"; fi
done
if [[ -n ${OTTER_NODE_BIN:-} ]]; then export PATH="$OTTER_NODE_BIN:$PATH"; fi
"$here/../../scripts/npm-ci-if-stale.sh" "$here"
cd "$here"
export OTTER_BIN="$otter"
exec node --test --test-concurrency=1 --test-reporter=spec --test-reporter-destination=stdout \
  "$@" ./*.test.mjs
