// Typed config of the `prometheus` receiver: otelcol-contrib's keys, with `config` holding a
// Prometheus configuration in Prometheus's own YAML schema (global, scrape_configs with
// static_configs, file_sd_configs, relabeling, auth and TLS). Durations use Prometheus's syntax
// ("30s", "1m", "1d"). Parsed once at start-up; plain data afterwards.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "component/registry.h"
#include "config/table.h"
#include "net/tls_config.h"
#include "receivers/prometheus/relabel.h"

namespace otter {

struct PromStaticConfig {
  std::vector<std::string> targets;
  std::map<std::string, std::string> labels;
};

struct PromFileSdConfig {
  std::vector<std::string> files;  // globs on the last path element, as Prometheus allows
  config::Duration refresh_interval = std::chrono::minutes(5);
};

struct PromBasicAuth {
  std::string username, password, password_file;
};

struct PromAuthorization {
  std::string type = "Bearer";
  std::string credentials, credentials_file;
};

struct PromScrapeConfig {
  std::string job_name;
  config::Duration scrape_interval{0};  // 0 → global
  config::Duration scrape_timeout{0};   // 0 → global (at most the interval)
  std::string metrics_path = "/metrics";
  std::string scheme = "http";
  std::map<std::string, std::vector<std::string>> params;
  bool honor_labels = false;
  bool honor_timestamps = true;
  std::vector<PromStaticConfig> static_configs;
  std::vector<PromFileSdConfig> file_sd_configs;
  std::vector<promscrape::RelabelRule> relabel_configs;
  std::vector<promscrape::RelabelRule> metric_relabel_configs;
  std::optional<PromBasicAuth> basic_auth;
  std::optional<PromAuthorization> authorization;
  std::string bearer_token, bearer_token_file;
  net::TlsClientSettings tls_config;
  uint64_t sample_limit = 0;
  uint64_t target_limit = 0;
  uint64_t body_size_limit = 0;  // bytes; 0 = otter's default (64 MiB)
};

struct PrometheusReceiverConfig : ComponentConfig {
  config::Duration scrape_interval = std::chrono::minutes(1);  // config.global
  config::Duration scrape_timeout = std::chrono::seconds(10);
  std::map<std::string, std::string> external_labels;
  std::vector<PromScrapeConfig> scrape_configs;
  bool use_start_time_metric = false;

  Status Validate() const override;
};

const config::Table<PrometheusReceiverConfig>& PrometheusReceiverConfigTable();

// Prometheus's duration syntax: "1y2w3d4h5m6s7ms" (units in that order), or "0".
bool ParsePromDuration(std::string_view s, config::Duration* out);

}  // namespace otter
