// Typed configuration of the `jaeger` exporter: otelcol's (removed in v0.85) configgrpc client
// settings plus exporterhelper's queue, retry and timeout, the same keys as `otlp_grpc` and
// parsed by the same table builder; only the default differs: no compression, as configgrpc's.
// Plain data; copied into the exporter at creation.
#pragma once

#include "exporters/otlp_grpc/config.h"

namespace otter::jaeger_exporter {

struct JaegerConfig : otlp_grpc_exporter::GrpcExporterConfig {};

const config::Table<JaegerConfig>& JaegerTable();

}  // namespace otter::jaeger_exporter
