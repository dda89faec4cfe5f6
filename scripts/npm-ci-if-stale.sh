#!/usr/bin/env bash
# Installs the npm packages pinned in <dir>/package-lock.json (npm ci) unless the last install
# there was of the same lock file: scripts/npm-ci-if-stale.sh <dir>
# The lock file's sha256 is stamped in <dir>/node_modules/.otter-lock-sha256 after a successful
# install; concurrent callers (two build trees testing at once) are serialised with flock on
# <dir>/.npm-install.lock, and the one that waited re-checks the stamp before installing again.
# Uses the npm on PATH (callers put OTTER_NODE_BIN first).
set -euo pipefail
if [[ $# -ne 1 ]]; then
  echo "usage: $0 <dir with package-lock.json>" >&2
  exit 2
fi
cd "$1"
stamp=node_modules/.otter-lock-sha256
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
fresh() { [[ -f $stamp && "$(cat "$stamp")" == "$want" ]]; }
fresh && exit 0
exec 9>.npm-install.lock
flock 9
if ! fresh; then
  echo "# npm ci in $PWD (package-lock.json changed or node_modules missing)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" >"$stamp"
fi
