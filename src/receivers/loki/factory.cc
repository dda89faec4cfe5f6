// Registers the loki receiver (otelcol-contrib's, the Loki push API).
#include "auth/server_guard.h"
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
    const auto& c = static_cast<const LokiReceiverConfig&>(cfg);
    auto guard =
        auth::MakeServerAuthGuard(ctx, c.protocols.http ? c.protocols.http->auth : std::nullopt,
                                  "protocols.http.auth", "http");
    if (!guard.ok()) return guard.status();
    return std::unique_ptr<Receiver>(
        std::make_unique<loki_receiver::LokiReceiver>(ctx, c, next.logs, *guard));
  };
  registry.Add(std::move(f));
}

}  // namespace otter
