#!/usr/bin/env bash
# Memory of the collector pipeline under load (issue 21 item 1):
#   otlp (grpc+http) -> memory_limiter (512 MiB) -> batch -> nop
# Starts otter, samples VmRSS/VmHWM idle, runs otter-loadgen over gRPC then HTTP, and samples
# RSS during the runs and for a few seconds after each. Prints one line per phase.
# Usage: bench/memory/rss.sh [build dir] [loadgen seconds]   (env: OTTER_ENV="VAR=x ...")
set -euo pipefail
BUILD=${1:-build}
DUR=${2:-8}
. "$(dirname "$0")/../lib.sh"
ports=$(free_ports 2)
read -r GRPC HTTP <<<"$ports"
dir=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
nop_pipeline_yaml "$GRPC" "$HTTP" >"$dir/nop.yaml"
env ${OTTER_ENV:-} ${OTTER_WRAP:-} "$BUILD/otter" --config "$dir/nop.yaml" 2>"$dir/otter.log" &
pid=$!
mem() { awk '/VmRSS|VmHWM/ {printf "%s %d MiB  ", $1, $2/1024}' /proc/$pid/status; }
threads() { awk '/Threads/ {print $2}' /proc/$pid/status; }
sleep 2
echo "idle:            $(mem) threads $(threads)"
for proto in grpc http; do
  port=$GRPC; [ "$proto" = http ] && port=$HTTP
  "$BUILD/otter-loadgen" --quiet --endpoint 127.0.0.1:$port --protocol $proto --signal traces \
    --connections 16 --items 100 --duration "$DUR" >"$dir/lg.txt" 2>&1 &
  lg=$!
  peak=0
  while kill -0 $lg 2>/dev/null; do
    r=$(awk '/VmRSS/ {print int($2/1024)}' /proc/$pid/status)
    [ "$r" -gt "$peak" ] && peak=$r
    sleep 0.5
  done
  wait $lg || true
  rate=$(grep -Eo '[0-9.]+[kM]? (items|spans)/s' "$dir/lg.txt" | head -1 || true)
  echo "$proto load:       $(mem) peak sampled VmRSS $peak MiB threads $(threads) ($rate)"
  sleep 5
  echo "$proto +5 s idle:  $(mem)"
  sleep 5
  echo "$proto +10 s idle: $(mem)"
done
