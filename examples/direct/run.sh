#!/usr/bin/env bash
# direct: SDK → otter all-in-one (store + query APIs). The smallest deployment: one process.
source "$(dirname "$0")/../lib.sh"
export WORK BACKEND_GRPC_PORT=$(free_port) BACKEND_HTTP_PORT=$(free_port) \
  BACKEND_LOKI_PORT=$(free_port) QUERY_PORT=$(free_port) BACKEND_HEALTH_PORT=$(free_port)
start_otter otter "$BACKEND_HEALTH_PORT" "$HERE/../backend.yaml"

check "the SDK (otter-loadgen) sends traces over OTLP/gRPC" send_traces "127.0.0.1:$BACKEND_GRPC_PORT" 1
check "the Jaeger API returns them" poll 10 python3 "$HERE/../check_spans.py" jaeger \
  "http://127.0.0.1:$QUERY_PORT" "" 1000
finish
