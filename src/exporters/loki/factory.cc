// Registers the loki exporter (otelcol-contrib's push exporter).
#include "component/registry.h"
#include "exporters/loki/config.h"
#include "exporters/loki/exporter.h"

namespace otter {

void RegisterLokiExporter(Registry& registry) {
  Factory f;
  f.kind = ComponentKind::kExporter;
  f.type = "loki";
  f.signals = {Signal::kLogs};
  f.description =
      "Pushes logs to Loki (/loki/api/v1/push, protobuf + snappy) with labels from the "
      "loki.* hints; current Loki also takes OTLP through otlp_http.";
  SetConfigTable(f, LokiExporterConfigTable());
  f.create_exporter = [](const ComponentContext& ctx,
                         const ComponentConfig& cfg) -> StatusOr<std::unique_ptr<Exporter>> {
    return loki_exporter::CreateExporter(ctx, static_cast<const LokiExporterConfig&>(cfg));
  };
  registry.Add(std::move(f));
}

}  // namespace otter
