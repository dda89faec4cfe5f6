#!/usr/bin/env bash
# Issue 21.2: the collector pipeline otlp -> memory_limiter -> batch -> nop over OTLP/gRPC and
# OTLP/HTTP, alternating, otter pinned to CPU 0 and otter-loadgen to CPU 1. Prints one line per
# run: protocol, items/s, otter cores, items per otter CPU-second.
# Usage: bench/pipeline/grpc_http.sh [build dir] [seconds] [rounds] [signal] [protocols...]
#   env: OTTER=<binary> (default <build>/otter), PERF=1 records `perf record -g` of otter per run
#        (into $TMPDIR/perf-<protocol>-<round>.data), PROCESSORS="memory_limiter, batch" (default),
#        RATE=<requests/s> caps the load (compare CPU per item at the same rate),
#        OTTER_CPUS=0 and LOADGEN_CPUS=1 (taskset lists; e.g. both 0,1 for the two-core case)
set -euo pipefail
BUILD=${1:-build}
DUR=${2:-8}
ROUNDS=${3:-3}
SIGNAL=${4:-traces}
shift $(( $# < 4 ? $# : 4 ))
PROTOS=${*:-grpc http}
OTTER=${OTTER:-$BUILD/otter}
. "$(dirname "$0")/../lib.sh"
ports=$(free_ports 2)
read -r GRPC HTTP <<<"$ports"
dir=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"' EXIT
nop_pipeline_yaml "$GRPC" "$HTTP" "$SIGNAL" "${PROCESSORS-memory_limiter, batch}" >"$dir/nop.yaml"
for round in $(seq "$ROUNDS"); do
  for proto in $PROTOS; do
    taskset -c "${OTTER_CPUS:-0}" "$OTTER" --config "$dir/nop.yaml" 2>"$dir/otter.log" &
    pid=$!
    sleep 1
    port=$GRPC; [ "$proto" = http ] && port=$HTTP
    perf_pid=
    if [ -n "${PERF:-}" ]; then
      perf record -g -o "${TMPDIR:-/tmp}/perf-$proto-$round.data" -p $pid -- sleep $((DUR + 1)) \
        >/dev/null 2>&1 &
      perf_pid=$!
    fi
    taskset -c "${LOADGEN_CPUS:-1}" "$BUILD/otter-loadgen" --quiet --endpoint 127.0.0.1:$port --protocol $proto \
      --signal "$SIGNAL" --connections 16 --items 100 --warmup 1 --duration "$DUR" ${RATE:+--rate $RATE} \
      --target-pid $pid >"$dir/lg.txt" 2>&1 || true
    [ -n "$perf_pid" ] && wait $perf_pid
    kill $pid; wait $pid 2>/dev/null || true; pid=
    line=$(grep -E '^\{' "$dir/lg.txt" | tail -1)
    python3 - "$proto" "$round" "$line" <<'PY'
import json, sys
proto, rnd, line = sys.argv[1], sys.argv[2], sys.argv[3]
j = json.loads(line)
items = j["items_per_sec"]
cores = float(j.get("target_cpu_cores") or 0)
per = items / cores if cores else 0
print(f"round {rnd} {proto:5s} {items/1e3:8.0f} k items/s  otter {cores:.2f} cores  "
      f"{per/1e3:8.0f} k per otter CPU-second  p99 {j.get('p99_ms', 0):.1f} ms  "
      f"failed {j.get('requests_failed')}")
PY
  done
done
