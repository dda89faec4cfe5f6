// Typed configuration of the `otlp_grpc` exporter (alias `otlp`), with the otelcol key names and
// defaults (exporter/otlpexporter + configgrpc + exporterhelper). The table in config.cc drives
// parsing, unknown-key errors and docs; keys otelcol has that otter does not act on yet are
// refused with "not supported yet". Plain data; copied into the exporter at creation.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "component/auth.h"
#include "component/registry.h"
#include "config/table.h"
#include "exporters/exporterhelper/settings.h"
#include "net/tls_config.h"

namespace otter::otlp_grpc_exporter {

using config::Duration;

// keepalive (grpc-go keepalive.ClientParameters). Absent = no keepalive pings.
struct GrpcKeepaliveClient {
  Duration time = std::chrono::seconds(10);     // ping after this long without activity
  Duration timeout = std::chrono::seconds(10);  // wait this long for the ping's ack
  bool permit_without_stream = false;           // ping even with no call in flight
};

struct OtlpGrpcConfig : ComponentConfig {
  std::string endpoint;        // host:port; an "https://" prefix forces TLS, "http://" is stripped
  net::TlsClientSettings tls;  // TLS unless tls.insecure (as otelcol)
  std::map<std::string, std::string> headers;  // sent as gRPC metadata on every call
  std::optional<auth::AuthSettings> auth;      // client authenticator adding credentials
  std::string compression = "gzip";            // gzip or none
  std::optional<GrpcKeepaliveClient> keepalive;
  bool wait_for_ready = false;  // queue calls while the channel is not ready instead of failing
  std::string authority;        // :authority override
  Duration timeout = std::chrono::seconds(5);
  exporterhelper::QueueSettings sending_queue;
  exporterhelper::RetrySettings retry_on_failure;

  Status Validate() const override;

  // The gRPC target: endpoint without an http(s):// prefix.
  std::string Target() const;
  // True when the channel must use TLS.
  bool UseTls() const;
  exporterhelper::SenderSettings Sender() const {
    return {sending_queue, retry_on_failure, timeout};
  }
};

const config::Table<OtlpGrpcConfig>& OtlpGrpcTable();

}  // namespace otter::otlp_grpc_exporter
