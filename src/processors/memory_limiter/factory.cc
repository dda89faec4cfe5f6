// Registers the memory_limiter processor.
#include "component/registry.h"
#include "processors/memory_limiter/config.h"
#include "processors/memory_limiter/memory_limiter.h"

namespace otter {
namespace {

template <class B>
StatusOr<std::unique_ptr<Processor>> MakeLimiter(const ComponentContext& ctx,
                                                 const MemoryLimiterConfig& cfg,
                                                 Consumer<B>* next) {
  if (!next) return FailedPrecondition("memory_limiter has no next consumer for this signal");
  ASSIGN_OR_RETURN(std::unique_ptr<MemoryLimiter> limiter, MemoryLimiter::Create(cfg, ctx.logger));
  return std::unique_ptr<Processor>(
      std::make_unique<MemoryLimiterProcessor<B>>(ctx, std::move(limiter), next));
}

}  // namespace

void RegisterMemoryLimiterProcessor(Registry& registry) {
  Factory f;
  f.kind = ComponentKind::kProcessor;
  f.type = "memory_limiter";
  f.signals = {Signal::kTraces, Signal::kMetrics, Signal::kLogs};
  f.description =
      "Refuses data with a retryable error while process memory (RSS) is above the soft limit, "
      "and returns free memory to the OS above the hard limit.";
  SetConfigTable(f, MemoryLimiterConfigTable());
  f.create_processor = [](const ComponentContext& ctx, const ComponentConfig& base, Signal signal,
                          Consumers next) -> StatusOr<std::unique_ptr<Processor>> {
    const auto& cfg = static_cast<const MemoryLimiterConfig&>(base);
    switch (signal) {
      case Signal::kTraces:
        return MakeLimiter(ctx, cfg, next.traces);
      case Signal::kMetrics:
        return MakeLimiter(ctx, cfg, next.metrics);
      case Signal::kLogs:
        return MakeLimiter(ctx, cfg, next.logs);
    }
    return InvalidArgument("unknown signal");
  };
  registry.Add(std::move(f));
}

}  // namespace otter
