#include "exporters/nop/nop_exporter.h"

namespace otter {

NopExporter::NopExporter(const ComponentContext& ctx) {
  telemetry::SelfMetrics* metrics = telemetry::GivenOrOwn(ctx.metrics, own_metrics_);
  for (Signal s : kAllSignals)
    counters_[static_cast<int>(s)] = exporterhelper::ExporterCounters(*metrics, ctx.id, s);
}

}  // namespace otter
