// Registers the redaction processor (otelcol-contrib's `redaction`).
#include "component/registry.h"
#include "processors/redaction/config.h"
#include "processors/redaction/redaction.h"

namespace otter {
namespace {

template <class B>
StatusOr<std::unique_ptr<Processor>> MakeRedaction(const RedactionConfig& cfg, Consumer<B>* next) {
  if (!next) return FailedPrecondition("redaction processor has no next consumer for this signal");
  ASSIGN_OR_RETURN(std::unique_ptr<redaction::Redactor> r, redaction::Redactor::Create(cfg));
  return std::unique_ptr<Processor>(std::make_unique<RedactionProcessor<B>>(
      std::shared_ptr<const redaction::Redactor>(std::move(r)), next));
}

}  // namespace

void RegisterRedactionProcessor(Registry& registry) {
  Factory f;
  f.kind = ComponentKind::kProcessor;
  f.type = "redaction";
  f.signals = {Signal::kTraces, Signal::kMetrics, Signal::kLogs};
  f.description =
      "Removes attributes whose keys are not allowed and masks or hashes values matching "
      "blocked patterns, recording what it did in redaction.* summary attributes.";
  SetConfigTable(f, RedactionConfigTable());
  f.create_processor = [](const ComponentContext&, const ComponentConfig& base, Signal signal,
                          Consumers next) -> StatusOr<std::unique_ptr<Processor>> {
    const auto& cfg = static_cast<const RedactionConfig&>(base);
    switch (signal) {
      case Signal::kTraces:
        return MakeRedaction(cfg, next.traces);
      case Signal::kMetrics:
        return MakeRedaction(cfg, next.metrics);
      case Signal::kLogs:
        return MakeRedaction(cfg, next.logs);
    }
    return InvalidArgument("unknown signal");
  };
  registry.Add(std::move(f));
}

}  // namespace otter
