// Registers the prometheusremotewrite exporter (otelcol-contrib's, Remote Write 1.0).
#include "component/registry.h"
#include "exporters/prometheusremotewrite/config.h"
#include "exporters/prometheusremotewrite/exporter.h"

namespace otter {

void RegisterPrometheusRemoteWriteExporter(Registry& registry) {
  Factory f;
  f.kind = ComponentKind::kExporter;
  f.type = "prometheusremotewrite";
  f.signals = {Signal::kMetrics};
  f.description =
      "Sends metrics to Prometheus, Mimir, Thanos Receive, VictoriaMetrics or any Remote Write "
      "1.0 receiver (protobuf + snappy), queued and retried.";
  SetConfigTable(f, PrometheusRemoteWriteConfigTable());
  f.create_exporter = [](const ComponentContext& ctx,
                         const ComponentConfig& cfg) -> StatusOr<std::unique_ptr<Exporter>> {
    return prometheusremotewrite::CreateExporter(
        ctx, static_cast<const PrometheusRemoteWriteConfig&>(cfg));
  };
  registry.Add(std::move(f));
}

}  // namespace otter
