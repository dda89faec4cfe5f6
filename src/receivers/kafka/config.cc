#include "receivers/kafka/config.h"

namespace otter {
namespace {

const KafkaReceiverConfig::SignalSettings& SignalOf(const KafkaReceiverConfig& c, Signal s) {
  return s == Signal::kTraces ? c.traces : s == Signal::kMetrics ? c.metrics : c.logs;
}

const config::Table<KafkaReceiverConfig::SignalSettings>& SignalTable() {
  using S = KafkaReceiverConfig::SignalSettings;
  static const config::Table<S> t =
      config::Table<S>()
          .Field("topics", &S::topics,
                 "topics to consume (default otlp_spans, otlp_metrics or otlp_logs)")
          .Field("topic", &S::topic, "deprecated: one topic (use topics)")
          .Field("encoding", &S::encoding,
                 "otlp_proto (default), otlp_json; logs also raw and text (the message is the "
                 "record body)")
          .NotSupportedYet("exclude_topics", "regex topic exclusion")
          .NotSupportedYet("exclude_topic", "regex topic exclusion");
  return t;
}

void WarnAliases(const config::Node& n, config::Diagnostics& d) {
  for (const auto& [k, child] : n.map) {
    if (k == "topic")
      d.Warning(child, "kafka receiver: \"topic\" is deprecated; use traces::topics");
    else if (k == "encoding")
      d.Warning(child,
                "kafka receiver: \"encoding\" is deprecated; use traces::encoding, "
                "metrics::encoding and logs::encoding");
    else if ((k == "traces" || k == "metrics" || k == "logs") && child.IsMap())
      for (const auto& [k2, c2] : child.map)
        if (k2 == "topic")
          d.Warning(c2,
                    "kafka receiver: \"" + k + "::topic\" is deprecated; use " + k + "::topics");
  }
}

}  // namespace

std::vector<std::string> KafkaReceiverConfig::Topics(Signal s) const {
  const auto& sig = SignalOf(*this, s);
  if (!sig.topics.empty()) return sig.topics;
  if (sig.topic) return {*sig.topic};
  if (s == Signal::kTraces && topic) return {*topic};
  return {s == Signal::kTraces    ? "otlp_spans"
          : s == Signal::kMetrics ? "otlp_metrics"
                                  : "otlp_logs"};
}

std::string KafkaReceiverConfig::Encoding(Signal s) const {
  const auto& sig = SignalOf(*this, s);
  if (sig.encoding) return *sig.encoding;
  if (encoding) return *encoding;
  return "otlp_proto";
}

kafka::Properties KafkaReceiverConfig::ConsumerProperties() const {
  kafka::Properties p = ClientProperties();
  p.emplace_back("group.id", group_id);
  if (!group_instance_id.empty()) p.emplace_back("group.instance.id", group_instance_id);
  p.emplace_back("auto.offset.reset", initial_offset);
  p.emplace_back("session.timeout.ms", kafka::Millis(session_timeout));
  p.emplace_back("heartbeat.interval.ms", kafka::Millis(heartbeat_interval));
  // Offsets are stored by the receiver once the pipeline accepted a message (or before it is
  // handed over with message_marking.after: false); librdkafka commits what is stored.
  p.emplace_back("enable.auto.offset.store", "false");
  p.emplace_back("enable.auto.commit", autocommit.enable ? "true" : "false");
  if (autocommit.enable)
    p.emplace_back("auto.commit.interval.ms", kafka::Millis(autocommit.interval));
  p.emplace_back("fetch.min.bytes", std::to_string(min_fetch_size));
  p.emplace_back("fetch.wait.max.ms", kafka::Millis(max_fetch_wait));
  p.emplace_back("max.partition.fetch.bytes", std::to_string(max_partition_fetch_size));
  if (max_fetch_size > 0) p.emplace_back("fetch.max.bytes", std::to_string(max_fetch_size));
  std::string strategy = group_rebalance_strategy == "roundrobin" ? "roundrobin"
                         : group_rebalance_strategy == "sticky"   ? "cooperative-sticky"
                                                                  : "range";
  p.emplace_back("partition.assignment.strategy", strategy);
  return p;
}

Status KafkaReceiverConfig::Validate() const {
  RETURN_IF_ERROR(ValidateClient());
  if (group_id.empty()) return InvalidArgument("group_id: must not be empty");
  if (initial_offset != "latest" && initial_offset != "earliest")
    return InvalidArgument(
        "initial_offset: should be one of 'latest' or 'earliest'. configured value " +
        initial_offset);
  if (!group_rebalance_strategy.empty() && group_rebalance_strategy != "range" &&
      group_rebalance_strategy != "roundrobin" && group_rebalance_strategy != "sticky")
    return InvalidArgument(
        "group_rebalance_strategy: should be one of 'range', 'roundrobin', or 'sticky'. "
        "configured value " +
        group_rebalance_strategy);
  if (heartbeat_interval >= session_timeout)
    return InvalidArgument("heartbeat_interval: must be less than session_timeout");
  for (Signal s : kAllSignals) {
    const auto& sig = SignalOf(*this, s);
    std::string name(SignalName(s));
    if (sig.topic && !sig.topics.empty())
      return InvalidArgument(name + ": both " + name + ".topic and " + name +
                             ".topics cannot be set");
    std::string enc = Encoding(s);
    bool ok = enc == "otlp_proto" || enc == "otlp_json" ||
              (s == Signal::kLogs && (enc == "raw" || enc == "text"));
    if (!ok)
      return InvalidArgument(name + ": encoding \"" + enc +
                             "\" is not supported (otlp_proto, otlp_json" +
                             (s == Signal::kLogs ? ", raw, text" : "") + ")");
    for (const auto& t : Topics(s))
      if (t.empty() || t[0] == '^')
        return InvalidArgument(name + ": topics: \"" + t +
                               "\": empty and regex (^...) topics are not supported");
  }
  if (min_fetch_size < 1) return InvalidArgument("min_fetch_size: must be at least 1");
  if (max_partition_fetch_size < 1)
    return InvalidArgument("max_partition_fetch_size: must be at least 1");
  return error_backoff.Validate().Annotate("error_backoff");
}

const config::Table<KafkaReceiverConfig>& KafkaReceiverConfigTable() {
  using C = KafkaReceiverConfig;
  using A = C::AutoCommit;
  using M = C::MessageMarking;
  using H = C::HeaderExtraction;
  static const config::Table<A> autocommit =
      config::Table<A>()
          .Field("enable", &A::enable, "commit stored offsets periodically")
          .Field("interval", &A::interval, "commit period");
  static const config::Table<M> marking =
      config::Table<M>()
          .Field("after", &M::after,
                 "mark a message only after the pipeline accepted it (otter's default: true)")
          .Field("on_error", &M::on_error,
                 "mark (skip) a message the pipeline refused retryably instead of retrying it")
          .Field("on_permanent_error", &M::on_permanent_error,
                 "mark (skip) a message that failed permanently (otter default: true)");
  static const config::Table<H> headers =
      config::Table<H>()
          .Field("extract_headers", &H::extract_headers,
                 "copy the listed Kafka headers into resource attributes kafka.header.<name>")
          .Field("headers", &H::headers, "header names to copy");
  static const config::Table<C> table =
      kafka::AddClientFields(config::Table<C>())
          .Section("traces", &C::traces, SignalTable(), "where spans are read from")
          .Section("metrics", &C::metrics, SignalTable(), "where metrics are read from")
          .Section("logs", &C::logs, SignalTable(), "where logs are read from")
          .Field("topic", &C::topic, "deprecated: traces::topics")
          .Field("encoding", &C::encoding, "deprecated: every signal's encoding")
          .Field("group_id", &C::group_id, "consumer group")
          .Field("initial_offset", &C::initial_offset,
                 "where a group without a committed offset starts: latest or earliest")
          .Field("session_timeout", &C::session_timeout, "group session timeout")
          .Field("heartbeat_interval", &C::heartbeat_interval, "group heartbeat interval")
          .Section("autocommit", &C::autocommit, autocommit, "offset commits")
          .Field("min_fetch_size", &C::min_fetch_size, "fetch.min.bytes")
          .Field("default_fetch_size", &C::default_fetch_size,
                 "accepted for compatibility (librdkafka sizes fetches itself)")
          .Field("max_fetch_size", &C::max_fetch_size, "fetch.max.bytes (0 = default)")
          .Field("max_fetch_wait", &C::max_fetch_wait, "fetch.wait.max.ms")
          .Field("max_partition_fetch_size", &C::max_partition_fetch_size,
                 "max.partition.fetch.bytes")
          .Field("group_rebalance_strategy", &C::group_rebalance_strategy,
                 "range (default), roundrobin or sticky (cooperative-sticky)")
          .Field("group_instance_id", &C::group_instance_id, "static group membership id")
          .Section("message_marking", &C::message_marking, marking,
                   "when offsets are marked as consumed")
          .Section("header_extraction", &C::header_extraction, headers,
                   "Kafka headers to resource attributes")
          .Section("error_backoff", &C::error_backoff, exporterhelper::RetryTable(),
                   "pause of a partition whose message the pipeline refused (enabled: "
                   "exponential from initial_interval; disabled: 1s)")
          .NotSupportedYet("telemetry", "kafka_receiver_records_delay metric")
          .NotSupportedYet("use_leader_epoch", "KIP-320 switch")
          .Check(
              [](const config::Node& n, const C&, config::Diagnostics& d) { WarnAliases(n, d); });
  return table;
}

}  // namespace otter
