#include "exporters/prometheusremotewrite/config.h"

namespace otter {

exporterhelper::SenderSettings PrometheusRemoteWriteConfig::Sender() const {
  exporterhelper::SenderSettings s;
  s.queue.enabled = remote_write_queue.enabled;
  s.queue.queue_size = remote_write_queue.queue_size;
  // One sender: Remote Write needs each series' samples in time order, which parallel requests
  // of consecutive batches would break ("out of order sample").
  s.queue.num_consumers = 1;
  s.retry = retry_on_failure;
  s.timeout = timeout;
  return s;
}

Status PrometheusRemoteWriteConfig::Validate() const {
  if (endpoint.empty())
    return InvalidArgument(
        "endpoint must be set (the Remote Write URL, e.g. "
        "http://prometheus:9090/api/v1/write)");
  if (max_batch_size_bytes <= 0)
    return InvalidArgument("max_batch_size_bytes must be greater than zero");
  if (remote_write_queue.queue_size <= 0)
    return InvalidArgument("remote_write_queue: queue_size must be greater than zero");
  if (remote_write_queue.num_consumers <= 0)
    return InvalidArgument("remote_write_queue: num_consumers must be greater than zero");
  for (const auto& [k, v] : headers) {
    static const char* kFixed[] = {"content-encoding", "content-type",
                                   "x-prometheus-remote-write-version", "user-agent"};
    std::string lower = k;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (const char* f : kFixed)
      if (lower == f) return InvalidArgument("headers: \"" + k + "\" cannot be changed");
  }
  RETURN_IF_ERROR(tls.Validate().Annotate("tls"));
  return Sender().Validate();
}

const config::Table<PrometheusRemoteWriteConfig>& PrometheusRemoteWriteConfigTable() {
  using C = PrometheusRemoteWriteConfig;
  using E = C::Enabled;
  using Q = C::RemoteWriteQueue;
  static const config::Table<E> enabled_table =
      config::Table<E>().Field("enabled", &E::enabled, "turn it on or off");
  static const config::Table<Q> queue_table =
      config::Table<Q>()
          .Field("enabled", &Q::enabled, "queue batches and answer the pipeline at once")
          .Field("queue_size", &Q::queue_size, "batches the queue holds")
          .Field("num_consumers", &Q::num_consumers,
                 "accepted for otelcol compatibility; otter sends one request at a time to keep "
                 "each series' samples in order");
  static const config::Table<C> table =
      config::Table<C>()
          .Field("endpoint", &C::endpoint, "the Remote Write URL (required)")
          .Field("headers", &C::headers, "extra headers (not the four Remote Write fixes)")
          .Field("timeout", &C::timeout, "deadline of each request")
          .Section("tls", &C::tls, net::TlsClientTable(), "TLS for https:// URLs")
          .Field("namespace", &C::name_space, "prefix `<namespace>_` on every metric name")
          .Field("external_labels", &C::external_labels,
                 "labels on every series (the series' own labels win)")
          .Field("add_metric_suffixes", &C::add_metric_suffixes, "unit and type suffixes")
          .Field("send_metadata", &C::send_metadata, "send type, help and unit per metric family")
          .Field("max_batch_size_bytes", &C::max_batch_size_bytes,
                 "largest request (protobuf bytes before snappy); a batch is split to fit")
          .Section("resource_to_telemetry_conversion", &C::resource_to_telemetry_conversion,
                   enabled_table, "resource attributes as labels of every series")
          .Section("target_info", &C::target_info, enabled_table,
                   "one target_info series per resource")
          .Section("remote_write_queue", &C::remote_write_queue, queue_table, "the send queue")
          .Section("retry_on_failure", &C::retry_on_failure, exporterhelper::RetryTable(),
                   "retries of 5xx and 429 answers and network errors")
          .NotSupportedYet("wal", "write-ahead log of the exporter")
          .Section("auth", &C::auth, auth::AuthSettingsTable(),
                   "extension that adds credentials (headers) to every request")
          .NotSupportedYet("export_created_metric", "_created series")
          .NotSupportedYet("protobuf_message", "Remote Write 2.0")
          .NotSupportedYet("max_batch_request_parallelism", "parallel requests per batch")
          .NotSupportedYet("proxy_url", "HTTP proxy");
  return table;
}

}  // namespace otter
