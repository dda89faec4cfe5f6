// Typed configuration of the `otlp` receiver, with the otelcol key names and defaults
// (receiver/otlpreceiver + configgrpc + confighttp). One table per section (config.cc) drives
// parsing, unknown-key errors and docs. Keys otelcol has that otter does not act on yet are
// refused with "not supported yet" instead of being silently ignored.
// Plain data; copied into the receiver at creation.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "component/auth.h"
#include "component/registry.h"
#include "config/table.h"
#include "net/tls_config.h"
#include "otlp/item_limits.h"

namespace otter::otlp_receiver {

using config::Duration;

// keepalive.server_parameters (grpc-go keepalive.ServerParameters); unset = gRPC's default.
struct GrpcKeepaliveServerParameters {
  std::optional<Duration> max_connection_idle;
  std::optional<Duration> max_connection_age;
  std::optional<Duration> max_connection_age_grace;
  std::optional<Duration> time;
  std::optional<Duration> timeout;
};

// keepalive.enforcement_policy (grpc-go keepalive.EnforcementPolicy).
struct GrpcKeepaliveEnforcementPolicy {
  std::optional<Duration> min_time;
  bool permit_without_stream = false;
};

struct GrpcKeepalive {
  GrpcKeepaliveServerParameters server_parameters;
  GrpcKeepaliveEnforcementPolicy enforcement_policy;
};

struct GrpcProtocolConfig {
  std::string endpoint = "localhost:4317";
  std::string transport = "tcp";
  uint64_t max_recv_msg_size_mib = 4;   // grpc-go's default receive limit
  uint32_t max_concurrent_streams = 0;  // 0 = no limit
  GrpcKeepalive keepalive;
  std::optional<net::TlsServerSettings> tls;
  std::optional<auth::AuthSettings> auth;  // refused calls: UNAUTHENTICATED
  bool include_metadata = false;           // the call's metadata travels with its batch
};

struct CorsConfig {
  std::vector<std::string> allowed_origins;  // "*" or patterns with one '*' wildcard
  std::vector<std::string> allowed_headers;  // besides the CORS-safelisted ones; "*" = any
  int64_t max_age = 0;                       // seconds a preflight may be cached; 0 = not sent
};

struct HttpProtocolConfig {
  std::string endpoint = "localhost:4318";
  uint64_t max_request_body_size = 20 * 1024 * 1024;  // confighttp's default, after decompression
  std::string traces_url_path = "/v1/traces";
  std::string metrics_url_path = "/v1/metrics";
  std::string logs_url_path = "/v1/logs";
  std::optional<CorsConfig> cors;
  std::optional<net::TlsServerSettings> tls;
  std::map<std::string, std::string> response_headers;  // added to every response
  std::optional<auth::AuthSettings> auth;               // refused requests: 401
  bool include_metadata = false;                        // request headers travel with the batch
  // Content-Encodings accepted ("" = none); confighttp's default list.
  std::vector<std::string> compression_algorithms = {
      "", "gzip", "zstd", "zlib", "snappy", "deflate", "lz4", "x-snappy-framed"};
  Duration read_timeout = std::chrono::seconds(60);
  Duration read_header_timeout = std::chrono::seconds(60);
  Duration write_timeout = std::chrono::seconds(30);
  Duration idle_timeout = std::chrono::seconds(60);
};

struct OtlpProtocols {
  std::optional<GrpcProtocolConfig> grpc;  // present (even empty) = enabled
  std::optional<HttpProtocolConfig> http;
};

// otter's per-item limits (otlp/item_limits.h); 0 = no limit for that dimension.
struct ItemLimitsConfig {
  uint32_t max_attributes_per_item = otlp::ItemLimits{}.max_attributes;
  uint32_t max_array_length = otlp::ItemLimits{}.max_array_length;
  uint32_t max_string_length = otlp::ItemLimits{}.max_string_length;
  bool repair_invalid_utf8 = true;
  bool enabled() const {
    return max_attributes_per_item || max_array_length || max_string_length || repair_invalid_utf8;
  }
  otlp::ItemLimits ToItemLimits() const;
};

struct OtlpReceiverConfig : ComponentConfig {
  OtlpProtocols protocols;
  ItemLimitsConfig limits;
  Status Validate() const override;
};

const config::Table<OtlpReceiverConfig>& OtlpReceiverTable();

}  // namespace otter::otlp_receiver
