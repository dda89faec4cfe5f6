// Registers the forward connector (otelcol's `forward`).
#include "component/registry.h"
#include "connectors/forward/forward_connector.h"

namespace otter {
namespace {

struct ForwardConfig : ComponentConfig {};

const config::Table<ForwardConfig>& ForwardConfigTable() {
  static const config::Table<ForwardConfig> table;
  return table;
}

template <class B>
StatusOr<std::unique_ptr<Connector>> MakeForward(Consumer<B>* next) {
  if (!next) return FailedPrecondition("forward connector has no next consumer");
  return std::unique_ptr<Connector>(std::make_unique<ForwardConnector<B>>(next));
}

}  // namespace

void RegisterForwardConnector(Registry& registry) {
  Factory f;
  f.kind = ComponentKind::kConnector;
  f.type = "forward";
  f.signals = {Signal::kTraces, Signal::kMetrics, Signal::kLogs};
  f.connects = {{Signal::kTraces, Signal::kTraces},
                {Signal::kMetrics, Signal::kMetrics},
                {Signal::kLogs, Signal::kLogs}};
  f.description =
      "Passes data unchanged from the pipelines that export to it to the pipelines of the same "
      "signal that receive from it.";
  SetConfigTable(f, ForwardConfigTable());
  f.create_connector = [](const ComponentContext&, const ComponentConfig&, Signal from, Signal,
                          const ConnectorNext& next) -> StatusOr<std::unique_ptr<Connector>> {
    switch (from) {
      case Signal::kTraces:
        return MakeForward(next.all.traces);
      case Signal::kMetrics:
        return MakeForward(next.all.metrics);
      case Signal::kLogs:
        return MakeForward(next.all.logs);
    }
    return InvalidArgument("unknown signal");
  };
  registry.Add(std::move(f));
}

}  // namespace otter
