// Registers the anomaly processor (metrics only).
#include "component/registry.h"
#include "processors/anomaly/anomaly_processor.h"
#include "processors/anomaly/config.h"

namespace otter {

void RegisterAnomalyProcessor(Registry& registry) {
  Factory f;
  f.kind = ComponentKind::kProcessor;
  f.type = "anomaly";
  f.signals = {Signal::kMetrics};
  f.description =
      "Runs otter's streaming anomaly detector on every gauge/sum series and adds its score "
      "(0..1) as a <metric>_anomaly_score gauge with the same attributes.";
  SetConfigTable(f, AnomalyConfigTable());
  f.create_processor = [](const ComponentContext& ctx, const ComponentConfig& base, Signal,
                          Consumers next) -> StatusOr<std::unique_ptr<Processor>> {
    if (!next.metrics) return FailedPrecondition("anomaly has no next metrics consumer");
    return std::unique_ptr<Processor>(std::make_unique<AnomalyProcessor>(
        ctx, static_cast<const AnomalyConfig&>(base), next.metrics));
  };
  registry.Add(std::move(f));
}

}  // namespace otter
