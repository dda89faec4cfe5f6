// Registers the batch processor (otelcol's `batch`).
#include "component/registry.h"
#include "processors/batch/batch_processor.h"
#include "processors/batch/config.h"

namespace otter {
namespace {

template <class B>
StatusOr<std::unique_ptr<Processor>> MakeBatch(const ComponentContext& ctx, const BatchConfig& cfg,
                                               Consumer<B>* next) {
  if (!next) return FailedPrecondition("batch processor has no next consumer for this signal");
  return std::unique_ptr<Processor>(std::make_unique<BatchProcessor<B>>(ctx, cfg, next));
}

}  // namespace

void RegisterBatchProcessor(Registry& registry) {
  Factory f;
  f.kind = ComponentKind::kProcessor;
  f.type = "batch";
  f.signals = {Signal::kTraces, Signal::kMetrics, Signal::kLogs};
  f.acknowledges_early = true;
  f.description =
      "Groups data into batches by size and time before sending it on; holds and retries data "
      "the downstream refuses, refusing new data retryably while full.";
  SetConfigTable(f, BatchConfigTable());
  f.create_processor = [](const ComponentContext& ctx, const ComponentConfig& base, Signal signal,
                          Consumers next) -> StatusOr<std::unique_ptr<Processor>> {
    const auto& cfg = static_cast<const BatchConfig&>(base);
    switch (signal) {
      case Signal::kTraces:
        return MakeBatch(ctx, cfg, next.traces);
      case Signal::kMetrics:
        return MakeBatch(ctx, cfg, next.metrics);
      case Signal::kLogs:
        return MakeBatch(ctx, cfg, next.logs);
    }
    return InvalidArgument("unknown signal");
  };
  registry.Add(std::move(f));
}

}  // namespace otter
