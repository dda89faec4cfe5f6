#include "exporters/kafka/config.h"

namespace otter {
namespace {

const KafkaExporterConfig::SignalSettings& SignalOf(const KafkaExporterConfig& c, Signal s) {
  return s == Signal::kTraces ? c.traces : s == Signal::kMetrics ? c.metrics : c.logs;
}

// required_acks: 0, 1, -1 or "all" (= -1), as otelcol accepts.
void ParseRequiredAcks(const config::Node& n, KafkaExporterConfig::Producer& p,
                       config::Diagnostics& d) {
  if (n.kind == config::Node::Kind::kScalar && n.scalar == "all") {
    p.required_acks = -1;
    return;
  }
  int64_t v = 0;
  if (!config::ParseValue(n, v, d)) return;
  if (v < -1 || v > 1) {
    d.Error(
        n, "required_acks: expected 'all' (-1), 0, or 1; configured value is " + std::to_string(v));
    return;
  }
  p.required_acks = v;
}

const config::Table<KafkaExporterConfig::SignalSettings>& SignalTable() {
  using S = KafkaExporterConfig::SignalSettings;
  static const config::Table<S> t =
      config::Table<S>()
          .Field("topic", &S::topic,
                 "topic (default otlp_spans, otlp_metrics or otlp_logs; the top-level topic if "
                 "set)")
          .Field("encoding", &S::encoding,
                 "otlp_proto (default), otlp_json, or raw (logs: the record bodies)")
          .NotSupportedYet("topic_from_metadata_key", "topic from client metadata");
  return t;
}

const config::Table<KafkaExporterConfig::Producer>& ProducerTable() {
  using P = KafkaExporterConfig::Producer;
  static const config::Table<P> t =
      config::Table<P>()
          .Field("max_message_bytes", &P::max_message_bytes,
                 "largest message; bigger batches are split, never dropped")
          .Custom("required_acks", "int", "1", "acks: 0, 1 (leader) or -1 / all (all replicas)",
                  [](const config::Node& n, P& p, config::Diagnostics& d) {
                    ParseRequiredAcks(n, p, d);
                  })
          .Field("compression", &P::compression, "none, gzip, snappy, lz4 or zstd")
          .Field("flush_max_messages", &P::flush_max_messages,
                 "most messages per produce request (0 = librdkafka's default)")
          .Field("allow_auto_topic_creation", &P::allow_auto_topic_creation,
                 "let the broker create a missing topic")
          .Field("linger", &P::linger, "how long the producer waits to fill a request")
          .NotSupportedYet("compression_params", "compression level");
  return t;
}

void WarnAlias(const config::Node& section, const std::string& key, const std::string& current,
               config::Diagnostics& d) {
  for (const auto& [k, child] : section.map)
    if (k == key) d.Warning(child, "kafka exporter: \"" + key + "\" is deprecated; use " + current);
}

}  // namespace

std::string KafkaExporterConfig::Topic(Signal s) const {
  const auto& sig = SignalOf(*this, s);
  if (sig.topic) return *sig.topic;
  if (topic) return *topic;
  return s == Signal::kTraces ? "otlp_spans" : s == Signal::kMetrics ? "otlp_metrics" : "otlp_logs";
}

std::string KafkaExporterConfig::Encoding(Signal s) const {
  const auto& sig = SignalOf(*this, s);
  if (sig.encoding) return *sig.encoding;
  if (encoding) return *encoding;
  return "otlp_proto";
}

std::string KafkaExporterConfig::Compression() const {
  return compression ? *compression : producer.compression;
}

Status KafkaExporterConfig::Validate() const {
  RETURN_IF_ERROR(ValidateClient());
  for (Signal s : kAllSignals) {
    std::string enc = Encoding(s);
    bool ok = enc == "otlp_proto" || enc == "otlp_json" || (s == Signal::kLogs && enc == "raw");
    if (!ok)
      return InvalidArgument(std::string(SignalName(s)) + ": encoding \"" + enc +
                             "\" is not supported (otlp_proto, otlp_json" +
                             (s == Signal::kLogs ? ", raw" : "") + ")");
    if (Topic(s).empty()) return InvalidArgument(std::string(SignalName(s)) + ": topic is empty");
  }
  std::string c = Compression();
  if (c != "none" && c != "gzip" && c != "snappy" && c != "lz4" && c != "zstd")
    return InvalidArgument(
        "producer: compression should be one of 'none', 'gzip', 'snappy', 'lz4', or 'zstd'. "
        "configured value is \"" +
        c + "\"");
  if (producer.max_message_bytes < 1024)
    return InvalidArgument("producer: max_message_bytes must be at least 1024");
  if (producer.flush_max_messages < 0)
    return InvalidArgument("producer: flush_max_messages must be >= 0");
  if (timeout.count() <= 0) return InvalidArgument("timeout: must be > 0 for the kafka exporter");
  return Sender().Validate();
}

const config::Table<KafkaExporterConfig>& KafkaExporterConfigTable() {
  using C = KafkaExporterConfig;
  static const config::Table<C> table =
      kafka::AddClientFields(config::Table<C>())
          .Section("traces", &C::traces, SignalTable(), "where and how spans are written")
          .Section("metrics", &C::metrics, SignalTable(), "where and how metrics are written")
          .Section("logs", &C::logs, SignalTable(), "where and how logs are written")
          .Field("topic", &C::topic, "deprecated: the topic of every signal")
          .Field("encoding", &C::encoding, "deprecated: the encoding of every signal")
          .Field("compression", &C::compression, "alias of producer::compression")
          .Section("producer", &C::producer, ProducerTable(), "producer settings")
          .Field("partition_traces_by_id", &C::partition_traces_by_id,
                 "one message per trace, keyed by the trace id (hex)")
          .Field("partition_metrics_by_resource_attributes",
                 &C::partition_metrics_by_resource_attributes,
                 "one message per resource, keyed by a hash of its attributes")
          .Field("partition_logs_by_resource_attributes", &C::partition_logs_by_resource_attributes,
                 "one message per resource, keyed by a hash of its attributes")
          .Field("include_metadata_keys", &C::include_metadata_keys,
                 "request metadata keys copied into each message's headers, one header per "
                 "value (needs the receiver's include_metadata)")
          .Field("timeout", &C::timeout,
                 "longest wait for the brokers to acknowledge one export (message.timeout.ms)")
          .Section("sending_queue", &C::sending_queue, exporterhelper::QueueTable(),
                   "queue in front of the producer")
          .Section("retry_on_failure", &C::retry_on_failure, exporterhelper::RetryTable(),
                   "retries of exports the brokers did not acknowledge")
          .NotSupportedYet("topic_from_attribute", "topic from a resource attribute")
          .NotSupportedYet("partition_logs_by_trace_id", "log partitioning by trace id")
          .Check([](const config::Node& n, const C&, config::Diagnostics& d) {
            WarnAlias(n, "topic", "traces::topic, metrics::topic and logs::topic", d);
            WarnAlias(n, "encoding", "traces::encoding, metrics::encoding and logs::encoding", d);
            WarnAlias(n, "compression", "producer::compression", d);
          });
  return table;
}

}  // namespace otter
