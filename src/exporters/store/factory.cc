// Registers the store exporter.
#include "component/registry.h"
#include "exporters/store/config.h"
#include "exporters/store/store_exporter.h"

namespace otter {

void RegisterStoreExporter(Registry& registry) {
  Factory f;
  f.kind = ComponentKind::kExporter;
  f.type = "store";
  f.signals = {Signal::kTraces, Signal::kMetrics, Signal::kLogs};
  f.acknowledges_durably = true;
  f.description =
      "Writes traces, metrics and logs into otter's embedded durable store (acknowledging only "
      "after the write-ahead-log commit) and serves Jaeger, Prometheus and Loki query APIs.";
  SetConfigTable(f, StoreExporterConfigTable());
  f.create_exporter = [](const ComponentContext& ctx,
                         const ComponentConfig& base) -> StatusOr<std::unique_ptr<Exporter>> {
    return std::unique_ptr<Exporter>(
        std::make_unique<StoreExporter>(ctx, static_cast<const StoreExporterConfig&>(base)));
  };
  registry.Add(std::move(f));
}

}  // namespace otter
