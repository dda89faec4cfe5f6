#include "exporters/nop/nop_exporter.h"

namespace otter {

NopExporter::NopExporter(const ComponentContext& ctx) {
  telemetry::SelfMetrics* metrics = ctx.metrics;
  if (!metrics) {
    own_metrics_ = std::make_unique<telemetry::SelfMetrics>();
    metrics = own_metrics_.get();
  }
  for (Signal s : kAllSignals)
    counters_[static_cast<int>(s)] = exporterhelper::ExporterCounters(*metrics, ctx.id, s);
}

}  // namespace otter
