#include "extensions/health_check/config.h"

#include "net/endpoint.h"

namespace otter::health_check {

Status HealthCheckConfig::Validate() const {
  RETURN_IF_ERROR(net::ParseEndpoint(endpoint).status());
  if (path.empty() || path.front() != '/')
    return InvalidArgument("path \"" + path + "\" must start with /");
  if (check_collector_pipeline.exporter_failure_threshold <= 0)
    return InvalidArgument(
        "check_collector_pipeline.exporter_failure_threshold must be a positive number");
  if (check_collector_pipeline.interval <= config::Duration::zero())
    return InvalidArgument("check_collector_pipeline.interval must be positive");
  if (tls) RETURN_IF_ERROR(tls->Validate());
  return Status::Ok();
}

const config::Table<HealthCheckConfig>& HealthCheckTable() {
  using config::Table;
  // otter's StatusHub keeps the latest outcome per component, not failure counts: the pipeline
  // check reports unhealthy while any component's latest work failed. The two counting knobs
  // are accepted (configs written for otelcol keep working) with a warning when set.
  auto counting_knob = [](const char* key, auto member) {
    return [key, member](const config::Node& n, CheckCollectorPipeline& c, config::Diagnostics& d) {
      if (!config::ParseValue(n, c.*member, d)) return;
      d.Warning(
          n, std::string("check_collector_pipeline.") + key +
                 " has no effect in otter: the collector is unhealthy while any exporter's latest "
                 "send failed (as reported to the status hub)");
    };
  };
  static const auto pipeline =
      Table<CheckCollectorPipeline>()
          .Field("enabled", &CheckCollectorPipeline::enabled,
                 "also report unhealthy while an exporter is failing (per the status hub)")
          .Custom("interval", "duration", "5m", "accepted for otelcol compatibility; has no effect",
                  counting_knob("interval", &CheckCollectorPipeline::interval))
          .Custom("exporter_failure_threshold", "int", "5",
                  "accepted for otelcol compatibility; has no effect",
                  counting_knob("exporter_failure_threshold",
                                &CheckCollectorPipeline::exporter_failure_threshold));
  static const auto body =
      Table<ResponseBody>()
          .Field("healthy", &ResponseBody::healthy, "body sent when healthy (replaces the JSON)")
          .Field("unhealthy", &ResponseBody::unhealthy, "body sent when not healthy");
  static const auto table =
      Table<HealthCheckConfig>()
          .Field("endpoint", &HealthCheckConfig::endpoint,
                 "host:port to listen on (localhost = 127.0.0.1)")
          .Field("path", &HealthCheckConfig::path, "URL path of the health check")
          .Section("tls", &HealthCheckConfig::tls, net::TlsServerTable(), "serve HTTPS")
          .Section("response_body", &HealthCheckConfig::response_body, body,
                   "custom response bodies")
          .Section("check_collector_pipeline", &HealthCheckConfig::check_collector_pipeline,
                   pipeline, "include exporter failures in the health status")
          .NotSupportedYet("cors", "CORS for the health endpoint")
          .NotSupportedYet("auth", "authenticator extension")
          .NotSupportedYet("max_request_body_size", "request body limit (requests have no body)")
          .NotSupportedYet("include_metadata", "request metadata")
          .NotSupportedYet("response_headers", "extra response headers");
  return table;
}

}  // namespace otter::health_check
