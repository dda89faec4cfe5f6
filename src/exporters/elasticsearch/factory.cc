// Registers the elasticsearch exporter (otelcol-contrib's bulk-API exporter).
#include "component/registry.h"
#include "exporters/elasticsearch/config.h"
#include "exporters/elasticsearch/exporter.h"

namespace otter {

void RegisterElasticsearchExporter(Registry& registry) {
  Factory f;
  f.kind = ComponentKind::kExporter;
  f.type = "elasticsearch";
  f.signals = {Signal::kLogs, Signal::kTraces};
  f.description =
      "Indexes logs and spans into Elasticsearch through the bulk API (NDJSON), in the otel, "
      "ecs, none or raw document mapping, with per-document retries.";
  SetConfigTable(f, ElasticsearchExporterConfigTable());
  f.create_exporter = [](const ComponentContext& ctx,
                         const ComponentConfig& cfg) -> StatusOr<std::unique_ptr<Exporter>> {
    return elasticsearch_exporter::CreateExporter(
        ctx, static_cast<const ElasticsearchExporterConfig&>(cfg));
  };
  registry.Add(std::move(f));
}

}  // namespace otter
