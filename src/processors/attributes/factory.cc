// Registers the attributes processor (otelcol's `attributes`).
#include "component/registry.h"
#include "processors/attributes/attributes_processor.h"
#include "processors/attributes/config.h"

namespace otter {
namespace {

template <class B>
StatusOr<std::unique_ptr<Processor>> MakeAttributes(const AttributesConfig& cfg,
                                                    Consumer<B>* next) {
  if (!next) return FailedPrecondition("attributes processor has no next consumer for this signal");
  ASSIGN_OR_RETURN(std::unique_ptr<attraction::AttrActions> actions,
                   attraction::AttrActions::Compile(cfg.actions));
  ASSIGN_OR_RETURN(attributes::ItemFilter filter,
                   attributes::ItemFilter::Create(cfg.match, SignalOf<B>()));
  return std::unique_ptr<Processor>(std::make_unique<AttributesProcessor<B>>(
      std::shared_ptr<const attraction::AttrActions>(std::move(actions)), std::move(filter), next));
}

}  // namespace

void RegisterAttributesProcessor(Registry& registry) {
  Factory f;
  f.kind = ComponentKind::kProcessor;
  f.type = "attributes";
  f.signals = {Signal::kTraces, Signal::kMetrics, Signal::kLogs};
  f.description =
      "Inserts, updates, upserts, deletes, hashes, extracts or converts span, log record and "
      "metric data point attributes, optionally only for items matching include/exclude.";
  SetConfigTable(f, AttributesConfigTable());
  f.create_processor = [](const ComponentContext&, const ComponentConfig& base, Signal signal,
                          Consumers next) -> StatusOr<std::unique_ptr<Processor>> {
    const auto& cfg = static_cast<const AttributesConfig&>(base);
    switch (signal) {
      case Signal::kTraces:
        return MakeAttributes(cfg, next.traces);
      case Signal::kMetrics:
        return MakeAttributes(cfg, next.metrics);
      case Signal::kLogs:
        return MakeAttributes(cfg, next.logs);
    }
    return InvalidArgument("unknown signal");
  };
  registry.Add(std::move(f));
}

}  // namespace otter
