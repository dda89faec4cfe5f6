#!/usr/bin/env bash
# The seed's recommended processor chain against `batch` alone, end to end: otter-loadgen sends
# 100-span gRPC requests to otter (pinned to CPU 0; the loadgen to CPU 1) whose traces pipeline is
# either `batch` → nop or the seed's chain (resourcedetection/system, k8sattributes, resource,
# attributes/redact, tail_sampling, batch) → nop, alternating runs. Prints spans per otter
# CPU-second for each run and the cost ratio of the chain.
# k8sattributes reads pods from a fake Kubernetes API (fake_k8s_api.py, loopback, plain HTTP
# via a kubeconfig) listing a pod for 127.0.0.1, so every span is enriched.
# Usage: bench/pipeline/seed_chain.sh [build-dir] [seconds] [rounds]
set -euo pipefail
BUILD=${1:-build}
SECS=${2:-10}
ROUNDS=${3:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
DIR=$(mktemp -d /tmp/otter-seed-chain.XXXXXX)
API_PID=""
OTTER=""
cleanup() {
  [ -n "$OTTER" ] && kill "$OTTER" 2>/dev/null && wait "$OTTER" 2>/dev/null
  [ -n "$API_PID" ] && kill "$API_PID" 2>/dev/null
  rm -rf "$DIR"
}
trap cleanup EXIT

python3 "$HERE/fake_k8s_api.py" 127.0.0.1 18443 > "$DIR/api.log" 2>&1 &
API_PID=$!
cat > "$DIR/kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters: [{name: bench, cluster: {server: "http://127.0.0.1:18443"}}]
users: [{name: bench, user: {token: bench-token}}]
contexts: [{name: bench, context: {cluster: bench, user: bench}}]
current-context: bench
KC

write_config() {  # $1 = file, $2 = processor list
  cat > "$1" <<YAML
receivers:
  otlp:
    protocols:
      grpc: { endpoint: 127.0.0.1:14317 }
processors:
  batch: { timeout: 200ms, send_batch_size: 8192 }
  resource:
    attributes:
      - { key: deployment.environment, action: upsert, value: production }
  resourcedetection/system:
    detectors: [env, system]
  k8sattributes:
    auth_type: kubeConfig
  attributes/redact:
    actions:
      - { key: password, action: delete }
      - { key: api_key, action: delete }
  tail_sampling:
    decision_wait: 2s
    policies:
      - { name: errors, type: status_code, status_code: { status_codes: [ERROR] } }
      - { name: probabilistic, type: probabilistic, probabilistic: { sampling_percentage: 10 } }
exporters:
  nop: {}
service:
  telemetry: { metrics: { level: none } }
  pipelines:
    traces: { receivers: [otlp], processors: [$2], exporters: [nop] }
YAML
}
write_config "$DIR/batch.yaml" "batch"
write_config "$DIR/seed.yaml" "resourcedetection/system, k8sattributes, resource, attributes/redact, tail_sampling, batch"

run() {  # $1 = config; prints spans per otter CPU-second
  KUBECONFIG="$DIR/kubeconfig" taskset -c 0 "$BUILD/otter" --config "$1" > "$DIR/otter.log" 2>&1 &
  OTTER=$!
  for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/14317) 2>/dev/null && break; sleep 0.1; done
  local json
  json=$(taskset -c 1 "$BUILD/otter-loadgen" --quiet --endpoint 127.0.0.1:14317 --protocol grpc \
    --signal traces --connections 16 --items 100 --warmup 2 --duration "$SECS" \
    --target-pid "$OTTER" 2>/dev/null | tail -1)
  kill "$OTTER"; wait "$OTTER" 2>/dev/null || true; OTTER=""
  python3 -c 'import json,sys; j=json.loads(sys.argv[1]); print(round(j["items_per_sec"]/j["target_cpu_cores"]))' "$json"
}

declare -a B S
for r in $(seq "$ROUNDS"); do
  B+=("$(run "$DIR/batch.yaml")")
  S+=("$(run "$DIR/seed.yaml")")
  echo "round $r: batch only ${B[-1]} spans/CPU-s, seed chain ${S[-1]} spans/CPU-s"
done
python3 - "${B[@]}" -- "${S[@]}" <<'PY'
import statistics, sys
a = sys.argv[1:]
i = a.index('--')
b, s = [float(x) for x in a[:i]], [float(x) for x in a[i + 1:]]
mb, ms = statistics.median(b), statistics.median(s)
print(f"median: batch only {mb:.0f}, seed chain {ms:.0f} spans per otter CPU-second; "
      f"the chain costs {mb / ms:.2f}x the batch-only pipeline per span")
PY
