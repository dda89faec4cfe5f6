#include "exporters/jaeger/config.h"

namespace otter::jaeger_exporter {

const config::Table<JaegerConfig>& JaegerTable() {
  static const auto table = otlp_grpc_exporter::GrpcExporterTable<JaegerConfig>(
      "host:port of the Jaeger collector's gRPC port (14250); an https:// prefix forces TLS");
  return table;
}

}  // namespace otter::jaeger_exporter
