// Registers the filter processor.
#include "component/registry.h"
#include "processors/filter/config.h"
#include "processors/filter/filter_processor.h"

namespace otter {
namespace {

template <class B>
StatusOr<std::unique_ptr<Processor>> MakeFilter(const ComponentContext& ctx,
                                                const FilterConditions& conditions,
                                                ottl::ErrorMode mode, Consumer<B>* next) {
  if (!next) return FailedPrecondition("filter has no next consumer for this signal");
  return std::unique_ptr<Processor>(
      std::make_unique<FilterProcessor<B>>(ctx, conditions, mode, next));
}

}  // namespace

void RegisterFilterProcessor(Registry& registry) {
  Factory f;
  f.kind = ComponentKind::kProcessor;
  f.type = "filter";
  f.signals = {Signal::kTraces, Signal::kMetrics, Signal::kLogs};
  f.description =
      "Drops spans, span events, metrics, data points and log records for which an OTTL "
      "condition holds.";
  SetConfigTable(f, FilterConfigTable());
  f.create_processor = [](const ComponentContext& ctx, const ComponentConfig& base, Signal signal,
                          Consumers next) -> StatusOr<std::unique_ptr<Processor>> {
    const auto& cfg = static_cast<const FilterConfig&>(base);
    switch (signal) {
      case Signal::kTraces:
        return MakeFilter(ctx, cfg.traces, cfg.error_mode, next.traces);
      case Signal::kMetrics:
        return MakeFilter(ctx, cfg.metrics, cfg.error_mode, next.metrics);
      case Signal::kLogs:
        return MakeFilter(ctx, cfg.logs, cfg.error_mode, next.logs);
    }
    return InvalidArgument("unknown signal");
  };
  registry.Add(std::move(f));
}

}  // namespace otter
