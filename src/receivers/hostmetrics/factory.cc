// Registers the hostmetrics receiver (host CPU, memory, disk, file system, network, load, paging
// and process metrics read from /proc, /sys and statvfs).
#include "component/registry.h"
#include "receivers/hostmetrics/config.h"
#include "receivers/hostmetrics/receiver.h"

namespace otter {

void RegisterHostMetricsReceiver(Registry& registry) {
  Factory f;
  f.kind = ComponentKind::kReceiver;
  f.type = "hostmetrics";
  f.signals = {Signal::kMetrics};
  f.description =
      "scrapes host metrics (cpu, memory, disk, filesystem, network, load, paging, processes, "
      "process) from /proc, /sys and statvfs, with otelcol-contrib's metric names";
  SetConfigTable(f, HostMetricsReceiverConfigTable());
  f.create_receiver = [](const ComponentContext& ctx, const ComponentConfig& cfg,
                         Consumers next) -> StatusOr<std::unique_ptr<Receiver>> {
    if (!next.metrics) return FailedPrecondition("hostmetrics produces metrics only");
    const auto& c = static_cast<const HostMetricsReceiverConfig&>(cfg);
    return std::unique_ptr<Receiver>(std::make_unique<hostmetrics::HostMetricsReceiver>(
        ctx, c, next.metrics, hostmetrics::HostEnv::Real(c.root_path)));
  };
  registry.Add(std::move(f));
}

}  // namespace otter
