#include "exporters/nop/nop_exporter.h"

namespace otter {

NopExporter::NopExporter(const ComponentContext& ctx) {
  telemetry::SelfMetrics* metrics = ctx.metrics;
  if (!metrics) {
    own_metrics_ = std::make_unique<telemetry::SelfMetrics>();
    metrics = own_metrics_.get();
  }
  for (Signal s : kAllSignals) {
    sent_[static_cast<int>(s)] = &metrics->GetCounter(
        "otelcol_exporter_sent_" + std::string(SignalItemName(s)),
        "Items successfully sent by the exporter (nop: accepted and discarded).",
        {{"exporter", ctx.id.ToString()}});
  }
}

}  // namespace otter
