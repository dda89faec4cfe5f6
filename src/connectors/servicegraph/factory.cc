// Registers the servicegraph connector (contrib's `servicegraph`).
#include "component/registry.h"
#include "connectors/servicegraph/config.h"
#include "connectors/servicegraph/servicegraph_connector.h"

namespace otter {

void RegisterServiceGraphConnector(Registry& registry) {
  Factory f;
  f.kind = ComponentKind::kConnector;
  f.type = "servicegraph";
  f.signals = {Signal::kTraces, Signal::kMetrics};
  f.connects = {{Signal::kTraces, Signal::kMetrics}};
  f.description =
      "Pairs client and server spans into service graph edges: request counts, failures and "
      "latency histograms per client/server pair.";
  SetConfigTable(f, ServiceGraphConfigTable());
  f.create_connector = [](const ComponentContext& ctx, const ComponentConfig& cfg, Signal, Signal,
                          const ConnectorNext& next) -> StatusOr<std::unique_ptr<Connector>> {
    if (!next.all.metrics)
      return FailedPrecondition("servicegraph has no metrics pipeline to feed");
    return std::unique_ptr<Connector>(std::make_unique<ServiceGraphConnector>(
        ctx, static_cast<const ServiceGraphConfig&>(cfg), next.all.metrics));
  };
  registry.Add(std::move(f));
}

}  // namespace otter
