// ServiceConfig: the whole otelcol-layout config (receivers, processors, exporters, connectors,
// extensions, service.{extensions,pipelines,telemetry}) parsed and validated against the
// Registry. Every problem is collected in Diagnostics with file:line, so `otter validate` can
// print all of them at once. Built on the service thread.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "component/registry.h"
#include "config/node.h"
#include "net/tls_config.h"

namespace otter::pipeline {

struct ComponentSpec {
  ComponentId id;
  const Factory* factory = nullptr;
  std::shared_ptr<const ComponentConfig> config;
  const config::Node* node = nullptr;  // points into the config tree the spec was parsed from
};

struct PipelineSpec {
  std::string id;  // "traces" or "traces/name"
  Signal signal = Signal::kTraces;
  std::vector<ComponentId> receivers, processors, exporters;
  // Connectors listed under receivers (it receives from them) and under exporters.
  std::vector<ComponentId> from_connectors, to_connectors;
};

struct TelemetrySpec {
  std::string metrics_address = "localhost:8888";  // "" or level none → no endpoint
  std::string metrics_level = "normal";
  std::optional<net::TlsServerSettings> metrics_tls;  // otter's: serve the endpoint over HTTPS
  std::string logs_level = "info";
  std::string logs_encoding = "console";
};

// service.admin (otter's own): the loopback admin listener `otter tap` reads; "" = off.
struct AdminSpec {
  std::string endpoint;
};

struct ServiceConfig {
  std::map<ComponentId, ComponentSpec> receivers, processors, exporters, extensions, connectors;
  std::vector<PipelineSpec> pipelines;
  std::vector<ComponentId> enabled_extensions;
  TelemetrySpec telemetry;
  AdminSpec admin;
};

// Parses `root` (kept alive by the caller: specs point into it). Returns nullopt-equivalent
// (empty pipelines) with errors in `d` when invalid.
ServiceConfig ParseServiceConfig(const config::Node& root, const Registry& registry,
                                 config::Diagnostics& d);

// The built-in all-in-one default config (OTLP in, memory_limiter + batch, debug out).
const char* DefaultConfigYaml();

}  // namespace otter::pipeline
