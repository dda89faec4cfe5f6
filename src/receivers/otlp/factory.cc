// Registration of the `otlp` receiver.
#include "component/registry.h"
#include "receivers/otlp/config.h"
#include "receivers/otlp/receiver.h"

namespace otter {

void RegisterOtlpReceiver(Registry& registry) {
  Factory f;
  f.kind = ComponentKind::kReceiver;
  f.type = "otlp";
  f.signals = {Signal::kTraces, Signal::kMetrics, Signal::kLogs};
  f.description = "receives OTLP over gRPC (4317) and HTTP (4318, protobuf and JSON)";
  SetConfigTable(f, otlp_receiver::OtlpReceiverTable());
  f.create_receiver = [](const ComponentContext& ctx, const ComponentConfig& cfg,
                         Consumers next) -> StatusOr<std::unique_ptr<Receiver>> {
    const auto& c = static_cast<const otlp_receiver::OtlpReceiverConfig&>(cfg);
    auto r = std::make_unique<otlp_receiver::OtlpReceiver>(ctx, c, next);
    if (!r->setup_status().ok()) return r->setup_status();
    return std::unique_ptr<Receiver>(std::move(r));
  };
  registry.Add(std::move(f));
}

}  // namespace otter
