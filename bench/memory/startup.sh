#!/usr/bin/env bash
# Start-up time of otter's all-in-one pipeline (otlp -> memory_limiter -> store), issue 21 item 5:
# from exec to the "started" log line (ports open, the store's WAL replayed), with an empty data
# directory and with a WAL of ~WAL_MIB MiB left by a kill -9 under load.
# Usage: bench/memory/startup.sh [build dir] [WAL MiB, default 1024] [otter binary to compare]
# With a third argument, that binary (e.g. an older build) also starts on the same directory, first:
# before/after on the same WAL in one run (an older build ignores the head checkpoint files).
set -euo pipefail
BUILD=${1:-build}
WAL_MIB=${2:-1024}
OTHER=${3:-}
. "$(dirname "$0")/../lib.sh"
ports=$(free_ports 3)
read -r GRPC HTTP QUERY <<<"$ports"
dir=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill -9 $pid 2>/dev/null; [ -n "${KEEP:-}" ] && echo "kept $dir" || rm -rf "$dir"' EXIT
{ allinone_front_yaml $GRPC $HTTP; cat <<YAML; } >"$dir/store.yaml"
exporters:
  store:
    directory: $dir/data
    head_max_mib: $((WAL_MIB * 2))
    max_disk_mib: 0
    query: { endpoint: 127.0.0.1:$QUERY }
service:
  telemetry: { metrics: { level: none } }
  pipelines:
    traces: { receivers: [otlp], processors: [memory_limiter], exporters: [store] }
YAML
# Sets $ms to the milliseconds from exec to the "started" line; leaves otter running as $pid.
start() {
  local t0 t1 bin=${1:-$BUILD/otter}
  : >"$dir/otter.log"
  t0=$(date +%s%N)
  "$bin" --config "$dir/store.yaml" 2>"$dir/otter.log" &
  pid=$!
  until grep -q " started (" "$dir/otter.log"; do
    kill -0 $pid 2>/dev/null || { cat "$dir/otter.log" >&2; exit 1; }
    sleep 0.002
  done
  t1=$(date +%s%N)
  ms=$(((t1 - t0) / 1000000))
}
stop() { kill -TERM $pid; wait $pid || true; pid=; }

rss() { awk '/VmRSS/ {print int($2/1024)}' /proc/$pid/status; }
# CPU time (user + system) the process has used, in ms: less noisy than wall time on a shared host.
cpu() { awk -v hz="$(getconf CLK_TCK)" '{print int(($14 + $15) * 1000 / hz)}' /proc/$pid/stat; }
start
echo "empty data dir: $ms ms, CPU $(cpu) ms  (RSS $(rss) MiB)"
stop
rm -rf "$dir/data"
start
wal_mib() { du -sm "$dir/data/wal" 2>/dev/null | cut -f1 || echo 0; }
while [ "$(wal_mib)" -lt "$WAL_MIB" ]; do
  "$BUILD/otter-loadgen" --quiet --endpoint 127.0.0.1:$GRPC --protocol grpc --signal traces \
    --connections 8 --items 100 --duration 5 >/dev/null 2>&1
done
kill -9 $pid; wait $pid 2>/dev/null || true; pid=
echo "WAL: $(wal_mib) MiB in $(find "$dir/data" -name '*.wal' | wc -l) segments (after kill -9)," \
  "head checkpoints: $(du -sm "$dir/data/checkpoint" 2>/dev/null | cut -f1 || echo 0) MiB"
if [ -n "$OTHER" ]; then
  for i in 1 2; do
    start "$OTHER"
    echo "$OTHER: WAL replay run $i: $ms ms, CPU $(cpu) ms  (RSS $(rss) MiB)"
    grep -o "replayed [0-9]* WAL records.*" "$dir/otter.log" | head -1
    kill -9 $pid; wait $pid 2>/dev/null || true; pid=
  done
fi
for i in 1 2; do
  start
  echo "WAL replay run $i: $ms ms, CPU $(cpu) ms  (RSS $(rss) MiB)"
  grep -o "loaded [0-9]* head checkpoints.*" "$dir/otter.log" | head -1
  grep -o "replayed [0-9]* WAL records.*" "$dir/otter.log" | head -1
  kill -9 $pid; wait $pid 2>/dev/null || true; pid=
done
