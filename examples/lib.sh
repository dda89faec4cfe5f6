# Shared plumbing of the example scripts: free loopback ports, starting otter processes with a
# config and waiting for their health check, sending load with otter-loadgen, pass/fail checks,
# and stopping everything on exit. Sourced by examples/<name>/run.sh.
#
# Usage: run.sh [path/to/otter] [path/to/otter-loadgen]  (default: build/otter, build/otter-loadgen)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
OTTER="${1:-$REPO/build/otter}"
LOADGEN="${2:-$REPO/build/otter-loadgen}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/otter-example-$(basename "$HERE")-XXXXXX")"
PIDS=()
PASSED=0
FAILED=0

# Stops what was started, newest first (clients before the gateway, the gateway before the Kafka
# broker it drains into), each with SIGTERM and up to 15 s to exit, then SIGKILL (named on stderr).
cleanup() {
  local i pid
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    pid=${PIDS[i]}
    kill "$pid" 2>/dev/null || continue
    for _ in $(seq 150); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "# $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) did not exit 15 s after SIGTERM: killed" >&2
      kill -9 "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_otter NAME HEALTH_PORT CONFIG... : runs otter with the configs (merged in order; the
# ${env:...} references in them resolve from this shell's exported variables), logs to
# $WORK/NAME.log, and waits up to 15 s for its health check.
start_otter() {
  local name="$1" health="$2"
  shift 2
  local args=()
  for c in "$@"; do args+=(--config "$c"); done
  "$OTTER" "${args[@]}" >"$WORK/$name.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 150); do
    if curl -sf "http://127.0.0.1:$health/" >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "$!" 2>/dev/null; then break; fi
    sleep 0.1
  done
  echo "$name did not become healthy; its log:" >&2
  tail -30 "$WORK/$name.log" >&2
  exit 1
}

# send_traces ENDPOINT SEED [extra loadgen flags]: 2 s of traces over OTLP/gRPC (5 spans per
# trace, 50 spans per request, at most 20 requests/s); fails if any request failed.
send_traces() {
  local endpoint="$1" seed="$2"
  shift 2
  "$LOADGEN" --endpoint "$endpoint" --signal traces --connections 2 --items 50 --rate 20 \
    --duration 2 --seed "$seed" --quiet "$@" >"$WORK/loadgen-$seed.json"
}

# check DESCRIPTION COMMAND...: runs the command; counts and prints the outcome.
check() {
  local what="$1"
  shift
  if "$@"; then
    PASSED=$((PASSED + 1))
    echo "ok - $what"
  else
    FAILED=$((FAILED + 1))
    echo "FAILED - $what"
  fi
}

# poll SECONDS COMMAND...: retries the command every 0.2 s until it succeeds or time runs out.
poll() {
  local seconds="$1"
  shift
  for _ in $(seq $((seconds * 5))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  "$@"
}

# EXAMPLE_PAUSE=<seconds> keeps everything running that long after the checks, to look around
# (the back end's Jaeger / Prometheus / Loki APIs are on $QUERY_PORT: point Grafana there).
finish() {
  if [ -n "${EXAMPLE_PAUSE:-}" ]; then
    echo "running for ${EXAMPLE_PAUSE}s; query APIs on http://127.0.0.1:${QUERY_PORT:-?}, logs in $WORK"
    sleep "$EXAMPLE_PAUSE"
  fi
  echo "$PASSED passed, $FAILED failed"
  if ((FAILED)); then
    echo "logs in $WORK" >&2
    exit 1
  fi
  rm -rf "$WORK"
}
