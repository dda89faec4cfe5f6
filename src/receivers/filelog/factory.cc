// Registers the filelog receiver (otelcol-contrib's).
#include "component/registry.h"
#include "receivers/filelog/config.h"
#include "receivers/filelog/receiver.h"

namespace otter {

void RegisterFileLogReceiver(Registry& registry) {
  Factory f;
  f.kind = ComponentKind::kReceiver;
  f.type = "filelog";
  f.signals = {Signal::kLogs};
  f.description =
      "tails log files (rotation-safe, offsets kept in a storage extension) and parses "
      "them with stanza operators";
  SetConfigTable(f, filelog::FileLogConfigTable());
  f.create_receiver = [](const ComponentContext& ctx, const ComponentConfig& cfg,
                         Consumers next) -> StatusOr<std::unique_ptr<Receiver>> {
    if (!next.logs) return FailedPrecondition("filelog receives logs only");
    return std::unique_ptr<Receiver>(std::make_unique<filelog::FileLogReceiver>(
        ctx, static_cast<const filelog::FileLogConfig&>(cfg), next.logs));
  };
  registry.Add(std::move(f));
}

}  // namespace otter
