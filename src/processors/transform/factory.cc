// Registers the transform processor.
#include "component/registry.h"
#include "processors/transform/config.h"
#include "processors/transform/transform_processor.h"

namespace otter {
namespace {

template <class B>
StatusOr<std::unique_ptr<Processor>> MakeTransform(const ComponentContext& ctx,
                                                   const std::vector<TransformGroup>& groups,
                                                   ottl::ErrorMode mode, Consumer<B>* next) {
  if (!next) return FailedPrecondition("transform has no next consumer for this signal");
  return std::unique_ptr<Processor>(
      std::make_unique<TransformProcessor<B>>(ctx, groups, mode, next));
}

}  // namespace

void RegisterTransformProcessor(Registry& registry) {
  Factory f;
  f.kind = ComponentKind::kProcessor;
  f.type = "transform";
  f.signals = {Signal::kTraces, Signal::kMetrics, Signal::kLogs};
  f.description =
      "Modifies telemetry with OTTL statements (set, delete_key, keep_keys, replace_pattern, "
      "...), optionally guarded by where clauses and group conditions.";
  SetConfigTable(f, TransformConfigTable());
  f.create_processor = [](const ComponentContext& ctx, const ComponentConfig& base, Signal signal,
                          Consumers next) -> StatusOr<std::unique_ptr<Processor>> {
    const auto& cfg = static_cast<const TransformConfig&>(base);
    switch (signal) {
      case Signal::kTraces:
        return MakeTransform(ctx, cfg.trace_statements, cfg.error_mode, next.traces);
      case Signal::kMetrics:
        return MakeTransform(ctx, cfg.metric_statements, cfg.error_mode, next.metrics);
      case Signal::kLogs:
        return MakeTransform(ctx, cfg.log_statements, cfg.error_mode, next.logs);
    }
    return InvalidArgument("unknown signal");
  };
  registry.Add(std::move(f));
}

}  // namespace otter
