// Typed config of the `loki` receiver (otelcol-contrib's keys): `protocols.http` (the push API)
// and `use_incoming_timestamp`. Parsed once at start-up.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "component/auth.h"
#include "component/registry.h"
#include "config/table.h"
#include "net/tls_config.h"

namespace otter {

struct LokiReceiverConfig : ComponentConfig {
  struct Http {
    std::string endpoint = "localhost:3500";
    std::optional<net::TlsServerSettings> tls;
    uint64_t max_request_body_size = 20 * 1024 * 1024;
    std::optional<auth::AuthSettings> auth;  // refused pushes: 401, nothing stored
    bool include_metadata = false;           // request headers travel with the batch
  };
  struct Protocols {
    std::optional<Http> http;
  } protocols;
  bool use_incoming_timestamp = false;  // false: records are stamped with the arrival time

  Status Validate() const override;
};

const config::Table<LokiReceiverConfig>& LokiReceiverConfigTable();

}  // namespace otter
