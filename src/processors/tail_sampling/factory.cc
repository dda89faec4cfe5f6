// Registers the tail_sampling processor.
#include "component/registry.h"
#include "processors/tail_sampling/config.h"
#include "processors/tail_sampling/tail_sampler.h"

namespace otter {

void RegisterTailSamplingProcessor(Registry& registry) {
  Factory f;
  f.kind = ComponentKind::kProcessor;
  f.type = "tail_sampling";
  f.signals = {Signal::kTraces};
  f.description =
      "Holds each trace for decision_wait, then keeps or drops it whole by policies (status "
      "code, latency, attributes, probabilistic, rate limits, and/composite/drop).";
  // It answers the receiver when it has taken the spans, long before they are exported.
  f.acknowledges_early = true;
  SetConfigTable(f, TailSamplingConfigTable());
  f.create_processor = [](const ComponentContext& ctx, const ComponentConfig& base, Signal signal,
                          Consumers next) -> StatusOr<std::unique_ptr<Processor>> {
    if (signal != Signal::kTraces || !next.traces)
      return FailedPrecondition("tail_sampling has no next consumer for traces");
    return std::unique_ptr<Processor>(std::make_unique<TailSampler>(
        ctx, static_cast<const TailSamplingConfig&>(base), next.traces));
  };
  registry.Add(std::move(f));
}

}  // namespace otter
