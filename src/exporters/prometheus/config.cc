#include "exporters/prometheus/config.h"

namespace otter {

bool PrometheusExporterConfig::WithSuffixes() const {
  if (translation_strategy.empty()) return add_metric_suffixes;
  return translation_strategy == "UnderscoreEscapingWithSuffixes";
}

Status PrometheusExporterConfig::Validate() const {
  if (endpoint.empty())
    return InvalidArgument("endpoint must be set (the address /metrics is served on)");
  if (tls) RETURN_IF_ERROR(tls->Validate());
  if (metric_expiration.count() <= 0)
    return InvalidArgument("metric_expiration must be greater than zero");
  if (!translation_strategy.empty() && translation_strategy != "UnderscoreEscapingWithSuffixes" &&
      translation_strategy != "UnderscoreEscapingWithoutSuffixes") {
    if (translation_strategy == "NoUTF8EscapingWithSuffixes" ||
        translation_strategy == "NoTranslation") {
      return InvalidArgument("translation_strategy: \"" + translation_strategy +
                             "\" (UTF-8 metric names) is not supported yet by otter");
    }
    return InvalidArgument("translation_strategy: unknown strategy \"" + translation_strategy +
                           "\" (valid: UnderscoreEscapingWithSuffixes, "
                           "UnderscoreEscapingWithoutSuffixes, NoUTF8EscapingWithSuffixes, "
                           "NoTranslation)");
  }
  return Status::Ok();
}

const config::Table<PrometheusExporterConfig>& PrometheusExporterConfigTable() {
  using C = PrometheusExporterConfig;
  using R = C::ResourceToTelemetry;
  using L = C::ResourceConstantLabels;
  static const config::Table<R> resource_table =
      config::Table<R>()
          .Field("enabled", &R::enabled, "copy every resource attribute onto every series")
          .Field("exclude_service_attributes", &R::exclude_service_attributes,
                 "leave out service.name, service.namespace and service.instance.id (already job "
                 "and instance)");
  static const config::Table<L> constant_table =
      config::Table<L>()
          .Field("included", &L::included,
                 "wildcard patterns (`*`) of resource attribute keys copied onto every series; "
                 "empty with `excluded` set = all")
          .Field("excluded", &L::excluded, "wildcard patterns of keys left out (wins)");
  static const config::Table<C> table =
      config::Table<C>()
          .Field("endpoint", &C::endpoint, "host:port serving /metrics (required)")
          .Section("tls", &C::tls, net::TlsServerTable(), "serve HTTPS")
          .Field("const_labels", &C::const_labels, "labels added to every series")
          .Field("namespace", &C::name_space, "prefix of every metric name (`<namespace>_`)")
          .Field("send_timestamps", &C::send_timestamps,
                 "write each sample's timestamp (of the OTLP point)")
          .Field("metric_expiration", &C::metric_expiration,
                 "how long a series is served after its last update")
          .Field("enable_open_metrics", &C::enable_open_metrics,
                 "answer scrapes that accept it in OpenMetrics text, with exemplars on counters "
                 "and histogram buckets")
          .Field("without_scope_info", &C::without_scope_info, "leave out the otel_scope_* labels")
          .Field("add_metric_suffixes", &C::add_metric_suffixes,
                 "unit and type suffixes (deprecated: translation_strategy wins when set)")
          .Field("translation_strategy", &C::translation_strategy,
                 "UnderscoreEscapingWithSuffixes | UnderscoreEscapingWithoutSuffixes")
          .Section("resource_to_telemetry_conversion", &C::resource_to_telemetry_conversion,
                   resource_table, "resource attributes as labels (deprecated)")
          .Section("resource_constant_labels", &C::resource_constant_labels, constant_table,
                   "resource attributes as labels, chosen by key pattern (wins over "
                   "resource_to_telemetry_conversion)");
  return table;
}

}  // namespace otter
