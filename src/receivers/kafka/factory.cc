// Registers the kafka receiver (otelcol-contrib's kafkareceiver keys; message_marking.after
// defaults to true in otter).
#include "component/registry.h"
#include "receivers/kafka/config.h"
#include "receivers/kafka/receiver.h"

namespace otter {

void RegisterKafkaReceiver(Registry& registry) {
  Factory f;
  f.kind = ComponentKind::kReceiver;
  f.type = "kafka";
  f.signals = {Signal::kTraces, Signal::kMetrics, Signal::kLogs};
  f.description =
      "Consumes OTLP (protobuf or JSON) or raw log messages from Kafka topics in a consumer "
      "group; offsets are committed after the pipeline accepted a message (at-least-once).";
  SetConfigTable(f, KafkaReceiverConfigTable());
  f.create_receiver = [](const ComponentContext& ctx, const ComponentConfig& cfg,
                         Consumers next) -> StatusOr<std::unique_ptr<Receiver>> {
    const auto& c = static_cast<const KafkaReceiverConfig&>(cfg);
    for (const auto& w : c.DeprecationWarnings()) ctx.logger->warn("{}", w);
    return kafka_receiver::CreateReceiver(ctx, c, next);
  };
  registry.Add(std::move(f));
}

}  // namespace otter
