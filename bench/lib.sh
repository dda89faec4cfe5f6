# Shared by the bench scripts (source it): loopback ports and the collector pipeline's config.

# free_ports N: N free TCP ports on 127.0.0.1, space-separated.
free_ports() {
  python3 -c 'import socket, sys
s = [socket.socket() for _ in range(int(sys.argv[1]))]
[x.bind(("127.0.0.1", 0)) for x in s]
print(" ".join(str(x.getsockname()[1]) for x in s))' "$1"
}

# otlp_receiver_yaml GRPC_PORT HTTP_PORT: the receivers section, otlp over grpc and http.
otlp_receiver_yaml() {
  cat <<YAML
receivers:
  otlp:
    protocols:
      grpc: { endpoint: 127.0.0.1:$1 }
      http: { endpoint: 127.0.0.1:$2 }
YAML
}

# allinone_front_yaml GRPC_PORT HTTP_PORT: the built-in all-in-one config's receivers and
# processors (src/pipeline/service_config.cc), on the given ports.
allinone_front_yaml() {
  otlp_receiver_yaml "$1" "$2"
  cat <<YAML
processors:
  memory_limiter: { check_interval: 1s, limit_percentage: 80, spike_limit_percentage: 20 }
YAML
}

# nop_pipeline_yaml GRPC_PORT HTTP_PORT [SIGNAL] [PROCESSORS]: otlp (grpc+http) -> PROCESSORS
# (default: memory_limiter (512 MiB), batch) -> nop, on stdout.
nop_pipeline_yaml() {
  otlp_receiver_yaml "$1" "$2"
  cat <<YAML
processors:
  memory_limiter: { check_interval: 1s, limit_mib: 512 }
  batch: {}
exporters:
  nop: {}
service:
  telemetry: { metrics: { level: none } }
  pipelines:
    ${3:-traces}: { receivers: [otlp], processors: [${4:-memory_limiter, batch}], exporters: [nop] }
YAML
}
