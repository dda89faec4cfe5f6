// Registers the resource processor (otelcol's `resource`).
#include "component/registry.h"
#include "processors/resource/config.h"
#include "processors/resource/resource_processor.h"

namespace otter {
namespace {

template <class B>
StatusOr<std::unique_ptr<Processor>> MakeResource(const ResourceConfig& cfg, Consumer<B>* next) {
  if (!next) return FailedPrecondition("resource processor has no next consumer for this signal");
  ASSIGN_OR_RETURN(std::unique_ptr<attraction::AttrActions> actions,
                   attraction::AttrActions::Compile(cfg.attributes));
  return std::unique_ptr<Processor>(std::make_unique<ResourceProcessor<B>>(
      std::shared_ptr<const attraction::AttrActions>(std::move(actions)), next));
}

}  // namespace

void RegisterResourceProcessor(Registry& registry) {
  Factory f;
  f.kind = ComponentKind::kProcessor;
  f.type = "resource";
  f.signals = {Signal::kTraces, Signal::kMetrics, Signal::kLogs};
  f.description =
      "Inserts, updates, upserts, deletes, hashes, extracts or converts resource attributes.";
  SetConfigTable(f, ResourceConfigTable());
  f.create_processor = [](const ComponentContext&, const ComponentConfig& base, Signal signal,
                          Consumers next) -> StatusOr<std::unique_ptr<Processor>> {
    const auto& cfg = static_cast<const ResourceConfig&>(base);
    switch (signal) {
      case Signal::kTraces:
        return MakeResource(cfg, next.traces);
      case Signal::kMetrics:
        return MakeResource(cfg, next.metrics);
      case Signal::kLogs:
        return MakeResource(cfg, next.logs);
    }
    return InvalidArgument("unknown signal");
  };
  registry.Add(std::move(f));
}

}  // namespace otter
