// Registers the nop exporter.
#include "component/registry.h"
#include "exporters/nop/config.h"
#include "exporters/nop/nop_exporter.h"

namespace otter {

const config::Table<NopExporterConfig>& NopExporterConfigTable() {
  static const config::Table<NopExporterConfig> table;
  return table;
}

void RegisterNopExporter(Registry& registry) {
  Factory f;
  f.kind = ComponentKind::kExporter;
  f.type = "nop";
  f.signals = {Signal::kTraces, Signal::kMetrics, Signal::kLogs};
  f.description = "Accepts and discards all data (counting it); for tests and benchmarks.";
  SetConfigTable(f, NopExporterConfigTable());
  f.create_exporter = [](const ComponentContext& ctx,
                         const ComponentConfig&) -> StatusOr<std::unique_ptr<Exporter>> {
    return std::unique_ptr<Exporter>(std::make_unique<NopExporter>(ctx));
  };
  registry.Add(std::move(f));
}

}  // namespace otter
