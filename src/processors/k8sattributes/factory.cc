// Registers the k8sattributes processor.
#include "component/registry.h"
#include "processors/k8sattributes/config.h"
#include "processors/k8sattributes/processor.h"

namespace otter {
namespace {

template <class B>
StatusOr<std::unique_ptr<Processor>> Make(const ComponentContext& ctx,
                                          const K8sAttributesConfig& cfg, Consumer<B>* next) {
  if (!next) return FailedPrecondition("k8sattributes has no next consumer for this signal");
  return std::unique_ptr<Processor>(
      std::make_unique<k8sattributes::K8sAttributesProcessor<B>>(ctx, cfg, next));
}

}  // namespace

void RegisterK8sAttributesProcessor(Registry& registry) {
  Factory f;
  f.kind = ComponentKind::kProcessor;
  f.type = "k8sattributes";
  f.signals = {Signal::kTraces, Signal::kMetrics, Signal::kLogs};
  f.description =
      "Adds Kubernetes pod metadata (namespace, pod, node, workload, container, labels, "
      "annotations) to resources, finding the pod by the client's IP or resource attributes.";
  SetConfigTable(f, K8sAttributesConfigTable());
  f.create_processor = [](const ComponentContext& ctx, const ComponentConfig& base, Signal signal,
                          Consumers next) -> StatusOr<std::unique_ptr<Processor>> {
    const auto& cfg = static_cast<const K8sAttributesConfig&>(base);
    switch (signal) {
      case Signal::kTraces:
        return Make(ctx, cfg, next.traces);
      case Signal::kMetrics:
        return Make(ctx, cfg, next.metrics);
      case Signal::kLogs:
        return Make(ctx, cfg, next.logs);
    }
    return InvalidArgument("unknown signal");
  };
  registry.Add(std::move(f));
}

}  // namespace otter
