#include "receivers/otlp/config.h"

#include <set>

#include "net/compression.h"
#include "net/endpoint.h"
#include "net/tls.h"

namespace otter::otlp_receiver {
namespace {

// A URL path key: a missing leading '/' is added, as the Go receiver's SanitizedURLPath does.
template <class Cfg>
config::Table<Cfg>&& UrlPath(config::Table<Cfg>&& t, const char* key, std::string Cfg::*member,
                             const char* default_value, const char* signal) {
  return std::move(t).Custom(
      key, "string", default_value, std::string("URL path that accepts ") + signal,
      [member](const config::Node& n, Cfg& c, config::Diagnostics& d) {
        std::string v;
        if (!config::ParseValue(n, v, d)) return;
        if (v.empty() || v.front() != '/') v = "/" + v;
        if (v.find_first_of("?# ") != std::string::npos) {
          d.Error(n, "URL path \"" + v + "\" must not contain '?', '#' or spaces");
          return;
        }
        c.*member = v;
      });
}

Status ValidateTls(const std::optional<net::TlsServerSettings>& tls, std::string_view where) {
  if (!tls) return Status::Ok();
  return tls->Validate().Annotate(std::string(where));
}

Status ValidateGrpc(const GrpcProtocolConfig& g) {
  RETURN_IF_ERROR(net::ParseEndpoint(g.endpoint).status().Annotate("protocols.grpc"));
  if (g.max_recv_msg_size_mib > 2047)
    return InvalidArgument(
        "protocols.grpc.max_recv_msg_size_mib: " + std::to_string(g.max_recv_msg_size_mib) +
        " is more than gRPC allows (2047)");
  RETURN_IF_ERROR(ValidateTls(g.tls, "protocols.grpc"));
  if (g.tls) RETURN_IF_ERROR(net::CheckGrpcServerTls(*g.tls).Annotate("protocols.grpc"));
  return Status::Ok();
}

Status ValidateHttp(const HttpProtocolConfig& h) {
  RETURN_IF_ERROR(net::ParseEndpoint(h.endpoint).status().Annotate("protocols.http"));
  RETURN_IF_ERROR(ValidateTls(h.tls, "protocols.http"));
  if (h.traces_url_path == h.metrics_url_path || h.traces_url_path == h.logs_url_path ||
      h.metrics_url_path == h.logs_url_path)
    return InvalidArgument(
        "protocols.http: traces_url_path, metrics_url_path and logs_url_path must differ");
  for (const auto& a : h.compression_algorithms)
    if (!net::ParseContentEncoding(a))
      return InvalidArgument(
          "protocols.http.compression_algorithms: unknown algorithm \"" + a +
          "\" (known: gzip, zstd, zlib, deflate, snappy, x-snappy-framed, lz4, \"\")");
  if (h.cors) {
    for (const auto& o : h.cors->allowed_origins)
      if (std::count(o.begin(), o.end(), '*') > 1)
        return InvalidArgument("protocols.http.cors.allowed_origins: \"" + o +
                               "\" has more than one '*'");
    if (h.cors->max_age < 0)
      return InvalidArgument("protocols.http.cors.max_age must not be negative");
  }
  return Status::Ok();
}

}  // namespace

otlp::ItemLimits ItemLimitsConfig::ToItemLimits() const {
  auto or_max = [](uint32_t v) { return v == 0 ? UINT32_MAX : v; };
  otlp::ItemLimits l;
  l.max_attributes = or_max(max_attributes_per_item);
  l.max_array_length = or_max(max_array_length);
  l.max_string_length = or_max(max_string_length);
  l.repair_utf8 = repair_invalid_utf8;
  return l;
}

Status OtlpReceiverConfig::Validate() const {
  if (!protocols.grpc && !protocols.http)
    return InvalidArgument(
        "must specify at least one protocol (protocols.grpc or protocols.http) when using the OTLP "
        "receiver");
  if (protocols.grpc) RETURN_IF_ERROR(ValidateGrpc(*protocols.grpc));
  if (protocols.http) RETURN_IF_ERROR(ValidateHttp(*protocols.http));
  return Status::Ok();
}

const config::Table<OtlpReceiverConfig>& OtlpReceiverTable() {
  using config::Table;
  static const auto server_parameters =
      Table<GrpcKeepaliveServerParameters>()
          .Field("max_connection_idle", &GrpcKeepaliveServerParameters::max_connection_idle,
                 "close a connection idle (no RPCs) for this long")
          .Field("max_connection_age", &GrpcKeepaliveServerParameters::max_connection_age,
                 "close a connection after this long (clients reconnect, e.g. to rebalance)")
          .Field("max_connection_age_grace",
                 &GrpcKeepaliveServerParameters::max_connection_age_grace,
                 "time granted to in-flight RPCs after max_connection_age")
          .Field("time", &GrpcKeepaliveServerParameters::time,
                 "ping an idle client after this long")
          .Field("timeout", &GrpcKeepaliveServerParameters::timeout,
                 "close the connection when a ping is not answered within this");
  static const auto enforcement_policy =
      Table<GrpcKeepaliveEnforcementPolicy>()
          .Field("min_time", &GrpcKeepaliveEnforcementPolicy::min_time,
                 "minimum interval between client pings; faster clients are disconnected")
          .Field("permit_without_stream", &GrpcKeepaliveEnforcementPolicy::permit_without_stream,
                 "allow client pings when no RPC is active");
  static const auto keepalive =
      Table<GrpcKeepalive>()
          .Section("server_parameters", &GrpcKeepalive::server_parameters, server_parameters,
                   "server-side keepalive")
          .Section("enforcement_policy", &GrpcKeepalive::enforcement_policy, enforcement_policy,
                   "limits on client keepalive pings");
  static const auto grpc =
      Table<GrpcProtocolConfig>()
          .Field("endpoint", &GrpcProtocolConfig::endpoint,
                 "host:port to listen on (localhost = 127.0.0.1)")
          .Custom("transport", "string", "tcp", "network: tcp (tcp4, tcp6 accepted)",
                  [](const config::Node& n, GrpcProtocolConfig& c, config::Diagnostics& d) {
                    std::string v;
                    if (!config::ParseValue(n, v, d)) return;
                    if (v != "tcp" && v != "tcp4" && v != "tcp6") {
                      d.Error(n,
                              "transport \"" + v + "\" is not supported yet by otter (only tcp)");
                      return;
                    }
                    c.transport = v;
                  })
          .Field("max_recv_msg_size_mib", &GrpcProtocolConfig::max_recv_msg_size_mib,
                 "largest request accepted (MiB, after decompression); larger → RESOURCE_EXHAUSTED")
          .Field("max_concurrent_streams", &GrpcProtocolConfig::max_concurrent_streams,
                 "concurrent RPCs per connection (0 = unlimited)")
          .Section("keepalive", &GrpcProtocolConfig::keepalive, keepalive, "gRPC keepalive")
          .Section("tls", &GrpcProtocolConfig::tls, net::TlsServerTable(),
                   "serve TLS (and mTLS with client_ca_file)")
          .NotSupportedYet("read_buffer_size", "gRPC read buffer size")
          .NotSupportedYet("write_buffer_size", "gRPC write buffer size")
          .Section("auth", &GrpcProtocolConfig::auth, auth::AuthSettingsTable(),
                   "authenticate every call with this extension (16 UNAUTHENTICATED otherwise)")
          .Field("include_metadata", &GrpcProtocolConfig::include_metadata,
                 "keep each call's metadata (lower-cased keys) with its data, for the batch "
                 "processor's metadata_keys, from_context (headers_setter, attributes) and the "
                 "kafka exporter's include_metadata_keys");
  static const auto cors =
      Table<CorsConfig>()
          .Field("allowed_origins", &CorsConfig::allowed_origins,
                 "origins allowed to send cross-origin requests (\"*\" or one '*' wildcard each); "
                 "empty = CORS off")
          .Field("allowed_headers", &CorsConfig::allowed_headers,
                 "request headers allowed besides Accept, Content-Type, X-Requested-With (\"*\" = "
                 "any)")
          .Field("max_age", &CorsConfig::max_age,
                 "seconds browsers may cache a preflight answer (0 = not sent)");
  static const auto http =
      UrlPath(
          UrlPath(
              UrlPath(
                  Table<HttpProtocolConfig>()
                      .Field("endpoint", &HttpProtocolConfig::endpoint,
                             "host:port to listen on (localhost = 127.0.0.1)")
                      .Field("max_request_body_size", &HttpProtocolConfig::max_request_body_size,
                             "largest request body in bytes, checked on the wire and after "
                             "decompression (→ 413)"),
                  "traces_url_path", &HttpProtocolConfig::traces_url_path, "/v1/traces", "traces"),
              "metrics_url_path", &HttpProtocolConfig::metrics_url_path, "/v1/metrics", "metrics"),
          "logs_url_path", &HttpProtocolConfig::logs_url_path, "/v1/logs", "logs")
          .Section("cors", &HttpProtocolConfig::cors, cors,
                   "cross-origin resource sharing for browser clients")
          .Section("tls", &HttpProtocolConfig::tls, net::TlsServerTable(),
                   "serve HTTPS (and mTLS with client_ca_file)")
          .Field("response_headers", &HttpProtocolConfig::response_headers,
                 "headers added to every response")
          .Field("compression_algorithms", &HttpProtocolConfig::compression_algorithms,
                 "Content-Encodings accepted (\"\" = uncompressed)")
          .Field("read_timeout", &HttpProtocolConfig::read_timeout,
                 "time allowed to read one request")
          .Field("read_header_timeout", &HttpProtocolConfig::read_header_timeout,
                 "time allowed to read a request's headers")
          .Field("write_timeout", &HttpProtocolConfig::write_timeout,
                 "time allowed to write a response")
          .Field("idle_timeout", &HttpProtocolConfig::idle_timeout,
                 "keep-alive: close a connection idle this long")
          .Section("auth", &HttpProtocolConfig::auth, auth::AuthSettingsTable(),
                   "authenticate every request with this extension (401 otherwise)")
          .Field("include_metadata", &HttpProtocolConfig::include_metadata,
                 "keep each request's headers (lower-cased names) with its data, for the batch "
                 "processor's metadata_keys, from_context (headers_setter, attributes) and the "
                 "kafka exporter's include_metadata_keys")
          .NotSupportedYet("keepalives_enabled", "switching HTTP keep-alive off");
  static const auto protocols =
      Table<OtlpProtocols>()
          .Section("grpc", &OtlpProtocols::grpc, grpc,
                   "OTLP/gRPC on endpoint (default localhost:4317)")
          .Section("http", &OtlpProtocols::http, http,
                   "OTLP/HTTP, protobuf and JSON (default localhost:4318)");
  static const auto limits =
      Table<ItemLimitsConfig>()
          .Field("max_attributes_per_item", &ItemLimitsConfig::max_attributes_per_item,
                 "attributes kept per span, event, link, log record, data point, resource and "
                 "scope; the rest are dropped and counted (0 = no limit)")
          .Field("max_array_length", &ItemLimitsConfig::max_array_length,
                 "elements kept in one array or kvlist value (0 = no limit)")
          .Field("max_string_length", &ItemLimitsConfig::max_string_length,
                 "bytes kept of one string (cut at a UTF-8 boundary; 0 = no limit)")
          .Field("repair_invalid_utf8", &ItemLimitsConfig::repair_invalid_utf8,
                 "replace bytes that are not valid UTF-8 with U+FFFD");
  static const auto table =
      Table<OtlpReceiverConfig>()
          .Section("protocols", &OtlpReceiverConfig::protocols, protocols,
                   "which protocols to serve")
          .Section("limits", &OtlpReceiverConfig::limits, limits,
                   "otter's per-item limits for untrusted senders (docs/security.md)");
  return table;
}

}  // namespace otter::otlp_receiver
