// Registers the `otlp_http` exporter (deprecated alias `otlphttp`, renamed in otelcol v0.144.0).
#include "component/registry.h"
#include "exporters/otlp_http/config.h"
#include "exporters/otlp_http/exporter.h"

namespace otter {

void RegisterOtlpHttpExporter(Registry& registry) {
  Factory f;
  f.kind = ComponentKind::kExporter;
  f.type = "otlp_http";
  f.aliases = {"otlphttp"};
  f.signals = {Signal::kTraces, Signal::kMetrics, Signal::kLogs};
  f.description = "sends traces, metrics and logs over OTLP/HTTP (protobuf or JSON)";
  SetConfigTable(f, otlp_http_exporter::OtlpHttpTable());
  f.create_exporter = [](const ComponentContext& ctx, const ComponentConfig& cfg) {
    return otlp_http_exporter::CreateExporter(
        ctx, static_cast<const otlp_http_exporter::OtlpHttpConfig&>(cfg));
  };
  registry.Add(std::move(f));
}

}  // namespace otter
