// Registers the resourcedetection processor (otelcol's `resourcedetection`).
#include "component/registry.h"
#include "processors/resourcedetection/config.h"
#include "processors/resourcedetection/resourcedetection_processor.h"

namespace otter {

namespace {

template <class B>
StatusOr<std::unique_ptr<Processor>> MakeDetection(const ComponentContext& ctx,
                                                   const ResourceDetectionConfig& cfg,
                                                   Consumer<B>* next) {
  if (!next)
    return FailedPrecondition("resourcedetection processor has no next consumer for this signal");
  return std::unique_ptr<Processor>(std::make_unique<ResourceDetectionProcessor<B>>(
      ctx, cfg, resourcedetection::RealHostEnv(), next));
}

}  // namespace

void RegisterResourceDetectionProcessor(Registry& registry) {
  Factory f;
  f.kind = ComponentKind::kProcessor;
  f.type = "resourcedetection";
  f.signals = {Signal::kTraces, Signal::kMetrics, Signal::kLogs};
  f.description =
      "Detects resource attributes of the host once at start (env: OTEL_RESOURCE_ATTRIBUTES; "
      "system: host.name, os.type, host.id, host.arch) and adds them to every resource.";
  SetConfigTable(f, ResourceDetectionConfigTable());
  f.create_processor = [](const ComponentContext& ctx, const ComponentConfig& base, Signal signal,
                          Consumers next) -> StatusOr<std::unique_ptr<Processor>> {
    const auto& cfg = static_cast<const ResourceDetectionConfig&>(base);
    switch (signal) {
      case Signal::kTraces:
        return MakeDetection(ctx, cfg, next.traces);
      case Signal::kMetrics:
        return MakeDetection(ctx, cfg, next.metrics);
      case Signal::kLogs:
        return MakeDetection(ctx, cfg, next.logs);
    }
    return InvalidArgument("unknown signal");
  };
  registry.Add(std::move(f));
}

}  // namespace otter
