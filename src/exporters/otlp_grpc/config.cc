#include "exporters/otlp_grpc/config.h"

#include <algorithm>
#include <cctype>

#include "net/endpoint.h"
#include "net/tls.h"

namespace otter::otlp_grpc_exporter {
namespace {

bool StartsWith(const std::string& s, std::string_view p) { return s.rfind(p, 0) == 0; }

}  // namespace

std::string GrpcExporterConfig::Target() const {
  if (StartsWith(endpoint, "https://")) return endpoint.substr(8);
  if (StartsWith(endpoint, "http://")) return endpoint.substr(7);
  return endpoint;
}

bool GrpcExporterConfig::UseTls() const {
  return StartsWith(endpoint, "https://") || !tls.insecure;
}

Status GrpcExporterConfig::Validate() const {
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
    return InvalidArgument("compression \"" + compression +
                           "\" is not supported; use \"gzip\" or \"none\" "
                           "(otter's gRPC client cannot send zstd or snappy)");
  if (!balancer_name.empty() && balancer_name != "pick_first" && balancer_name != "round_robin")
    return InvalidArgument("balancer_name: \"" + balancer_name +
                           "\" is not a load-balancing policy otter's gRPC client has; use "
                           "\"pick_first\" or \"round_robin\"");
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
  if (!tls.insecure) RETURN_IF_ERROR(net::CheckGrpcClientTls(tls));
  return exporterhelper::SenderSettings{sending_queue, retry_on_failure, timeout}.Validate();
}

const config::Table<GrpcKeepaliveClient>& GrpcKeepaliveTable() {
  static const auto table =
      config::Table<GrpcKeepaliveClient>()
          .Field("time", &GrpcKeepaliveClient::time, "send a ping after this long without activity")
          .Field("timeout", &GrpcKeepaliveClient::timeout,
                 "close the connection if the ping is not acknowledged within this time")
          .Field("permit_without_stream", &GrpcKeepaliveClient::permit_without_stream,
                 "send pings even when no call is in flight");
  return table;
}

const config::Table<OtlpGrpcConfig>& OtlpGrpcTable() {
  static const auto table = GrpcExporterTable<OtlpGrpcConfig>(
      "host:port of the OTLP/gRPC backend; an https:// prefix forces TLS");
  return table;
}

}  // namespace otter::otlp_grpc_exporter
