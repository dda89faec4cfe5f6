// Typed config of the `store` exporter: where the embedded store keeps its files, how it
// commits, and the query API it serves (Jaeger, Prometheus and Loki HTTP APIs on one port).
// Parsed once at start-up; read-only afterwards.
#pragma once

#include <cstdint>
#include <string>

#include "component/auth.h"
#include "component/registry.h"
#include "config/table.h"
#include "net/tls_config.h"
#include "rules/ruler_config.h"
#include "store/loki_mapping.h"

namespace otter {

struct StoreQueryConfig {
  std::string endpoint = "localhost:16686";  // "" disables the query API
  config::Duration timeout = std::chrono::minutes(2);
  int64_t max_samples = 50'000'000;
  int64_t max_log_entries = 5'000'000;
  int64_t max_traces = 1'000'000;
  int32_t threads = 2;                        // query workers
  int32_t scan_threads = 1;                   // workers for LogQL, trace search and dependencies
  int32_t max_concurrent_tail_requests = 10;  // open Loki live tails
  std::optional<auth::AuthSettings> auth;     // every query route: 401 without credentials
  std::optional<net::TlsServerSettings> tls;  // set → HTTPS only
};

struct StoreExporterConfig : ComponentConfig {
  std::string directory = "./otter-data";
  bool sync = true;
  int64_t max_pending_mib = 64;
  int64_t head_max_mib = 64;
  int64_t checkpoint_mib = 32;
  config::Duration block_duration = std::chrono::hours(2);
  config::Duration retention = std::chrono::hours(24 * 7);
  int64_t max_disk_mib = 0;
  int64_t compaction_max_mib = 128;
  // Active metric series (docs/storage.md, "Series limit"); 0 = no limit.
  int64_t max_series = 1'000'000;
  // Delta sums and histograms become cumulative series (docs/storage.md, "Delta metrics").
  config::Duration delta_max_stale = std::chrono::minutes(5);
  int64_t delta_max_streams = 1'000'000;
  StoreQueryConfig query;
  // How OTLP logs become Loki streams (Loki's limits_config.otlp_config).
  store::LokiOtlpConfig otlp_config;
  // Alerting and recording rules evaluated over the store (docs/rules.md).
  rules::RulerConfig rules;

  Status Validate() const override;
};

const config::Table<StoreExporterConfig>& StoreExporterConfigTable();

}  // namespace otter
