// Registers the spanmetrics connector (contrib's `spanmetrics`).
#include "component/registry.h"
#include "connectors/spanmetrics/config.h"
#include "connectors/spanmetrics/spanmetrics_connector.h"

namespace otter {

void RegisterSpanMetricsConnector(Registry& registry) {
  Factory f;
  f.kind = ComponentKind::kConnector;
  f.type = "spanmetrics";
  f.signals = {Signal::kTraces, Signal::kMetrics};
  f.connects = {{Signal::kTraces, Signal::kMetrics}};
  f.description =
      "Aggregates spans into request, error and duration (RED) metrics per service, span name, "
      "kind, status and configured dimensions.";
  SetConfigTable(f, SpanMetricsConfigTable());
  f.create_connector = [](const ComponentContext& ctx, const ComponentConfig& cfg, Signal, Signal,
                          const ConnectorNext& next) -> StatusOr<std::unique_ptr<Connector>> {
    if (!next.all.metrics) return FailedPrecondition("spanmetrics has no metrics pipeline to feed");
    return std::unique_ptr<Connector>(std::make_unique<SpanMetricsConnector>(
        ctx, static_cast<const SpanMetricsConfig&>(cfg), next.all.metrics));
  };
  registry.Add(std::move(f));
}

}  // namespace otter
