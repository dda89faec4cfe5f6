#include "exporters/loki/config.h"

namespace otter {

Status LokiExporterConfig::Validate() const {
  if (endpoint.empty())
    return InvalidArgument("endpoint must be set (e.g. http://loki:3100/loki/api/v1/push)");
  RETURN_IF_ERROR(tls.Validate().Annotate("tls"));
  return Sender().Validate();
}

const config::Table<LokiExporterConfig>& LokiExporterConfigTable() {
  using C = LokiExporterConfig;
  using D = C::DefaultLabels;
  static const config::Table<D> labels_table =
      config::Table<D>()
          .Field("exporter", &D::exporter, "exporter=\"OTLP\"")
          .Field("job", &D::job, "job from service.namespace/service.name")
          .Field("instance", &D::instance, "instance from service.instance.id")
          .Field("level", &D::level, "level from the record's severity text");
  static const config::Table<C> table =
      config::Table<C>()
          .Field("endpoint", &C::endpoint, "Loki's push URL (required)")
          .Field("headers", &C::headers, "headers sent with every request")
          .Field("timeout", &C::timeout, "deadline of each request")
          .Section("tls", &C::tls, net::TlsClientTable(), "TLS for https:// URLs")
          .Section("default_labels_enabled", &C::default_labels_enabled, labels_table,
                   "the labels every stream gets")
          .Section("sending_queue", &C::sending_queue, exporterhelper::QueueTable(),
                   "queue in front of the sender")
          .Section("retry_on_failure", &C::retry_on_failure, exporterhelper::RetryTable(),
                   "retries of 5xx, 429 and network errors")
          .Section("auth", &C::auth, auth::AuthSettingsTable(),
                   "extension that adds credentials (headers) to every push")
          .NotSupportedYet("proxy_url", "HTTP proxy");
  return table;
}

}  // namespace otter
