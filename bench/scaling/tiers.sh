#!/usr/bin/env bash
# Spans per CPU-second of each tier of the seed's deployment patterns (docs/scaling.md): the tier
# under test is pinned to CPU 0; otter-loadgen and the tier's downstream sinks (otter: otlp → nop)
# share CPU 1. otter-loadgen --target-pid reports the tier's CPU use, so the figure is spans
# accepted per CPU-second of that tier, which survives a noisy machine better than spans/s.
# Usage: bench/scaling/tiers.sh [build-dir] [seconds] [rounds] [tier...]
#   tiers: agent gateway loadbalancing tailsampling allinone (default: all)
# COMPRESSION=gzip (otlp_grpc's default) or none, for every OTLP/gRPC hop out of the tier.
set -euo pipefail
BUILD=${1:-build}
SECS=${2:-8}
ROUNDS=${3:-3}
shift $(($# < 3 ? $# : 3))
TIERS=("$@")
COMPRESSION=${COMPRESSION:-gzip}
((${#TIERS[@]})) || TIERS=(agent gateway loadbalancing tailsampling allinone)
DIR=$(mktemp -d /tmp/otter-tiers.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$DIR"
}
trap cleanup EXIT

port=20000
alloc() { port=$((port + 1)); printf -v "$1" '%s' "$port"; }  # alloc VAR: a fresh port in VAR

# start CPU NAME YAML → pid in $STARTED; waits for the health check on the port in the YAML
start() {
  local cpu=$1 name=$2 yaml=$3 health
  health=$(grep -o 'health_check: { endpoint: 127.0.0.1:[0-9]*' <<<"$yaml" | grep -o '[0-9]*$')
  printf '%s\n' "$yaml" >"$DIR/$name.yaml"
  taskset -c "$cpu" "$BUILD/otter" --config "$DIR/$name.yaml" >"$DIR/$name.log" 2>&1 &
  STARTED=$!
  PIDS+=("$STARTED")
  for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$health/" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "$name did not start:" >&2
  tail "$DIR/$name.log" >&2
  exit 1
}

common() {  # $1 = health port
  cat <<YAML
extensions:
  health_check: { endpoint: 127.0.0.1:$1 }
service:
  extensions: [health_check]
  telemetry: { metrics: { level: none } }
YAML
}

sink() {  # $1 = grpc port
  local h
  alloc h
  start 1 "sink-$1" "receivers: { otlp: { protocols: { grpc: { endpoint: 127.0.0.1:$1 } } } }
exporters: { nop: {} }
$(common "$h")
  pipelines: { traces: { receivers: [otlp], exporters: [nop] } }"
}

tier_yaml() {  # $1 = tier, $2 = grpc port, $3 = health port → YAML in $YAML; starts its sinks
  local s1 s2 s3
  YAML=$(case $1 in
    agent)
      s1=$SINK1
      echo "receivers: { otlp: { protocols: { grpc: { endpoint: 127.0.0.1:$2 } } } }
processors:
  memory_limiter: { check_interval: 1s, limit_percentage: 80, spike_limit_percentage: 20 }
  batch: { timeout: 200ms, send_batch_size: 8192 }
exporters: { otlp_grpc: { endpoint: 127.0.0.1:$s1, tls: { insecure: true }, compression: $COMPRESSION } }
$(common "$3")
  pipelines: { traces: { receivers: [otlp], processors: [memory_limiter, batch], exporters: [otlp_grpc] } }" ;;
    gateway)
      s1=$SINK1
      echo "receivers: { otlp: { protocols: { grpc: { endpoint: 127.0.0.1:$2 } } } }
processors:
  memory_limiter: { check_interval: 1s, limit_percentage: 80, spike_limit_percentage: 20 }
  attributes: { actions: [ { key: deployment.environment, value: production, action: insert } ] }
  batch: { timeout: 200ms, send_batch_size: 8192 }
exporters: { otlp_grpc: { endpoint: 127.0.0.1:$s1, tls: { insecure: true }, compression: $COMPRESSION } }
$(common "$3")
  pipelines: { traces: { receivers: [otlp], processors: [memory_limiter, attributes, batch], exporters: [otlp_grpc] } }" ;;
    loadbalancing)
      s1=$SINK1; s2=$SINK2; s3=$SINK3
      echo "receivers: { otlp: { protocols: { grpc: { endpoint: 127.0.0.1:$2 } } } }
processors:
  batch: { timeout: 200ms, send_batch_size: 8192 }
exporters:
  loadbalancing:
    protocol: { otlp: { tls: { insecure: true }, compression: $COMPRESSION } }
    resolver: { static: { hostnames: [127.0.0.1:$s1, 127.0.0.1:$s2, 127.0.0.1:$s3] } }
$(common "$3")
  pipelines: { traces: { receivers: [otlp], processors: [batch], exporters: [loadbalancing] } }" ;;
    tailsampling)
      s1=$SINK1
      echo "receivers: { otlp: { protocols: { grpc: { endpoint: 127.0.0.1:$2 } } } }
processors:
  tail_sampling:
    decision_wait: 2s
    policies: [ { name: errors, type: numeric_attribute, numeric_attribute: { key: http.response.status_code, min_value: 500, max_value: 599 } } ]
exporters: { otlp_grpc: { endpoint: 127.0.0.1:$s1, tls: { insecure: true }, compression: $COMPRESSION } }
$(common "$3")
  pipelines: { traces: { receivers: [otlp], processors: [tail_sampling], exporters: [otlp_grpc] } }" ;;
    allinone)
      echo "receivers: { otlp: { protocols: { grpc: { endpoint: 127.0.0.1:$2 } } } }
exporters: { store: { directory: $DIR/store-$2 } }
$(common "$3")
  pipelines: { traces: { receivers: [otlp], exporters: [store] } }" ;;
  esac)
}

printf '%-14s %-6s %12s %10s %16s\n' tier round spans/s cpu spans/cpu-s
for tier in "${TIERS[@]}"; do
  for round in $(seq "$ROUNDS"); do
    alloc grpc
    alloc health
    alloc SINK1
    alloc SINK2
    alloc SINK3
    case $tier in
      loadbalancing) sink "$SINK1"; sink "$SINK2"; sink "$SINK3" ;;
      allinone) ;;
      *) sink "$SINK1" ;;
    esac
    tier_yaml "$tier" "$grpc" "$health"
    start 0 "$tier-$round" "$YAML"
    pid=$STARTED
    out=$(taskset -c 1 "$BUILD/otter-loadgen" --endpoint "127.0.0.1:$grpc" --signal traces \
      --connections 16 --items 100 --warmup 2 --duration "$SECS" --seed "$round" --quiet \
      --target-pid "$pid" | tail -1 || true)  # exit 1 = some requests refused: still measured
    python3 - "$tier" "$round" "$out" <<'PY'
import json, sys
tier, rnd, line = sys.argv[1], sys.argv[2], sys.argv[3]
r = json.loads(line)
cpu = r.get("target_cpu_cores") or float("nan")
print(f"{tier:<14} {rnd:<6} {r['items_per_sec']:12.0f} {cpu:10.2f} {r['items_per_sec'] / cpu:16.0f}"
      f"  refused {r['errors']}")
PY
    # stop this round's processes (the tier and its sinks)
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    PIDS=()
  done
done
