// Typed configuration of the `otlp_grpc` exporter (alias `otlp`), with the otelcol key names and
// defaults (exporter/otlpexporter + configgrpc + exporterhelper). GrpcExporterConfig holds the
// settings every gRPC exporter shares (the `jaeger` exporter reuses it and its table); the table
// drives parsing, unknown-key errors and docs; keys otelcol has that otter does not act on yet
// are refused with "not supported yet". Plain data; copied into the exporter at creation.
#pragma once

#include <map>
#include <optional>
#include <string>

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

// configgrpc.ClientConfig + exporterhelper's queue, retry and timeout.
struct GrpcExporterConfig : ComponentConfig {
  std::string endpoint;        // host:port; an "https://" prefix forces TLS, "http://" is stripped
  net::TlsClientSettings tls;  // TLS unless tls.insecure (as otelcol)
  std::map<std::string, std::string> headers;  // sent as gRPC metadata on every call
  std::string compression;                     // gzip or none ("" = none, configgrpc's default)
  std::optional<GrpcKeepaliveClient> keepalive;
  bool wait_for_ready = false;  // queue calls while the channel is not ready instead of failing
  std::string authority;        // :authority override
  std::string balancer_name;    // "pick_first" or "round_robin"; "" = gRPC's default (pick_first)
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

struct OtlpGrpcConfig : GrpcExporterConfig {
  OtlpGrpcConfig() { compression = "gzip"; }  // otlpexporter's default
};

const config::Table<GrpcKeepaliveClient>& GrpcKeepaliveTable();

// A member of GrpcExporterConfig as a member of the derived Cfg a table is typed on.
template <class Cfg, class T>
constexpr T Cfg::*AsMemberOf(T GrpcExporterConfig::*member) {
  return member;
}

// The keys of GrpcExporterConfig, for any exporter config built on it.
template <class Cfg>
config::Table<Cfg> GrpcExporterTable(const std::string& endpoint_description) {
  using B = GrpcExporterConfig;
  return config::Table<Cfg>()
      .Field("endpoint", AsMemberOf<Cfg>(&B::endpoint), endpoint_description)
      .Section("tls", AsMemberOf<Cfg>(&B::tls), net::TlsClientTable(),
               "TLS; on by default, set insecure: true for plaintext")
      .Field("headers", AsMemberOf<Cfg>(&B::headers), "metadata sent with every call")
      .Field("compression", AsMemberOf<Cfg>(&B::compression), "gzip or none")
      .Section("keepalive", AsMemberOf<Cfg>(&B::keepalive), GrpcKeepaliveTable(),
               "HTTP/2 keepalive pings (off unless this section is present)")
      .Field("wait_for_ready", AsMemberOf<Cfg>(&B::wait_for_ready),
             "wait for the connection instead of failing a call at once while it is down")
      .Field("authority", AsMemberOf<Cfg>(&B::authority), "value of the :authority pseudo-header")
      .Field("balancer_name", AsMemberOf<Cfg>(&B::balancer_name),
             "load-balancing policy over the endpoint's addresses: pick_first or round_robin")
      .Field("timeout", AsMemberOf<Cfg>(&B::timeout), "deadline of each export call (0 = none)")
      .Section("sending_queue", AsMemberOf<Cfg>(&B::sending_queue), exporterhelper::QueueTable(),
               "bounded in-memory queue in front of the senders")
      .Section("retry_on_failure", AsMemberOf<Cfg>(&B::retry_on_failure),
               exporterhelper::RetryTable(), "retries of retryable failures with backoff")
      .NotSupportedYet("auth", "authenticator extension")
      .NotSupportedYet("read_buffer_size", "socket read buffer size")
      .NotSupportedYet("write_buffer_size", "socket write buffer size")
      .NotSupportedYet("middlewares", "gRPC client middlewares")
      .NotSupportedYet("batch", "exporter-side batching");
}

const config::Table<OtlpGrpcConfig>& OtlpGrpcTable();

}  // namespace otter::otlp_grpc_exporter
