#!/usr/bin/env bash
# kafka-hybrid: SDK → gateway → Kafka → two consumer otters in one group → back end.
# Kafka is librdkafka's mock cluster in its own process (kafka_mock_broker, built with the tests);
# set KAFKA_BROKERS=host:port to use a real one (topic otlp_spans with several partitions).
source "$(dirname "$0")/../lib.sh"
export WORK BACKEND_GRPC_PORT=$(free_port) BACKEND_HTTP_PORT=$(free_port) \
  BACKEND_LOKI_PORT=$(free_port) QUERY_PORT=$(free_port) BACKEND_HEALTH_PORT=$(free_port) \
  GATEWAY_GRPC_PORT=$(free_port) GATEWAY_HEALTH_PORT=$(free_port)
if [ -z "${KAFKA_BROKERS:-}" ]; then
  BROKER="${KAFKA_MOCK_BROKER:-$REPO/build/kafka_mock_broker}"
  "$BROKER" --brokers 1 --topic otlp_spans:4 >"$WORK/broker.out" 2>&1 &
  PIDS+=($!)
  poll 10 grep -q '^bootstrap=' "$WORK/broker.out"
  KAFKA_BROKERS=$(sed -n 's/^bootstrap=//p' "$WORK/broker.out")
fi
export KAFKA_BROKERS
start_otter backend "$BACKEND_HEALTH_PORT" "$HERE/../backend.yaml"
consumer_metrics=()
for c in 1 2; do
  export CONSUMER_HEALTH_PORT=$(free_port) CONSUMER_METRICS_PORT=$(free_port)  # read by consumer.yaml
  consumer_metrics+=("$CONSUMER_METRICS_PORT")
  start_otter "consumer-$c" "$CONSUMER_HEALTH_PORT" "$HERE/consumer.yaml"
done
start_otter gateway "$GATEWAY_HEALTH_PORT" "$HERE/gateway.yaml"

check "the SDK sends traces to the gateway" send_traces "127.0.0.1:$GATEWAY_GRPC_PORT" 6
sent=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["requests_ok"] * 50)' \
  <(tail -1 "$WORK/loadgen-6.json"))
check "every span the gateway accepted reaches the back end through Kafka, exactly once ($sent)" \
  poll 20 python3 "$HERE/../check_spans.py" jaeger "http://127.0.0.1:$QUERY_PORT" "" "$sent" \
  --exact "$sent"
for c in 1 2; do
  check "consumer $c took its share of the partitions" bash -c \
    "curl -sf http://127.0.0.1:${consumer_metrics[$((c - 1))]}/metrics |
     grep -E '^otelcol_receiver_accepted_spans[{].*receiver=\"kafka\"' | grep -vq ' 0\$'"
done
finish
