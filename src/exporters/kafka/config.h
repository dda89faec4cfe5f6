// Typed config of the `kafka` exporter, with otelcol-contrib's keys: the shared client settings
// (brokers, client_id, protocol_version, auth, tls, metadata), per-signal `traces` / `metrics` /
// `logs` {topic, encoding}, `producer` {max_message_bytes, required_acks, compression, ...},
// the partition_* switches, `include_metadata_keys`, `timeout`, `sending_queue` and
// `retry_on_failure`. The older top-level `topic`, `encoding` and `compression` are accepted as
// aliases of <signal>::topic, <signal>::encoding and producer::compression (with a warning).
// Parsed once at start-up; plain data.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "component/component.h"
#include "component/registry.h"
#include "config/table.h"
#include "exporters/exporterhelper/settings.h"
#include "kafka/client_config.h"

namespace otter {

struct KafkaExporterConfig : ComponentConfig, kafka::ClientSettings {
  struct SignalSettings {
    std::optional<std::string> topic;     // default otlp_spans / otlp_metrics / otlp_logs
    std::optional<std::string> encoding;  // default otlp_proto
  };
  SignalSettings traces, metrics, logs;
  std::optional<std::string> topic;        // deprecated alias
  std::optional<std::string> encoding;     // deprecated alias
  std::optional<std::string> compression;  // alias of producer::compression (the seed's configs)

  struct Producer {
    int64_t max_message_bytes = 1000000;
    int64_t required_acks = 1;  // 0, 1 or -1 ("all")
    std::string compression = "none";
    int64_t flush_max_messages = 0;  // 0 = librdkafka's default batching
    bool allow_auto_topic_creation = true;
    config::Duration linger = std::chrono::milliseconds(10);
  } producer;

  bool partition_traces_by_id = false;
  bool partition_metrics_by_resource_attributes = false;
  bool partition_logs_by_resource_attributes = false;
  std::vector<std::string> include_metadata_keys;

  config::Duration timeout = std::chrono::seconds(5);
  exporterhelper::QueueSettings sending_queue;
  exporterhelper::RetrySettings retry_on_failure;

  // The effective topic, encoding and compression (aliases applied).
  std::string Topic(Signal s) const;
  std::string Encoding(Signal s) const;
  std::string Compression() const;

  exporterhelper::SenderSettings Sender() const {
    return {sending_queue, retry_on_failure, timeout};
  }
  Status Validate() const override;
};

const config::Table<KafkaExporterConfig>& KafkaExporterConfigTable();

}  // namespace otter
