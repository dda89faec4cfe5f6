// Registers the prometheus receiver (scrapes Prometheus and OpenMetrics targets).
#include "component/registry.h"
#include "receivers/prometheus/config.h"
#include "receivers/prometheus/receiver.h"

namespace otter {

void RegisterPrometheusReceiver(Registry& registry) {
  Factory f;
  f.kind = ComponentKind::kReceiver;
  f.type = "prometheus";
  f.signals = {Signal::kMetrics};
  f.description =
      "scrapes Prometheus text and OpenMetrics targets (static_configs, file_sd_configs) with "
      "Prometheus's scrape configuration";
  SetConfigTable(f, PrometheusReceiverConfigTable());
  f.create_receiver = [](const ComponentContext& ctx, const ComponentConfig& cfg,
                         Consumers next) -> StatusOr<std::unique_ptr<Receiver>> {
    if (!next.metrics) return FailedPrecondition("prometheus receives metrics only");
    return std::unique_ptr<Receiver>(std::make_unique<promscrape::PrometheusReceiver>(
        ctx, static_cast<const PrometheusReceiverConfig&>(cfg), next.metrics));
  };
  registry.Add(std::move(f));
}

}  // namespace otter
