#!/usr/bin/env bash
# agent-gateway (the seed's hybrid pattern): SDK → agent → gateway → back end.
source "$(dirname "$0")/../lib.sh"
export WORK BACKEND_GRPC_PORT=$(free_port) BACKEND_HTTP_PORT=$(free_port) \
  BACKEND_LOKI_PORT=$(free_port) QUERY_PORT=$(free_port) BACKEND_HEALTH_PORT=$(free_port) \
  GATEWAY_GRPC_PORT=$(free_port) GATEWAY_HEALTH_PORT=$(free_port) \
  AGENT_GRPC_PORT=$(free_port) AGENT_HEALTH_PORT=$(free_port)
start_otter backend "$BACKEND_HEALTH_PORT" "$HERE/../backend.yaml"
start_otter gateway "$GATEWAY_HEALTH_PORT" "$HERE/gateway.yaml"
start_otter agent "$AGENT_HEALTH_PORT" "$HERE/agent.yaml"

check "the SDK sends traces to the agent" send_traces "127.0.0.1:$AGENT_GRPC_PORT" 3
check "they reach the back end through the gateway, which tagged every span" \
  poll 10 python3 "$HERE/../check_spans.py" jaeger "http://127.0.0.1:$QUERY_PORT" "" 1000 \
  --tag collector.tier=gateway
finish
