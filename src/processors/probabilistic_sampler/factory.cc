// Registers the probabilistic_sampler processor (traces and logs).
#include "component/registry.h"
#include "processors/probabilistic_sampler/config.h"
#include "processors/probabilistic_sampler/probabilistic_sampler.h"

namespace otter {

void RegisterProbabilisticSamplerProcessor(Registry& registry) {
  Factory f;
  f.kind = ComponentKind::kProcessor;
  f.type = "probabilistic_sampler";
  f.signals = {Signal::kTraces, Signal::kLogs};
  f.description =
      "Keeps a percentage of spans or log records, deciding from the trace id (FNV-1a hash_seed, "
      "as otelcol) or from OTEP 235 randomness and thresholds (proportional, equalizing).";
  SetConfigTable(f, ProbabilisticSamplerConfigTable());
  f.create_processor = [](const ComponentContext& ctx, const ComponentConfig& base, Signal signal,
                          Consumers next) -> StatusOr<std::unique_ptr<Processor>> {
    const auto& cfg = static_cast<const ProbabilisticSamplerConfig&>(base);
    if (signal == Signal::kTraces && next.traces)
      return std::unique_ptr<Processor>(
          std::make_unique<ProbabilisticSampler<pdata::TraceBatch>>(ctx, cfg, next.traces));
    if (signal == Signal::kLogs && next.logs)
      return std::unique_ptr<Processor>(
          std::make_unique<ProbabilisticSampler<pdata::LogBatch>>(ctx, cfg, next.logs));
    return FailedPrecondition("probabilistic_sampler has no next consumer for this signal");
  };
  registry.Add(std::move(f));
}

}  // namespace otter
