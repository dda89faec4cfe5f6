#!/usr/bin/env bash
# Durable ingest through OTLP → store, and the bytes the store's blocks spend per span, for the
# load generator's varied spans (unique ids and timestamps, seeded attribute values).
# Usage: bench/store_ingest.sh [build-dir] [seconds] [protocol] [spans-per-request]
# Pins otter to CPU 0 and otter-loadgen to CPU 1; prints the loadgen report and the store's
# self-metrics (disk bytes, items written, flushes) at the end.
set -euo pipefail
BUILD=${1:-build}
SECONDS_=${2:-20}
PROTO=${3:-grpc}
ITEMS=${4:-100}
. "$(dirname "$0")/lib.sh"
read -r GRPC HTTP QUERY METRICS <<<"$(free_ports 4)"
DIR=$(mktemp -d /tmp/otter-store-bench.XXXXXX)
trap 'kill $OTTER 2>/dev/null && wait $OTTER 2>/dev/null; [ -n "${KEEP_LOG:-}" ] && cp "$DIR/otter.log" "$KEEP_LOG"; rm -rf "$DIR"' EXIT
{ otlp_receiver_yaml $GRPC $HTTP; cat <<YAML; } >"$DIR/config.yaml"
exporters:
  store:
    directory: $DIR/data
    head_max_mib: ${HEAD_MAX_MIB:-64}
    compaction_max_mib: ${COMPACTION_MAX_MIB:-128}
    query: { endpoint: 127.0.0.1:$QUERY }
service:
  telemetry: { metrics: { address: 127.0.0.1:$METRICS } }
  pipelines:
    traces: { receivers: [otlp], exporters: [store] }
YAML
taskset -c 0 "$BUILD/otter" --config "$DIR/config.yaml" > "$DIR/otter.log" 2>&1 &
OTTER=$!
for _ in $(seq 50); do curl -sf 127.0.0.1:$METRICS/metrics > /dev/null && break; sleep 0.1; done
EP=127.0.0.1:$GRPC; [ "$PROTO" = http ] && EP=127.0.0.1:$HTTP
taskset -c 1 "$BUILD/otter-loadgen" --endpoint $EP --protocol "$PROTO" --signal traces \
  --connections 32 --items "$ITEMS" --error-backoff-ms "${BACKOFF_MS:-100}" --warmup 2 --duration "$SECONDS_" --target-pid $OTTER || true
# Let the last flush finish, then report.
sleep 3
curl -s 127.0.0.1:$METRICS/metrics | grep -E '^otter_store_(disk_bytes|written_items_total|head_items|flushes_total|wal_commits_total)' 
echo "rss_kb $(awk '/VmHWM/ {print $2}' /proc/$OTTER/status)"
