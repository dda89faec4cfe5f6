#!/usr/bin/env bash
# Bytes per span the store spends on spans made by the official OpenTelemetry JS SDK
# (tests/interop/tools/store_sdk_spans.mjs: an instrumented web service's server, database, HTTP
# client and internal spans). Usage: bench/store_sdk_bytes.sh [build-dir] [requests]
# Needs tests/interop/node_modules (scripts/npm-ci-if-stale.sh tests/interop). Small heads
# (head_max_mib 4) so that most spans reach blocks; prints blocks' bytes / spans in blocks.
set -euo pipefail
BUILD=${1:-build}
REQUESTS=${2:-20000}
HERE=$(cd "$(dirname "$0")/.." && pwd)
. "$HERE/bench/lib.sh"
read -r GRPC QUERY METRICS <<< "$(free_ports 3)"
DIR=$(mktemp -d /tmp/otter-store-sdk.XXXXXX)
trap 'kill $OTTER 2>/dev/null && wait $OTTER 2>/dev/null; rm -rf "$DIR"' EXIT
cat > "$DIR/config.yaml" <<YAML
receivers:
  otlp:
    protocols:
      grpc: { endpoint: 127.0.0.1:$GRPC }
exporters:
  store:
    directory: $DIR/data
    head_max_mib: 4
    query: { endpoint: 127.0.0.1:$QUERY }
service:
  telemetry: { metrics: { address: 127.0.0.1:$METRICS } }
  pipelines:
    traces: { receivers: [otlp], exporters: [store] }
YAML
"$BUILD/otter" --config "$DIR/config.yaml" > "$DIR/otter.log" 2>&1 &
OTTER=$!
for _ in $(seq 50); do curl -sf 127.0.0.1:$METRICS/metrics > /dev/null && break; sleep 0.1; done
(cd "$HERE/tests/interop" && node tools/store_sdk_spans.mjs 127.0.0.1:$GRPC "$REQUESTS")
sleep 3
curl -s 127.0.0.1:$METRICS/metrics | awk '
  /^otter_store_disk_bytes\{signal="traces"\}/ { bytes = $2 }
  /^otter_store_written_items_total\{signal="traces"\}/ { written = $2 }
  /^otter_store_head_items\{signal="traces"\}/ { head = $2 }
  END { printf "spans written %d, in blocks %d, block bytes %d: %.2f B per span\n",
        written, written - head, bytes, bytes / (written - head) }'
