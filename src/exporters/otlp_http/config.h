// Typed configuration of the `otlp_http` exporter (alias `otlphttp`), with the otelcol key names
// and defaults (exporter/otlphttpexporter + confighttp + exporterhelper). The table in config.cc
// drives parsing, unknown-key errors and docs; keys otelcol has that otter does not act on yet
// are refused with "not supported yet". Plain data; copied into the exporter at creation.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "component/auth.h"
#include "component/component.h"
#include "component/registry.h"
#include "config/table.h"
#include "exporters/exporterhelper/settings.h"
#include "net/tls_config.h"

namespace otter::otlp_http_exporter {

using config::Duration;

struct OtlpHttpConfig : ComponentConfig {
  std::string endpoint;         // base URL; /v1/traces, /v1/metrics, /v1/logs are appended
  std::string traces_endpoint;  // full URL, overrides endpoint for traces
  std::string metrics_endpoint;
  std::string logs_endpoint;
  std::string encoding = "proto";    // proto or json
  std::string compression = "gzip";  // gzip, zstd, snappy, zlib, deflate, lz4 or none
  std::map<std::string, std::string> headers;
  std::optional<auth::AuthSettings> auth;       // client authenticator adding credentials
  Duration timeout = std::chrono::seconds(30);  // per request (otlphttp's default)
  net::TlsClientSettings tls;                   // used for https:// URLs
  int64_t max_idle_conns = 100;                 // kept-alive connections in all (0 = no limit)
  Duration idle_conn_timeout = std::chrono::seconds(90);
  bool disable_keep_alives = false;
  exporterhelper::QueueSettings sending_queue;
  exporterhelper::RetrySettings retry_on_failure;

  Status Validate() const override;

  // The URL a signal is sent to: its *_endpoint, else endpoint + "/v1/<signal>"; "" if neither
  // is configured.
  std::string SignalUrl(Signal s) const;
  exporterhelper::SenderSettings Sender() const {
    return {sending_queue, retry_on_failure, timeout};
  }
};

const config::Table<OtlpHttpConfig>& OtlpHttpTable();

}  // namespace otter::otlp_http_exporter
