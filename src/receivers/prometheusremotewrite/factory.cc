// Registers the prometheusremotewrite receiver (Remote Write 1.0 into otter's pipelines).
#include "auth/server_guard.h"
#include "component/registry.h"
#include "receivers/prometheusremotewrite/config.h"
#include "receivers/prometheusremotewrite/receiver.h"

namespace otter {

void RegisterPrometheusRemoteWriteReceiver(Registry& registry) {
  Factory f;
  f.kind = ComponentKind::kReceiver;
  f.type = "prometheusremotewrite";
  f.signals = {Signal::kMetrics};
  f.description =
      "receives Prometheus Remote Write 1.0 (POST /api/v1/write) from Prometheus servers and "
      "agents";
  SetConfigTable(f, PrometheusRemoteWriteReceiverConfigTable());
  f.create_receiver = [](const ComponentContext& ctx, const ComponentConfig& cfg,
                         Consumers next) -> StatusOr<std::unique_ptr<Receiver>> {
    if (!next.metrics) return FailedPrecondition("prometheusremotewrite receives metrics only");
    const auto& c = static_cast<const PrometheusRemoteWriteReceiverConfig&>(cfg);
    auto guard = auth::MakeServerAuthGuard(ctx, c.auth, "auth", "http");
    if (!guard.ok()) return guard.status();
    return std::unique_ptr<Receiver>(
        std::make_unique<prometheusremotewrite::RemoteWriteReceiver>(ctx, c, next.metrics, *guard));
  };
  registry.Add(std::move(f));
}

}  // namespace otter
