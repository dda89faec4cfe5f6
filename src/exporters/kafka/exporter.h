// The `kafka` exporter: produces every batch as Kafka messages (messages.h: encoding, split,
// keys, traceparent header) with librdkafka, through the exporterhelper queue and retry. An
// export completes only when the brokers acknowledged every one of its messages (librdkafka
// delivery reports, with required_acks), so the pipeline's completion-based acks hold through
// Kafka; messages that failed are retried (only those), a batch that cannot be encoded within
// max_message_bytes fails permanently.
// Thread-safety: Consume from pipeline threads; sends on the sender threads; delivery reports on
// the exporter's poll thread.
#pragma once

#include <memory>

#include "component/component.h"
#include "exporters/exporterhelper/queued_retry_sender.h"
#include "exporters/kafka/config.h"

namespace otter::kafka_exporter {

StatusOr<std::unique_ptr<Exporter>> CreateExporter(const ComponentContext& ctx,
                                                   const KafkaExporterConfig& cfg,
                                                   exporterhelper::SenderOptions options = {});

}  // namespace otter::kafka_exporter
