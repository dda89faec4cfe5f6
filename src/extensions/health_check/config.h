// Typed configuration of the `health_check` extension (contrib healthcheckextension's keys and
// defaults). Plain data.
#pragma once

#include <optional>
#include <string>

#include "component/registry.h"
#include "config/table.h"
#include "net/tls_config.h"

namespace otter::health_check {

struct CheckCollectorPipeline {
  bool enabled = false;
  config::Duration interval = std::chrono::minutes(5);
  int64_t exporter_failure_threshold = 5;
};

struct ResponseBody {
  std::string healthy;    // replaces the JSON body when healthy
  std::string unhealthy;  // replaces it when not
};

struct HealthCheckConfig : ComponentConfig {
  std::string endpoint = "localhost:13133";
  std::string path = "/";  // a path ending in '/' also answers everything below it (Go ServeMux)
  std::optional<net::TlsServerSettings> tls;
  std::optional<ResponseBody> response_body;
  CheckCollectorPipeline check_collector_pipeline;
  Status Validate() const override;
};

const config::Table<HealthCheckConfig>& HealthCheckTable();

}  // namespace otter::health_check
