#!/usr/bin/env bash
# Makes sure a node >= 20.6 (what the interop suite in tests/interop needs) is available and
# prints the directory holding its `node`, for callers to put first on PATH:
#   scripts/ensure-node.sh <prefix>
# The `node` on PATH is used when it is new enough. Otherwise (e.g. Debian 12's nodejs 18) node 20
# is installed from the npm registry's `node` package into <prefix> with the npm at hand, once:
# later runs find it there. Exits non-zero with a message saying what to do when that fails.
set -euo pipefail
MIN_MAJOR=20
MIN_MINOR=6
PACKAGE="node@20"

if [[ $# -ne 1 ]]; then
  echo "usage: $0 <prefix>" >&2
  exit 2
fi
prefix="$1"

# Whether the node at $1 reports version >= MIN_MAJOR.MIN_MINOR.
new_enough() {
  local v major minor
  v="$("$1" --version 2>/dev/null)" || return 1
  v="${v#v}"
  major="${v%%.*}"
  minor="${v#*.}"
  minor="${minor%%.*}"
  [[ $major =~ ^[0-9]+$ && $minor =~ ^[0-9]+$ ]] || return 1
  ((major > MIN_MAJOR || (major == MIN_MAJOR && minor >= MIN_MINOR)))
}

if path_node="$(command -v node)" && new_enough "$path_node"; then
  dirname "$path_node"
  exit 0
fi
local_bin="$prefix/node_modules/.bin"
if [[ -x $local_bin/node ]] && new_enough "$local_bin/node"; then
  echo "$local_bin"
  exit 0
fi

have="none"
[[ -n ${path_node:-} ]] && have="$("$path_node" --version 2>/dev/null || echo unknown) at $path_node"
if ! command -v npm >/dev/null; then
  echo "ensure-node: the interop tests need node >= $MIN_MAJOR.$MIN_MINOR (found: $have) and there" \
    "is no npm to install one with; install node >= $MIN_MAJOR.$MIN_MINOR (or run" \
    "scripts/install-deps.sh for Debian's npm) and try again" >&2
  exit 1
fi
echo "ensure-node: node >= $MIN_MAJOR.$MIN_MINOR needed (found: $have); installing $PACKAGE" \
  "from the npm registry into $prefix" >&2
mkdir -p "$prefix"
# Concurrent configures of the same build tree install once.
exec 9>"$prefix/.install.lock"
flock 9
if ! { [[ -x $local_bin/node ]] && new_enough "$local_bin/node"; }; then
  if ! npm install --prefix "$prefix" --no-save --no-audit --no-fund --loglevel=error \
    "$PACKAGE" >&2; then
    echo "ensure-node: 'npm install $PACKAGE' into $prefix failed (offline?); install node >=" \
      "$MIN_MAJOR.$MIN_MINOR yourself and put it first on PATH" >&2
    exit 1
  fi
fi
flock -u 9
if ! { [[ -x $local_bin/node ]] && new_enough "$local_bin/node"; }; then
  echo "ensure-node: $PACKAGE was installed into $prefix but $local_bin/node does not report" \
    "a version >= $MIN_MAJOR.$MIN_MINOR; install node >= $MIN_MAJOR.$MIN_MINOR yourself" >&2
  exit 1
fi
echo "ensure-node: using $("$local_bin/node" --version) from $local_bin" >&2
echo "$local_bin"
