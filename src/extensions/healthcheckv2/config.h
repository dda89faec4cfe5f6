// Typed configuration of the `healthcheckv2` extension (otelcol-contrib's healthcheckv2): the v1
// keys of health_check (used while use_v2 is false), and with use_v2 the component-status
// services: HTTP /status (overall or ?pipeline=<name>, ?verbose) and the gRPC health protocol
// (grpc.health.v1.Health, service "" = overall, "<pipeline>" = one pipeline).
#pragma once

#include <optional>
#include <string>

#include "component/registry.h"
#include "config/table.h"
#include "extensions/health_check/config.h"
#include "net/tls_config.h"

namespace otter::healthcheckv2 {

struct ComponentHealth {
  bool include_permanent_errors = false;
  bool include_recoverable_errors = false;
  config::Duration recovery_duration = std::chrono::minutes(5);
  // otter's own: an exporter whose sending queue is at least this full (0..1) is unhealthy at
  // once; 0 = off.
  double queue_fill_threshold = 0;
};

struct PathConfig {
  bool enabled = true;
  std::string path;
};

struct HttpSettings {
  std::string endpoint = "localhost:13133";
  std::optional<net::TlsServerSettings> tls;
  PathConfig status{true, "/status"};
  PathConfig config{false, "/config"};
};

struct GrpcSettings {
  std::string endpoint = "localhost:13132";
  std::string transport = "tcp";
};

struct HealthCheckV2Config : ComponentConfig {
  health_check::HealthCheckConfig legacy;  // endpoint, path, tls, response_body, ...
  bool use_v2 = false;
  ComponentHealth component_health;
  HttpSettings http;  // with use_v2, both services run (as in otelcol, whose defaults set both)
  GrpcSettings grpc;
  Status Validate() const override;
};

const config::Table<HealthCheckV2Config>& HealthCheckV2Table();

}  // namespace otter::healthcheckv2
