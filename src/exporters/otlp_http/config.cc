#include "exporters/otlp_http/config.h"

#include "exporters/otlp_http/http_client.h"
#include "net/compression.h"

namespace otter::otlp_http_exporter {

std::string OtlpHttpConfig::SignalUrl(Signal s) const {
  const std::string& override_url = s == Signal::kTraces    ? traces_endpoint
                                    : s == Signal::kMetrics ? metrics_endpoint
                                                            : logs_endpoint;
  if (!override_url.empty()) return override_url;
  if (endpoint.empty()) return "";
  std::string path = "v1/" + std::string(SignalName(s));
  return endpoint.back() == '/' ? endpoint + path : endpoint + "/" + path;
}

Status OtlpHttpConfig::Validate() const {
  if (endpoint.empty() && traces_endpoint.empty() && metrics_endpoint.empty() &&
      logs_endpoint.empty())
    return InvalidArgument(
        "endpoint (or traces_endpoint / metrics_endpoint / logs_endpoint) is "
        "required, e.g. \"https://backend:4318\"");
  const std::pair<const char*, const std::string*> urls[] = {
      {"endpoint", &endpoint},
      {"traces_endpoint", &traces_endpoint},
      {"metrics_endpoint", &metrics_endpoint},
      {"logs_endpoint", &logs_endpoint}};
  for (const auto& [key, value] : urls) {
    if (value->empty()) continue;
    if (auto u = ParseUrl(*value); !u.ok()) return u.status().Annotate(key);
  }
  if (encoding != "proto" && encoding != "json")
    return InvalidArgument("encoding must be \"proto\" or \"json\", got \"" + encoding + "\"");
  if (compression != "none" && !compression.empty()) {
    auto e = net::ParseContentEncoding(compression);
    if (!e || *e == net::Encoding::kSnappyFramed || *e == net::Encoding::kIdentity)
      return InvalidArgument(
          "compression \"" + compression +
          "\" is not supported; use gzip, zstd, snappy, zlib, deflate, lz4 or none");
  }
  for (const auto& [k, v] : headers) {
    if (k.empty()) return InvalidArgument("headers: empty header name");
    for (char c : k) {
      if (c <= ' ' || c == ':' || c >= 127)
        return InvalidArgument("headers: \"" + k + "\" is not a valid header name");
    }
    for (char c : v) {
      if (c == '\r' || c == '\n')
        return InvalidArgument("headers: the value of \"" + k + "\" contains a line break");
    }
  }
  if (max_idle_conns < 0) return InvalidArgument("max_idle_conns must not be negative");
  RETURN_IF_ERROR(tls.Validate());
  return Sender().Validate();
}

const config::Table<OtlpHttpConfig>& OtlpHttpTable() {
  static const auto table =
      config::Table<OtlpHttpConfig>()
          .Field("endpoint", &OtlpHttpConfig::endpoint,
                 "base URL, e.g. https://backend:4318; /v1/traces etc. are appended")
          .Field("traces_endpoint", &OtlpHttpConfig::traces_endpoint, "full URL for traces")
          .Field("metrics_endpoint", &OtlpHttpConfig::metrics_endpoint, "full URL for metrics")
          .Field("logs_endpoint", &OtlpHttpConfig::logs_endpoint, "full URL for logs")
          .Field("encoding", &OtlpHttpConfig::encoding, "request body encoding: proto or json")
          .Field("compression", &OtlpHttpConfig::compression,
                 "Content-Encoding: gzip, zstd, snappy, zlib, deflate, lz4 or none")
          .Field("headers", &OtlpHttpConfig::headers, "headers sent with every request")
          .Field("timeout", &OtlpHttpConfig::timeout, "deadline of each request (0 = none)")
          .Section("tls", &OtlpHttpConfig::tls, net::TlsClientTable(), "TLS for https:// URLs")
          .Field("max_idle_conns", &OtlpHttpConfig::max_idle_conns,
                 "kept-alive idle connections in all (0 = no limit)")
          .Field("idle_conn_timeout", &OtlpHttpConfig::idle_conn_timeout,
                 "close idle connections after this long")
          .Field("disable_keep_alives", &OtlpHttpConfig::disable_keep_alives,
                 "one connection per request")
          .Section("sending_queue", &OtlpHttpConfig::sending_queue, exporterhelper::QueueTable(),
                   "bounded in-memory queue in front of the senders")
          .Section("retry_on_failure", &OtlpHttpConfig::retry_on_failure,
                   exporterhelper::RetryTable(), "retries of retryable failures with backoff")
          .NotSupportedYet("proxy_url", "HTTP proxy")
          .Section("auth", &OtlpHttpConfig::auth, auth::AuthSettingsTable(),
                   "extension that adds credentials (headers) to every request")
          .NotSupportedYet("cookies", "cookie jar")
          .NotSupportedYet("compression_params", "compression level")
          .NotSupportedYet("read_buffer_size", "socket read buffer size")
          .NotSupportedYet("write_buffer_size", "socket write buffer size")
          .NotSupportedYet("max_idle_conns_per_host", "per-host idle connection limit")
          .NotSupportedYet("max_conns_per_host", "per-host connection limit")
          .NotSupportedYet("http2_read_idle_timeout", "HTTP/2 health checks")
          .NotSupportedYet("http2_ping_timeout", "HTTP/2 health checks")
          .NotSupportedYet("force_attempt_http2", "HTTP/2")
          .NotSupportedYet("middlewares", "HTTP client middlewares")
          .NotSupportedYet("batch", "exporter-side batching");
  return table;
}

}  // namespace otter::otlp_http_exporter
