// Registers the `jaeger` exporter (Jaeger's gRPC collector API, for collectors older than 1.35).
#include "component/registry.h"
#include "exporters/jaeger/config.h"
#include "exporters/jaeger/exporter.h"

namespace otter {

void RegisterJaegerExporter(Registry& registry) {
  Factory f;
  f.kind = ComponentKind::kExporter;
  f.type = "jaeger";
  f.signals = {Signal::kTraces};
  f.description = "sends traces to a Jaeger collector over its gRPC API (PostSpans)";
  SetConfigTable(f, jaeger_exporter::JaegerTable());
  f.create_exporter = [](const ComponentContext& ctx, const ComponentConfig& cfg) {
    return jaeger_exporter::CreateExporter(ctx,
                                           static_cast<const jaeger_exporter::JaegerConfig&>(cfg));
  };
  registry.Add(std::move(f));
}

}  // namespace otter
