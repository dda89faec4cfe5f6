// Registers the `otlp_grpc` exporter (deprecated alias `otlp`, renamed in otelcol v0.144.0).
#include "component/registry.h"
#include "exporters/otlp_grpc/config.h"
#include "exporters/otlp_grpc/exporter.h"

namespace otter {

void RegisterOtlpGrpcExporter(Registry& registry) {
  Factory f;
  f.kind = ComponentKind::kExporter;
  f.type = "otlp_grpc";
  f.aliases = {"otlp"};
  f.signals = {Signal::kTraces, Signal::kMetrics, Signal::kLogs};
  f.description = "sends traces, metrics and logs over OTLP/gRPC";
  SetConfigTable(f, otlp_grpc_exporter::OtlpGrpcTable());
  f.create_exporter = [](const ComponentContext& ctx, const ComponentConfig& cfg) {
    return otlp_grpc_exporter::CreateExporter(
        ctx, static_cast<const otlp_grpc_exporter::OtlpGrpcConfig&>(cfg));
  };
  registry.Add(std::move(f));
}

}  // namespace otter
