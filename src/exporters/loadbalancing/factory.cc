// Registers the `loadbalancing` exporter.
#include "component/registry.h"
#include "exporters/loadbalancing/config.h"
#include "exporters/loadbalancing/exporter.h"

namespace otter {

void RegisterLoadBalancingExporter(Registry& registry) {
  Factory f;
  f.kind = ComponentKind::kExporter;
  f.type = "loadbalancing";
  f.signals = {Signal::kTraces, Signal::kMetrics, Signal::kLogs};
  f.description =
      "routes traces, metrics and logs by trace id, service or stream over a consistent-hash "
      "ring of OTLP/gRPC backends";
  SetConfigTable(f, loadbalancing::LoadBalancingTable());
  f.create_exporter = [](const ComponentContext& ctx, const ComponentConfig& cfg) {
    return loadbalancing::CreateExporter(
        ctx, static_cast<const loadbalancing::LoadBalancingConfig&>(cfg));
  };
  registry.Add(std::move(f));
}

}  // namespace otter
