#!/usr/bin/env bash
# Builds the web UI (ui/) into ui/dist, which the otter build embeds (scripts/embed_ui.py):
#   scripts/build-ui.sh <build dir>
# `npm ci` runs only when package-lock.json changed since the last install
# (scripts/npm-ci-if-stale.sh); `vite build` only when a source is newer than the last build, and
# then checks the size budgets (scripts/ui_budget.mjs: initial JS ≤ 150 KB, all ≤ 400 KB gzipped).
# Needs node >= 20 (scripts/ensure-node.sh installs one into <build dir>/node-runtime when the
# system's is older).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-build}"
[[ $build = /* ]] || build="$root/$build"
node_bin="$("$root/scripts/ensure-node.sh" "$build/node-runtime")"
export PATH="$node_bin:$PATH"
cd "$root/ui"
exec 9>"$root/ui/.build.lock"  # two build trees building the UI at once build it once
flock 9
"$root/scripts/npm-ci-if-stale.sh" "$root/ui"
stamp=dist/.built
if [[ -f $stamp && -z "$(find src index.html vite.config.js package.json package-lock.json \
  node_modules/.package-lock.json -newer "$stamp" -print -quit)" ]]; then
  exit 0
fi
echo "ui: vite build"
node_modules/.bin/vite build --logLevel warn
node "$root/scripts/ui_budget.mjs" dist  # fails the build past the size budgets
touch "$stamp"
