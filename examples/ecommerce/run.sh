#!/usr/bin/env bash
# ecommerce: the seed's end-to-end example. otter (all-in-one back end, plus a gateway and Kafka
# for traces when a broker is at hand), and a shop made of a Node frontend
# (official OpenTelemetry JS SDK) → Python order service (stdlib + otter_logging) → payment
# (asynchronous, producer/consumer spans) → inventory, with the billing team's invoice script run
# under `otter span` (its log via `otter log`). Customers arrive steadily along a daily curve;
# some checkouts fail (invalid amount, declined card, out of stock).
# Runs DEMO_SECONDS (20) of traffic, then checks that traces, metrics and logs are in otter's
# Jaeger / Prometheus / Loki APIs (polling up to 30 s). `make demo` keeps it running afterwards.
source "$(dirname "$0")/../lib.sh"
if [[ -n ${OTTER_NODE_BIN:-} ]]; then export PATH="$OTTER_NODE_BIN:$PATH"; fi

# The frontend uses the JS SDK packages tests/interop pins; install them as its run.sh does.
interop="$REPO/tests/interop"
"$REPO/scripts/npm-ci-if-stale.sh" "$interop"

while IFS= read -r v; do unset "$v"; done < <(env | sed -n 's/^\(OTEL_[A-Za-z0-9_]*\)=.*/\1/p')
export WORK BACKEND_GRPC_PORT=$(free_port) BACKEND_HTTP_PORT=$(free_port) \
  BACKEND_LOKI_PORT=$(free_port) QUERY_PORT=$(free_port) BACKEND_HEALTH_PORT=$(free_port)
# With a Kafka broker (KAFKA_BROKERS, or librdkafka's mock cluster built with the tests), the
# services send to a gateway whose traces reach the back end through Kafka; else straight to it.
BROKER="${KAFKA_MOCK_BROKER:-$REPO/build/kafka_mock_broker}"
if [[ -z ${KAFKA_BROKERS:-} && -x $BROKER && ${DEMO_KAFKA:-1} == 1 ]]; then
  "$BROKER" --brokers 1 --topic shop_spans:4 >"$WORK/broker.out" 2>&1 &
  PIDS+=($!)
  poll 10 grep -q '^bootstrap=' "$WORK/broker.out"
  KAFKA_BROKERS=$(sed -n 's/^bootstrap=//p' "$WORK/broker.out")
fi
if [[ -n ${KAFKA_BROKERS:-} ]]; then
  export KAFKA_BROKERS GATEWAY_HTTP_PORT=$(free_port) GATEWAY_HEALTH_PORT=$(free_port)
  start_otter backend "$BACKEND_HEALTH_PORT" "$HERE/../backend.yaml" "$HERE/backend-kafka.yaml"
  start_otter gateway "$GATEWAY_HEALTH_PORT" "$HERE/gateway.yaml"
  ingest="http://127.0.0.1:$GATEWAY_HTTP_PORT"
  echo "telemetry path: services -> gateway -> Kafka ($KAFKA_BROKERS) for traces -> back end"
else
  start_otter backend "$BACKEND_HEALTH_PORT" "$HERE/../backend.yaml"
  ingest="http://127.0.0.1:$BACKEND_HTTP_PORT"
  echo "telemetry path: services -> back end (no Kafka broker)"
fi

export OTEL_EXPORTER_OTLP_ENDPOINT="$ingest" OTTER_BIN="$OTTER" PYTHONUNBUFFERED=1
FRONTEND_PORT=$(free_port) ORDER_PORT=$(free_port) PAYMENT_PORT=$(free_port) INVENTORY_PORT=$(free_port)
export ORDER_URL="http://127.0.0.1:$ORDER_PORT" PAYMENT_URL="http://127.0.0.1:$PAYMENT_PORT" \
  INVENTORY_URL="http://127.0.0.1:$INVENTORY_PORT"
for svc in inventory:$INVENTORY_PORT payment:$PAYMENT_PORT order:$ORDER_PORT; do
  OTEL_SERVICE_NAME="${svc%%:*}" python3 "$HERE/services/shop.py" "${svc%%:*}" "${svc##*:}" \
    >"$WORK/${svc%%:*}.log" 2>&1 &
  PIDS+=($!)
done
for port in $INVENTORY_PORT $PAYMENT_PORT $ORDER_PORT; do
  poll 10 python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)"
done
node "$HERE/services/frontend.mjs" "$FRONTEND_PORT" >"$WORK/frontend.log" 2>&1 &
PIDS+=($!)

echo "shop running: otter query APIs on http://127.0.0.1:$QUERY_PORT, logs in $WORK"
sleep "${DEMO_SECONDS:-20}"
url="http://127.0.0.1:$QUERY_PORT"
check "one trace spans the Node frontend, the Python order service and the otter span script; its logs are found by trace id" \
  poll 30 python3 "$HERE/check_demo.py" trace "$url" "$WORK/frontend.log"
check "the payment step reaches inventory asynchronously in the same trace" \
  poll 30 python3 "$HERE/check_demo.py" async "$url"
check "the services' metrics are in the Prometheus API" poll 30 python3 "$HERE/check_demo.py" metrics "$url"
finish
