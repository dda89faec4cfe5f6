#!/usr/bin/env bash
# gateway: applications → the seed's gateway (traces → OTLP back end, metrics → Prometheus
# exposition, logs → Loki push) → back end.
source "$(dirname "$0")/../lib.sh"
export WORK BACKEND_GRPC_PORT=$(free_port) BACKEND_HTTP_PORT=$(free_port) \
  BACKEND_LOKI_PORT=$(free_port) QUERY_PORT=$(free_port) BACKEND_HEALTH_PORT=$(free_port) \
  GATEWAY_GRPC_PORT=$(free_port) GATEWAY_HTTP_PORT=$(free_port) GATEWAY_PROM_PORT=$(free_port) \
  GATEWAY_HEALTH_PORT=$(free_port)
start_otter backend "$BACKEND_HEALTH_PORT" "$HERE/../backend.yaml"
start_otter gateway "$GATEWAY_HEALTH_PORT" "$HERE/gateway.yaml"
gw="127.0.0.1:$GATEWAY_GRPC_PORT"

check "traces, metrics and logs go to the gateway" bash -c "
  '$LOADGEN' --endpoint $gw --signal traces --connections 1 --items 50 --rate 20 --duration 1 --seed 5 --quiet >/dev/null &&
  '$LOADGEN' --endpoint $gw --signal metrics --connections 1 --items 50 --rate 5 --duration 1 --seed 5 --quiet >/dev/null &&
  '$LOADGEN' --endpoint $gw --signal logs --connections 1 --items 50 --rate 20 --duration 1 --seed 5 --quiet >/dev/null"
check "traces reach the back end with the gateway's deployment.environment policy" \
  poll 10 python3 "$HERE/../check_spans.py" jaeger "http://127.0.0.1:$QUERY_PORT" "" 500 \
  --tag deployment.environment=production
check "metrics are served for Prometheus on the gateway's /metrics" poll 10 bash -c \
  "curl -sf http://127.0.0.1:$GATEWAY_PROM_PORT/metrics | grep -q '^target_info{.*deployment_environment'"
check "logs reach the back end's Loki API as streams labelled by service" poll 10 bash -c \
  "curl -sf 'http://127.0.0.1:$QUERY_PORT/loki/api/v1/label/service_name/values' | grep -q checkout"
finish
