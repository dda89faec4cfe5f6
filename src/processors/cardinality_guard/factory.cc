// Registers the cardinality_guard processor (metrics only).
#include "component/registry.h"
#include "processors/cardinality_guard/cardinality_guard.h"
#include "processors/cardinality_guard/config.h"

namespace otter {

void RegisterCardinalityGuardProcessor(Registry& registry) {
  Factory f;
  f.kind = ComponentKind::kProcessor;
  f.type = "cardinality_guard";
  f.signals = {Signal::kMetrics};
  f.description =
      "Moves high-cardinality attributes (trace ids, user ids) off metric data points into "
      "exemplars and caps the series per metric, folding the excess into an "
      "otel.metric.overflow series.";
  SetConfigTable(f, CardinalityGuardConfigTable());
  f.create_processor = [](const ComponentContext& ctx, const ComponentConfig& base, Signal,
                          Consumers next) -> StatusOr<std::unique_ptr<Processor>> {
    if (!next.metrics) return FailedPrecondition("cardinality_guard has no next metrics consumer");
    return std::unique_ptr<Processor>(std::make_unique<CardinalityGuardProcessor>(
        ctx, static_cast<const CardinalityGuardConfig&>(base), next.metrics));
  };
  registry.Add(std::move(f));
}

}  // namespace otter
