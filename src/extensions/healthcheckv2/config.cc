#include "extensions/healthcheckv2/config.h"

#include "net/endpoint.h"

namespace otter::healthcheckv2 {
namespace {

using config::Table;

// A v1 key: parsed by health_check's own table, so the two extensions cannot drift apart.
auto Legacy(const std::string& key) {
  return [key](const config::Node& n, HealthCheckV2Config& c, config::Diagnostics& d) {
    config::Node one;
    one.kind = config::Node::Kind::kMap;
    one.line = n.line;
    one.file = n.file;
    one.map.emplace_back(key, n);
    health_check::HealthCheckTable().Parse(one, c.legacy, d);
  };
}

const Table<PathConfig>& PathTable() {
  static const auto t = Table<PathConfig>()
                            .Field("enabled", &PathConfig::enabled, "serve this path")
                            .Field("path", &PathConfig::path, "URL path");
  return t;
}

}  // namespace

Status HealthCheckV2Config::Validate() const {
  if (!use_v2) return legacy.Validate();
  RETURN_IF_ERROR(net::ParseEndpoint(http.endpoint).status().Annotate("http.endpoint"));
  if (http.status.path.empty() || http.status.path.front() != '/')
    return InvalidArgument("http: status.path \"" + http.status.path + "\" must start with /");
  if (http.config.enabled)
    return InvalidArgument("http: config.enabled is not supported yet by otter");
  if (http.tls) RETURN_IF_ERROR(http.tls->Validate());
  RETURN_IF_ERROR(net::ParseEndpoint(grpc.endpoint).status().Annotate("grpc.endpoint"));
  if (grpc.transport != "tcp")
    return InvalidArgument("grpc: transport \"" + grpc.transport + "\": only tcp is supported");
  const auto& ch = component_health;
  if (ch.recovery_duration <= config::Duration::zero())
    return InvalidArgument("component_health: recovery_duration must be positive");
  if (ch.queue_fill_threshold < 0 || ch.queue_fill_threshold > 1)
    return InvalidArgument("component_health: queue_fill_threshold must be within 0..1");
  return Status::Ok();
}

const Table<HealthCheckV2Config>& HealthCheckV2Table() {
  static const auto component_health =
      Table<ComponentHealth>()
          .Field("include_permanent_errors", &ComponentHealth::include_permanent_errors,
                 "a component in StatusPermanentError makes the collector unhealthy")
          .Field("include_recoverable_errors", &ComponentHealth::include_recoverable_errors,
                 "a StatusRecoverableError lasting longer than recovery_duration makes it "
                 "unhealthy")
          .Field("recovery_duration", &ComponentHealth::recovery_duration,
                 "how long a recoverable error may last before it counts")
          .Field("queue_fill_threshold", &ComponentHealth::queue_fill_threshold,
                 "otter: unhealthy while an exporter's sending queue is at least this full "
                 "(0..1; 0 = off)");
  static const auto http =
      Table<HttpSettings>()
          .Field("endpoint", &HttpSettings::endpoint, "host:port of the HTTP status service")
          .Section("tls", &HttpSettings::tls, net::TlsServerTable(), "serve HTTPS")
          .Section("status", &HttpSettings::status, PathTable(),
                   "the status endpoint (default /status)")
          .Section("config", &HttpSettings::config, PathTable(),
                   "the effective-config endpoint (not supported yet)");
  static const auto grpc =
      Table<GrpcSettings>()
          .Field("endpoint", &GrpcSettings::endpoint, "host:port of the gRPC health service")
          .Field("transport", &GrpcSettings::transport, "tcp");
  static const auto table =
      Table<HealthCheckV2Config>()
          .Field("use_v2", &HealthCheckV2Config::use_v2,
                 "serve component status (http/grpc) instead of the v1 health check")
          .Section("component_health", &HealthCheckV2Config::component_health, component_health,
                   "which component errors make the collector unhealthy")
          .Section("http", &HealthCheckV2Config::http, http, "the HTTP status service")
          .Section("grpc", &HealthCheckV2Config::grpc, grpc,
                   "the gRPC health service (grpc.health.v1.Health)")
          .Custom("endpoint", "string", "localhost:13133", "v1: host:port", Legacy("endpoint"))
          .Custom("path", "string", "/", "v1: URL path", Legacy("path"))
          .Custom("tls", "section", "", "v1: serve HTTPS", Legacy("tls"))
          .Custom("response_body", "section", "", "v1: custom bodies", Legacy("response_body"))
          .Custom("check_collector_pipeline", "section", "", "v1: deprecated, as in health_check",
                  Legacy("check_collector_pipeline"));
  return table;
}

}  // namespace otter::healthcheckv2
