// Typed config of the `prometheusremotewrite` receiver (otelcol-contrib's keys: an HTTP server
// with `endpoint`, `tls`, `max_request_body_size`). Parsed once at start-up.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "component/auth.h"
#include "component/registry.h"
#include "config/table.h"
#include "net/tls_config.h"

namespace otter {

struct PrometheusRemoteWriteReceiverConfig : ComponentConfig {
  std::string endpoint = "localhost:9090";  // serves POST /api/v1/write
  std::optional<net::TlsServerSettings> tls;
  std::optional<auth::AuthSettings> auth;             // refused requests: 401, nothing stored
  uint64_t max_request_body_size = 20 * 1024 * 1024;  // compressed bytes on the wire
  uint32_t max_families = 100000;  // metric families whose metadata is remembered
  bool include_metadata = false;   // request headers travel with the batch

  Status Validate() const override;
};

const config::Table<PrometheusRemoteWriteReceiverConfig>&
PrometheusRemoteWriteReceiverConfigTable();

}  // namespace otter
