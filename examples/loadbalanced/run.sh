#!/usr/bin/env bash
# loadbalanced: SDK → agent (loadbalancing by trace id) → 3 gateways with tail sampling → back end.
# Tail sampling needs every span of a trace on one gateway; the check proves each kept trace is
# whole (all 5 spans, on one gateway) and holds the 5xx span that got it kept.
source "$(dirname "$0")/../lib.sh"
export WORK BACKEND_GRPC_PORT=$(free_port) BACKEND_HTTP_PORT=$(free_port) \
  BACKEND_LOKI_PORT=$(free_port) QUERY_PORT=$(free_port) BACKEND_HEALTH_PORT=$(free_port) \
  AGENT_GRPC_PORT=$(free_port) AGENT_HEALTH_PORT=$(free_port) \
  GW1_GRPC_PORT=$(free_port) GW2_GRPC_PORT=$(free_port) GW3_GRPC_PORT=$(free_port)
start_otter backend "$BACKEND_HEALTH_PORT" "$HERE/../backend.yaml"
for gw in 1 2 3; do
  port_var="GW${gw}_GRPC_PORT"
  export GW=$gw GW_GRPC_PORT=${!port_var} GW_HEALTH_PORT=$(free_port)  # read by gateway.yaml
  start_otter "gateway-$gw" "$GW_HEALTH_PORT" "$HERE/gateway.yaml"
done
start_otter agent "$AGENT_HEALTH_PORT" "$HERE/agent.yaml"

check "the SDK sends traces to the agent" send_traces "127.0.0.1:$AGENT_GRPC_PORT" 4
sleep 2  # the gateways' decision_wait
check "every kept trace is whole and has a 5xx span" poll 10 python3 "$HERE/../check_spans.py" \
  tail "$WORK"/gateway-{1,2,3}.jsonl --spans-per-trace 5
check "each gateway kept traces" bash -c "for f in '$WORK'/gateway-{1,2,3}.jsonl; do [ -s \"\$f\" ] || exit 1; done"
check "the kept traces reach the back end" poll 10 python3 "$HERE/../check_spans.py" jaeger \
  "http://127.0.0.1:$QUERY_PORT" "" 25
finish
