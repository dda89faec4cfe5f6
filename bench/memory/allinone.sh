#!/usr/bin/env bash
# RSS of the all-in-one default (issue 21 item 1: <= 200 MiB at 100k spans/s sustained for 10
# minutes): otter with its built-in config (otlp -> memory_limiter -> store), only the ports and
# the data directory moved, and otter-loadgen at a fixed rate. Samples VmRSS every 10 s
# and prints the peak, then the RSS 10 s after the load stops.
# Usage: bench/memory/allinone.sh [build dir] [seconds, default 600] [spans/s, default 100000]
set -euo pipefail
BUILD=${1:-build}
DUR=${2:-600}
RATE_SPANS=${3:-100000}
. "$(dirname "$0")/../lib.sh"
read -r GRPC HTTP QUERY HEALTH METRICS <<<"$(free_ports 5)"
dir=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"' EXIT
# The built-in default (src/pipeline/service_config.cc), on free ports and a temporary directory.
{ allinone_front_yaml $GRPC $HTTP; cat <<YAML; } >"$dir/config.yaml"
exporters:
  store:
    directory: $dir/data
    query: { endpoint: 127.0.0.1:$QUERY }
extensions:
  health_check: { endpoint: 127.0.0.1:$HEALTH }
service:
  extensions: [health_check]
  telemetry: { metrics: { address: 127.0.0.1:$METRICS } }
  pipelines:
    traces: { receivers: [otlp], processors: [memory_limiter], exporters: [store] }
    metrics: { receivers: [otlp], processors: [memory_limiter], exporters: [store] }
    logs: { receivers: [otlp], processors: [memory_limiter], exporters: [store] }
YAML
"$BUILD/otter" --config "$dir/config.yaml" 2>"$dir/otter.log" &
pid=$!
sleep 2
rss() { awk '/VmRSS/ {print int($2/1024)}' /proc/$pid/status; }
echo "idle: $(rss) MiB"
"$BUILD/otter-loadgen" --quiet --endpoint 127.0.0.1:$GRPC --protocol grpc --signal traces \
  --connections 8 --items 100 --rate $((RATE_SPANS / 100)) --duration "$DUR" \
  --target-pid $pid >"$dir/lg.txt" 2>&1 &
lg=$!
peak=0
start=$SECONDS
while kill -0 $lg 2>/dev/null; do
  r=$(rss)
  [ "$r" -gt "$peak" ] && peak=$r
  echo "t=$((SECONDS - start))s rss=${r} MiB peak=${peak} MiB disk=$(du -sm "$dir/data" | cut -f1) MiB"
  sleep 10
done
grep -E '^\{' "$dir/lg.txt" | tail -1
echo "peak during load: $peak MiB (VmHWM $(awk '/VmHWM/ {print int($2/1024)}' /proc/$pid/status) MiB)"
sleep 10
echo "10 s after: $(rss) MiB"
