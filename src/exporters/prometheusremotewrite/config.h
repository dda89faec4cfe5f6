// Typed config of the `prometheusremotewrite` exporter with otelcol-contrib's keys and defaults:
// the Remote Write URL and HTTP client settings, naming (namespace, suffixes, external labels,
// target_info), request size, and its own `remote_write_queue` in place of `sending_queue`.
// Parsed once at start-up.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>

#include "component/auth.h"
#include "component/registry.h"
#include "config/table.h"
#include "exporters/exporterhelper/settings.h"
#include "net/tls_config.h"

namespace otter {

struct PrometheusRemoteWriteConfig : ComponentConfig {
  std::string endpoint;  // required: http(s)://host:port/api/v1/push (or /api/v1/write, ...)
  std::map<std::string, std::string> headers;
  std::optional<auth::AuthSettings> auth;  // client authenticator adding credentials
  config::Duration timeout = std::chrono::seconds(5);
  net::TlsClientSettings tls;
  std::string name_space;  // key `namespace`
  std::map<std::string, std::string> external_labels;
  bool add_metric_suffixes = true;
  bool send_metadata = false;
  int64_t max_batch_size_bytes = 3'000'000;
  struct Enabled {
    bool enabled = false;
  };
  Enabled resource_to_telemetry_conversion;
  Enabled target_info{true};
  struct RemoteWriteQueue {
    bool enabled = true;
    int64_t queue_size = 10000;
    int64_t num_consumers = 5;
  } remote_write_queue;
  exporterhelper::RetrySettings retry_on_failure = {
      .enabled = true,
      .initial_interval = std::chrono::milliseconds(50),
      .randomization_factor = 0.5,
      .multiplier = 1.5,
      .max_interval = std::chrono::milliseconds(200),
      .max_elapsed_time = std::chrono::minutes(1)};

  exporterhelper::SenderSettings Sender() const;
  Status Validate() const override;
};

const config::Table<PrometheusRemoteWriteConfig>& PrometheusRemoteWriteConfigTable();

}  // namespace otter
