// Registers the loki receiver (otelcol-contrib's, the Loki push API).
#include "component/registry.h"
#include "receivers/loki/config.h"
#include "receivers/loki/receiver.h"

namespace otter {

void RegisterLokiReceiver(Registry& registry) {
  Factory f;
  f.kind = ComponentKind::kReceiver;
  f.type = "loki";
  f.signals = {Signal::kLogs};
  f.description = "receives Loki pushes (POST /loki/api/v1/push, protobuf + snappy or JSON)";
  SetConfigTable(f, LokiReceiverConfigTable());
  f.create_receiver = [](const ComponentContext& ctx, const ComponentConfig& cfg,
                         Consumers next) -> StatusOr<std::unique_ptr<Receiver>> {
    if (!next.logs) return FailedPrecondition("loki receives logs only");
    return std::unique_ptr<Receiver>(std::make_unique<loki_receiver::LokiReceiver>(
        ctx, static_cast<const LokiReceiverConfig&>(cfg), next.logs));
  };
  registry.Add(std::move(f));
}

}  // namespace otter
