// Typed config of the `kafka` receiver, with otelcol-contrib's keys: the shared client settings
// (brokers, client_id, protocol_version, auth, tls, metadata), the consumer group settings
// (group_id, initial_offset, session_timeout, heartbeat_interval, autocommit, fetch sizes,
// group_rebalance_strategy), per-signal `traces` / `metrics` / `logs` {topics, encoding},
// message_marking, header_extraction and error_backoff. The older top-level `topic` (traces)
// and `encoding` and the per-signal `topic` are accepted as aliases, with a warning.
// Unlike otelcol, message_marking.after defaults to true: an offset is committed only after
// the pipeline accepted the message (at-least-once). Parsed once at start-up; plain data.
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

struct KafkaReceiverConfig : ComponentConfig, kafka::ClientSettings {
  struct SignalSettings {
    std::vector<std::string> topics;      // default otlp_spans / otlp_metrics / otlp_logs
    std::optional<std::string> topic;     // deprecated alias of topics
    std::optional<std::string> encoding;  // default otlp_proto
  };
  SignalSettings traces, metrics, logs;
  std::optional<std::string> topic;     // deprecated: traces::topics
  std::optional<std::string> encoding;  // deprecated: every signal's encoding

  std::string group_id = "otel-collector";
  std::string initial_offset = "latest";
  config::Duration session_timeout = std::chrono::seconds(10);
  config::Duration heartbeat_interval = std::chrono::seconds(3);
  struct AutoCommit {
    bool enable = true;
    config::Duration interval = std::chrono::seconds(1);
  } autocommit;
  int64_t min_fetch_size = 1;
  int64_t default_fetch_size = 1048576;
  int64_t max_fetch_size = 0;  // 0 = librdkafka's default
  config::Duration max_fetch_wait = std::chrono::milliseconds(250);
  int64_t max_partition_fetch_size = 1048576;
  std::string group_rebalance_strategy;  // "" = range
  std::string group_instance_id;

  struct MessageMarking {
    bool after = true;  // otter's default (otelcol: false)
    bool on_error = false;
    // Default true in otter: with `after`, retrying a message that can never succeed (it
    // does not decode) would stop its partition for good.
    std::optional<bool> on_permanent_error;
  } message_marking;
  struct HeaderExtraction {
    bool extract_headers = false;
    std::vector<std::string> headers;
  } header_extraction;
  exporterhelper::RetrySettings error_backoff = [] {
    exporterhelper::RetrySettings r;
    r.enabled = false;
    return r;
  }();

  // Effective topics and encoding of a signal (aliases applied).
  std::vector<std::string> Topics(Signal s) const;
  std::string Encoding(Signal s) const;
  bool OnPermanentError() const { return message_marking.on_permanent_error.value_or(true); }
  // The librdkafka consumer properties (client + group settings).
  kafka::Properties ConsumerProperties() const;

  Status Validate() const override;
};

const config::Table<KafkaReceiverConfig>& KafkaReceiverConfigTable();

}  // namespace otter
