// Registers the kafka exporter (otelcol-contrib's kafkaexporter keys).
#include "component/registry.h"
#include "exporters/kafka/config.h"
#include "exporters/kafka/exporter.h"

namespace otter {

void RegisterKafkaExporter(Registry& registry) {
  Factory f;
  f.kind = ComponentKind::kExporter;
  f.type = "kafka";
  f.signals = {Signal::kTraces, Signal::kMetrics, Signal::kLogs};
  f.description =
      "Produces OTLP (protobuf or JSON) or raw log bodies to Kafka topics with librdkafka; an "
      "export is acknowledged when the brokers acknowledged all of its messages.";
  SetConfigTable(f, KafkaExporterConfigTable());
  f.create_exporter = [](const ComponentContext& ctx,
                         const ComponentConfig& cfg) -> StatusOr<std::unique_ptr<Exporter>> {
    const auto& c = static_cast<const KafkaExporterConfig&>(cfg);
    for (const auto& w : c.DeprecationWarnings()) ctx.logger->warn("{}", w);
    return kafka_exporter::CreateExporter(ctx, c);
  };
  registry.Add(std::move(f));
}

}  // namespace otter
