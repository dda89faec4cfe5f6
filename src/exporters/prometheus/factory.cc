// Registers the prometheus exporter (otelcol-contrib's `prometheus`, pull).
#include "component/registry.h"
#include "exporters/prometheus/config.h"
#include "exporters/prometheus/exporter.h"

namespace otter {

void RegisterPrometheusExporter(Registry& registry) {
  Factory f;
  f.kind = ComponentKind::kExporter;
  f.type = "prometheus";
  f.signals = {Signal::kMetrics};
  f.description =
      "Serves the latest value of every metric series at /metrics for Prometheus to scrape "
      "(text or OpenMetrics with exemplars).";
  SetConfigTable(f, PrometheusExporterConfigTable());
  f.create_exporter = [](const ComponentContext& ctx,
                         const ComponentConfig& cfg) -> StatusOr<std::unique_ptr<Exporter>> {
    return std::unique_ptr<Exporter>(std::make_unique<prometheus_exporter::PrometheusExporter>(
        ctx, static_cast<const PrometheusExporterConfig&>(cfg)));
  };
  registry.Add(std::move(f));
}

}  // namespace otter
