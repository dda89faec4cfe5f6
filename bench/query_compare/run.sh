#!/usr/bin/env bash
# PromQL latency, otter against Prometheus holding the same samples, and LogQL latency and peak
# RSS over otter's store. See bench/query_compare/README.md; `make bench-queries` runs it.
# Usage: bench/query_compare/run.sh [build-dir]
# Environment: QC_SERIES_SCALE (1), QC_HOURS (24), QC_LOGS (10000000), QC_REQUESTS (20),
#   QC_DIR (a new /tmp dir; kept with QC_KEEP=1, and reused, data and all, if it holds a loaded
#   run), QC_PIN (1: both servers on CPU 0, the client on CPU 1), QC_WARMUP (2), QC_BASELINE
#   (another otter binary, e.g. main's: started on a copy of the same store and asked the PromQL
#   queries in the same rotation, as target otter-base), QC_SKIP_LOGS (1: no LogQL queries).
set -euo pipefail
BUILD=$(realpath "${1:-build}")
HERE=$(cd "$(dirname "$0")" && pwd)
GEN="python3 $HERE/gen.py"
REQUESTS=${QC_REQUESTS:-20}
DIR=${QC_DIR:-$(mktemp -d /tmp/otter-query-compare.XXXXXX)}
mkdir -p "$DIR"
OTTER= PROM= BASE=
cleanup() {
  [ -n "$OTTER" ] && kill "$OTTER" 2>/dev/null && wait "$OTTER" 2>/dev/null
  [ -n "$BASE" ] && kill "$BASE" 2>/dev/null && wait "$BASE" 2>/dev/null
  [ -n "$PROM" ] && kill "$PROM" 2>/dev/null && wait "$PROM" 2>/dev/null
  [ -n "${QC_KEEP:-}" ] || [ -n "${QC_DIR:-}" ] || rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
PIN_SERVER= PIN_CLIENT=
if [ "${QC_PIN:-1}" = 1 ]; then PIN_SERVER="taskset -c 0" PIN_CLIENT="taskset -c 1"; fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { for _ in $(seq 600); do curl -sf "$1" > /dev/null && return; sleep 0.5; done; echo "no answer from $1" >&2; exit 1; }
metric() { curl -s "$1" | awk -v m="$2" '$1 ~ "^"m {s += $2} END {print s + 0}'; }

read -r M0 M1 L0 L1 <<< "$($GEN window)"
echo "metrics window [$M0, $M1), logs window [$L0, $L1) (unix s); data in $DIR"

# ---- Prometheus: backfilled blocks, compacted the way a running server compacts them ----------
if [ ! -e "$DIR/prom.done" ]; then
  rm -rf "$DIR/om" "$DIR/prom" && mkdir -p "$DIR/om" "$DIR/prom"
  /usr/bin/time -f "openmetrics written in %e s" $GEN openmetrics "$DIR/om"
  du -sh "$DIR/om"
  /usr/bin/time -f "promtool backfill: %e s, %M KiB peak" bash -c \
    "for f in $DIR/om/*.om; do promtool tsdb create-blocks-from openmetrics -q \$f $DIR/prom || exit 1; done"
  rm -rf "$DIR/om"
fi
PROM_PORT=$(free_port)
printf 'global: {}\n' > "$DIR/prometheus.yml"
$PIN_SERVER prometheus --config.file="$DIR/prometheus.yml" --storage.tsdb.path="$DIR/prom" \
  --storage.tsdb.retention.time=3650d --web.listen-address=127.0.0.1:$PROM_PORT \
  --query.max-samples=500000000 > "$DIR/prometheus.log" 2>&1 &
PROM=$!
wait_http "http://127.0.0.1:$PROM_PORT/-/ready"
# Wait until Prometheus has merged the backfilled 2 h blocks: its compactor runs once a minute;
# done when two checks 40 s apart see no new compaction.
if [ ! -e "$DIR/prom.done" ]; then
  sleep 75
fi
last=-1
for _ in $(seq 60); do
  now=$(metric "http://127.0.0.1:$PROM_PORT/metrics" prometheus_tsdb_compactions_total)
  [ "$now" = "$last" ] && break
  last=$now; sleep 40
done
echo "prometheus: $(metric "http://127.0.0.1:$PROM_PORT/metrics" prometheus_tsdb_blocks_loaded) blocks, $(du -sh "$DIR/prom" | cut -f1)"
touch "$DIR/prom.done"

# ---- otter: the same samples, and the log records, through OTLP/HTTP into the store -----------
OTLP_PORT=$(free_port) QUERY_PORT=$(free_port) TEL_PORT=$(free_port)
cat > "$DIR/otter.yaml" <<YAML
receivers:
  otlp:
    protocols:
      http: { endpoint: 127.0.0.1:$OTLP_PORT }
exporters:
  store:
    directory: $DIR/otter
    retention: 87600h
    query: { endpoint: 127.0.0.1:$QUERY_PORT, max_samples: 500000000 }
service:
  telemetry: { metrics: { address: 127.0.0.1:$TEL_PORT } }
  pipelines:
    metrics: { receivers: [otlp], exporters: [store] }
    logs: { receivers: [otlp], exporters: [store] }
YAML
start_otter() {
  $PIN_SERVER "$BUILD/otter" --config "$DIR/otter.yaml" >> "$DIR/otter.log" 2>&1 &
  OTTER=$!
  wait_http "http://127.0.0.1:$TEL_PORT/metrics"
}
start_otter
if [ ! -e "$DIR/otter.done" ]; then
  /usr/bin/time -f "otter metrics load: %e s" $GEN otlp-metrics "http://127.0.0.1:$OTLP_PORT/v1/metrics"
  /usr/bin/time -f "otter logs load: %e s" $GEN otlp-logs "http://127.0.0.1:$OTLP_PORT/v1/logs"
  echo "otter ingest peak RSS: $(awk '/VmHWM/ {print $2}' /proc/$OTTER/status) KiB"
  # Restart, so the queries read what a running otter holds after a restart: blocks and a head
  # replayed from the WAL (Prometheus reads blocks).
  kill "$OTTER"; wait "$OTTER" || true
  start_otter
  touch "$DIR/otter.done"
fi
BASE_TARGET=()
if [ -n "${QC_BASELINE:-}" ]; then
  rm -rf "$DIR/otter-base" && cp -a "$DIR/otter" "$DIR/otter-base"
  BASE_QUERY_PORT=$(free_port) BASE_TEL_PORT=$(free_port)
  sed -e "s#$DIR/otter\b#$DIR/otter-base#" -e "s#:$QUERY_PORT#:$BASE_QUERY_PORT#" \
    -e "s#:$TEL_PORT#:$BASE_TEL_PORT#" -e "s#:$OTLP_PORT#:$(free_port)#" "$DIR/otter.yaml" > "$DIR/otter-base.yaml"
  $PIN_SERVER "$QC_BASELINE" --config "$DIR/otter-base.yaml" >> "$DIR/otter-base.log" 2>&1 &
  BASE=$!
  wait_http "http://127.0.0.1:$BASE_TEL_PORT/metrics"
  BASE_TARGET=(--target otter-base=http://127.0.0.1:$BASE_QUERY_PORT)
fi
sleep 5
curl -s "http://127.0.0.1:$TEL_PORT/metrics" | grep -E '^otter_store_(series|head_items|disk_bytes)' || true
OT=http://127.0.0.1:$QUERY_PORT PR=http://127.0.0.1:$PROM_PORT
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

# ---- PromQL, as a Grafana dashboard panel (24 h, step 60 s) and an instant query asks ---------
enc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
RATE=$(enc 'sum by (service) (rate(bench_requests_total[5m]))')
RATE_RAW=$(enc 'rate(bench_requests_total[5m])')
HQ=$(enc 'histogram_quantile(0.99, sum by (le) (rate(bench_request_duration_seconds_bucket[5m])))')
HQS=$(enc 'histogram_quantile(0.99, sum by (service, le) (rate(bench_request_duration_seconds_bucket[5m])))')
R="start=$M0&end=$((M1 - 15))&step=60"
T=$((M1 - 15))
# Stored samples each query reads: series × samples in [start - 5m, end] (instant: 5 min).
N_COUNTER=$(python3 -c "print(max(1, int(50 * ${QC_SERIES_SCALE:-1})) * 100)")
N_BUCKET=$(python3 -c "print(max(1, int(50 * ${QC_SERIES_SCALE:-1})) * 8 * 11)")
PER_RANGE=$(((M1 - M0) / 15)) PER_INSTANT=20
$PIN_CLIENT python3 "$HERE/query.py" --requests "$REQUESTS" --warmup "${QC_WARMUP:-2}" --target otter=$OT --target prometheus=$PR "${BASE_TARGET[@]}" \
  --query rate_range "/api/v1/query_range?query=$RATE&$R" \
  --query rate_instant "/api/v1/query?query=$RATE_RAW&time=$T" \
  --query hq_range "/api/v1/query_range?query=$HQ&$R" \
  --query hq_by_service_range "/api/v1/query_range?query=$HQS&$R" \
  --query hq_instant "/api/v1/query?query=$HQS&time=$T" \
  --samples rate_range=$((N_COUNTER * PER_RANGE)) --samples rate_instant=$((N_COUNTER * PER_INSTANT)) \
  --samples hq_range=$((N_BUCKET * PER_RANGE)) --samples hq_by_service_range=$((N_BUCKET * PER_RANGE)) \
  --samples hq_instant=$((N_BUCKET * PER_INSTANT))

# ---- LogQL, as Grafana Explore asks over the last hour: the lines, then the logs volume --------
[ "${QC_SKIP_LOGS:-}" = 1 ] && exit 0
echo 5 > "/proc/$OTTER/clear_refs"  # reset VmHWM: the peak below is the queries' own
echo "otter RSS before the log queries: $(awk '/VmRSS/ {print $2}' /proc/$OTTER/status) KiB"
SEL='{service_name="svc-3"}'
LINES=$(enc "$SEL |= \"timeout\"")
VOL=$(enc "sum by (level, detected_level) (count_over_time($SEL |= \"timeout\" [1m]))")
VOL_ALL=$(enc "sum by (level, detected_level) (count_over_time($SEL [1m]))")
LR="start=${L0}000000000&end=${L1}000000000"
VOLUME_RANGE=()
if curl -s -o /dev/null -w '%{http_code}' "$OT/loki/api/v1/index/volume_range?query=$(enc "$SEL")&$LR&step=60" | grep -q 200; then
  VOLUME_RANGE=(--query volume_range "/loki/api/v1/index/volume_range?query=$(enc "$SEL")&$LR&step=60&aggregateBy=series")
fi
$PIN_CLIENT python3 "$HERE/query.py" --requests "$REQUESTS" --warmup "${QC_WARMUP:-2}" --target otter=$OT \
  --query logs_filter_1h "/loki/api/v1/query_range?query=$LINES&$LR&limit=1000&direction=backward" \
  --query logs_1h "/loki/api/v1/query_range?query=$(enc "$SEL")&$LR&limit=1000&direction=backward" \
  --query volume_filter_1h "/loki/api/v1/query_range?query=$VOL&$LR&step=60" \
  --query volume_1h "/loki/api/v1/query_range?query=$VOL_ALL&$LR&step=60" "${VOLUME_RANGE[@]}"
echo "otter peak RSS during the log queries (VmHWM): $(awk '/VmHWM/ {print $2}' /proc/$OTTER/status) KiB"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
