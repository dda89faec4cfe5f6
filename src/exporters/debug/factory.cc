// Registers the debug exporter (and its deprecated name `logging`).
#include "component/registry.h"
#include "exporters/debug/config.h"
#include "exporters/debug/debug_exporter.h"

namespace otter {

void RegisterDebugExporter(Registry& registry) {
  Factory f;
  f.kind = ComponentKind::kExporter;
  f.type = "debug";
  f.aliases = {"logging"};
  f.signals = {Signal::kTraces, Signal::kMetrics, Signal::kLogs};
  f.description = "Writes received telemetry to the log: a summary per batch, or every item.";
  SetConfigTable(f, DebugConfigTable());
  f.create_exporter = [](const ComponentContext& ctx,
                         const ComponentConfig& base) -> StatusOr<std::unique_ptr<Exporter>> {
    return std::unique_ptr<Exporter>(
        std::make_unique<DebugExporter>(ctx, static_cast<const DebugConfig&>(base)));
  };
  registry.Add(std::move(f));
}

}  // namespace otter
