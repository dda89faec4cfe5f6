#include "exporters/otlp_grpc/config.h"

#include <algorithm>
#include <cctype>

#include "net/endpoint.h"

namespace otter::otlp_grpc_exporter {
namespace {

bool StartsWith(const std::string& s, std::string_view p) { return s.rfind(p, 0) == 0; }

const config::Table<GrpcKeepaliveClient>& KeepaliveTable() {
  static const auto table =
      config::Table<GrpcKeepaliveClient>()
          .Field("time", &GrpcKeepaliveClient::time, "send a ping after this long without activity")
          .Field("timeout", &GrpcKeepaliveClient::timeout,
                 "close the connection if the ping is not acknowledged within this time")
          .Field("permit_without_stream", &GrpcKeepaliveClient::permit_without_stream,
                 "send pings even when no call is in flight");
  return table;
}

}  // namespace

std::string OtlpGrpcConfig::Target() const {
  if (StartsWith(endpoint, "https://")) return endpoint.substr(8);
  if (StartsWith(endpoint, "http://")) return endpoint.substr(7);
  return endpoint;
}

bool OtlpGrpcConfig::UseTls() const { return StartsWith(endpoint, "https://") || !tls.insecure; }

Status OtlpGrpcConfig::Validate() const {
  if (endpoint.empty())
    return InvalidArgument("endpoint is required (host:port, e.g. \"backend:4317\")");
  std::string target = Target();
  if (target.find("://") != std::string::npos)
    return InvalidArgument("endpoint \"" + endpoint +
                           "\": only http:// and https:// prefixes are accepted; use host:port");
  if (auto hp = net::ParseEndpoint(target); !hp.ok() || hp->host.empty() || hp->port == 0)
    return InvalidArgument("endpoint \"" + endpoint +
                           "\" must be host:port, e.g. \"backend:4317\"");
  if (compression != "gzip" && compression != "none" && !compression.empty())
    return InvalidArgument(
        "compression \"" + compression +
        "\" is not supported by the otlp_grpc exporter; use \"gzip\" or \"none\" "
        "(otter's gRPC client cannot send zstd or snappy)");
  for (const auto& [k, v] : headers) {
    if (k.empty()) return InvalidArgument("headers: empty header name");
    for (char c : k) {
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'))
        return InvalidArgument("headers: \"" + k +
                               "\" is not a valid gRPC metadata key (letters, digits, - _ .)");
    }
    if (StartsWith(k, "grpc-"))
      return InvalidArgument("headers: \"" + k + "\" is reserved by gRPC");
    if (k.size() > 4 && k.compare(k.size() - 4, 4, "-bin") == 0)
      return InvalidArgument("headers: binary metadata (\"" + k + "\") is not supported");
  }
  if (keepalive && (keepalive->time <= Duration::zero() || keepalive->timeout <= Duration::zero()))
    return InvalidArgument("keepalive.time and keepalive.timeout must be positive");
  RETURN_IF_ERROR(tls.Validate());
  return exporterhelper::SenderSettings{sending_queue, retry_on_failure, timeout}.Validate();
}

const config::Table<OtlpGrpcConfig>& OtlpGrpcTable() {
  static const auto table =
      config::Table<OtlpGrpcConfig>()
          .Field("endpoint", &OtlpGrpcConfig::endpoint,
                 "host:port of the OTLP/gRPC backend; an https:// prefix forces TLS")
          .Section("tls", &OtlpGrpcConfig::tls, net::TlsClientTable(),
                   "TLS; on by default, set insecure: true for plaintext")
          .Field("headers", &OtlpGrpcConfig::headers, "metadata sent with every call")
          .Field("compression", &OtlpGrpcConfig::compression, "gzip or none")
          .Section("keepalive", &OtlpGrpcConfig::keepalive, KeepaliveTable(),
                   "HTTP/2 keepalive pings (off unless this section is present)")
          .Field("wait_for_ready", &OtlpGrpcConfig::wait_for_ready,
                 "wait for the connection instead of failing a call at once while it is down")
          .Field("authority", &OtlpGrpcConfig::authority, "value of the :authority pseudo-header")
          .Field("timeout", &OtlpGrpcConfig::timeout, "deadline of each export call (0 = none)")
          .Section("sending_queue", &OtlpGrpcConfig::sending_queue, exporterhelper::QueueTable(),
                   "bounded in-memory queue in front of the senders")
          .Section("retry_on_failure", &OtlpGrpcConfig::retry_on_failure,
                   exporterhelper::RetryTable(), "retries of retryable failures with backoff")
          .NotSupportedYet("balancer_name", "gRPC load-balancing policy")
          .Section("auth", &OtlpGrpcConfig::auth, auth::AuthSettingsTable(),
                   "extension that adds credentials (metadata) to every call")
          .NotSupportedYet("read_buffer_size", "socket read buffer size")
          .NotSupportedYet("write_buffer_size", "socket write buffer size")
          .NotSupportedYet("middlewares", "gRPC client middlewares")
          .NotSupportedYet("batch", "exporter-side batching");
  return table;
}

}  // namespace otter::otlp_grpc_exporter
