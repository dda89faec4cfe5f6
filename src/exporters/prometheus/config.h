// Typed config of the `prometheus` exporter (otelcol-contrib's pull exporter): where /metrics is
// served, naming and label options, expiry. Parsed once at start-up.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "component/registry.h"
#include "config/table.h"
#include "net/tls_config.h"

namespace otter {

struct PrometheusExporterConfig : ComponentConfig {
  std::string endpoint;  // required; /metrics is served there
  std::optional<net::TlsServerSettings> tls;
  std::map<std::string, std::string> const_labels;
  std::string name_space;  // key `namespace`: prefix of every metric name
  bool send_timestamps = false;
  config::Duration metric_expiration = std::chrono::minutes(5);
  bool enable_open_metrics = false;
  bool without_scope_info = false;
  bool add_metric_suffixes = true;   // deprecated spelling of translation_strategy
  std::string translation_strategy;  // "" = from add_metric_suffixes
  struct ResourceToTelemetry {
    bool enabled = false;
    bool exclude_service_attributes = false;
  } resource_to_telemetry_conversion;
  struct ResourceConstantLabels {
    std::vector<std::string> included;  // wildcard patterns over resource attribute keys
    std::vector<std::string> excluded;
  };
  std::optional<ResourceConstantLabels> resource_constant_labels;

  // Whether unit and type suffixes are added (translation_strategy, else add_metric_suffixes).
  bool WithSuffixes() const;
  Status Validate() const override;
};

const config::Table<PrometheusExporterConfig>& PrometheusExporterConfigTable();

}  // namespace otter
