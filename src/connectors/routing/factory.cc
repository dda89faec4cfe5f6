// Registers the routing connector (contrib's `routing`).
#include "component/registry.h"
#include "connectors/routing/config.h"
#include "connectors/routing/routing_connector.h"

namespace otter {
namespace {

template <class B>
StatusOr<std::unique_ptr<Connector>> MakeRouting(const ComponentContext& ctx,
                                                 const RoutingConfig& base,
                                                 const ConnectorNext& next) {
  auto cfg = std::make_shared<const RoutingConfig>(base);
  std::string receiving;
  for (const auto& [id, c] : next.pipelines) receiving += (receiving.empty() ? "" : ", ") + id;
  auto targets = [&](const std::vector<std::string>& ids,
                     const std::string& key) -> StatusOr<std::vector<Consumer<B>*>> {
    std::vector<Consumer<B>*> out;
    for (const auto& id : ids) {
      Consumer<B>* c = nullptr;
      for (const auto& [pid, consumers] : next.pipelines)
        if (pid == id) c = consumers.template get<B>();
      if (!c)
        return InvalidArgument(key + ": pipeline \"" + id +
                               "\" does not receive from this connector (receiving: " + receiving +
                               ")");
      out.push_back(c);
    }
    return out;
  };
  constexpr auto kItem = SignalOf<B>() == Signal::kTraces    ? ottl::ContextKind::kSpan
                         : SignalOf<B>() == Signal::kMetrics ? ottl::ContextKind::kMetric
                                                             : ottl::ContextKind::kLog;
  std::vector<typename RoutingConnector<B>::Route> routes;
  for (size_t k = 0; k < cfg->table.size(); ++k) {
    const RoutingRoute& r = cfg->table[k];
    std::string key = "table[" + std::to_string(k) + "]";
    if (r.context != ottl::ContextKind::kResource && r.context != kItem)
      return InvalidArgument(key + ": context " + std::string(ottl::ContextKindName(r.context)) +
                             " does not apply to " + std::string(SignalName(SignalOf<B>())));
    auto t = targets(r.pipelines, key + ".pipelines");
    if (!t.ok()) return t.status();
    routes.push_back({&r, std::move(*t)});
  }
  auto defaults = targets(cfg->default_pipelines, "default_pipelines");
  if (!defaults.ok()) return defaults.status();
  return std::unique_ptr<Connector>(
      std::make_unique<RoutingConnector<B>>(ctx, cfg, std::move(routes), std::move(*defaults)));
}

}  // namespace

void RegisterRoutingConnector(Registry& registry) {
  Factory f;
  f.kind = ComponentKind::kConnector;
  f.type = "routing";
  f.signals = {Signal::kTraces, Signal::kMetrics, Signal::kLogs};
  f.connects = {{Signal::kTraces, Signal::kTraces},
                {Signal::kMetrics, Signal::kMetrics},
                {Signal::kLogs, Signal::kLogs}};
  f.description =
      "Routes resources, spans, metrics or log records to pipelines by OTTL conditions, the "
      "first matching route winning; the rest goes to default_pipelines.";
  SetConfigTable(f, RoutingConfigTable());
  f.create_connector = [](const ComponentContext& ctx, const ComponentConfig& base, Signal from,
                          Signal,
                          const ConnectorNext& next) -> StatusOr<std::unique_ptr<Connector>> {
    const auto& cfg = static_cast<const RoutingConfig&>(base);
    switch (from) {
      case Signal::kTraces:
        return MakeRouting<pdata::TraceBatch>(ctx, cfg, next);
      case Signal::kMetrics:
        return MakeRouting<pdata::MetricBatch>(ctx, cfg, next);
      case Signal::kLogs:
        return MakeRouting<pdata::LogBatch>(ctx, cfg, next);
    }
    return InvalidArgument("unknown signal");
  };
  registry.Add(std::move(f));
}

}  // namespace otter
