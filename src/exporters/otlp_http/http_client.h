// HttpClient: a small blocking HTTP/1.1 client for exporters (Boost.Beast underneath, kept out of
// this header): POST a body to (or GET) a URL over plain TCP or TLS (net/tls.h contexts; SNI and
// host-name checks per connection), with a keep-alive connection pool, a per-request deadline and
// cancellation from exporterhelper's shutdown. Redirects are not followed.
// Thread-safety: Post may be called concurrently; each call uses its own connection.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "exporters/exporterhelper/cancellation.h"
#include "net/tls_config.h"

namespace otter::otlp_http_exporter {

struct Url {
  bool https = false;
  std::string host;                // without IPv6 brackets
  uint16_t port = 0;               // explicit or the scheme's default
  std::string target;              // path and query; at least "/"
  std::string text;                // as configured, for messages
  std::string HostHeader() const;  // "host" or "host:port" (brackets for IPv6)
};
// Parses "http(s)://host[:port][/path][?query]". Errors name the URL and what is wrong.
StatusOr<Url> ParseUrl(std::string_view url);

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpClientOptions {
  net::TlsClientSettings tls;  // for https:// URLs
  bool enable_tls = false;     // build a TLS context (some URL is https)
  size_t max_idle_conns = 100;
  std::chrono::nanoseconds idle_conn_timeout = std::chrono::seconds(90);
  bool disable_keep_alives = false;
  size_t max_response_body = 4 * 1024 * 1024;
};

struct HttpClientResponse {
  int status = 0;
  std::string reason;
  Headers headers;
  std::string body;
  std::string_view Header(std::string_view name) const;  // case-insensitive; "" if absent
};

class HttpClient {
 public:
  // Reads the TLS files when enable_tls; errors are start-up errors naming the file.
  static StatusOr<std::unique_ptr<HttpClient>> Create(HttpClientOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // POSTs `body`. Any HTTP answer is a response (the caller judges the status); a failure to
  // get one is an error: Unavailable (resolve, connect, TLS, reset), DeadlineExceeded when
  // `timeout` (0 = none) passes, Cancelled when `cancel` fires. A kept-alive connection that
  // turns out to be closed by the server is replaced once, transparently.
  StatusOr<HttpClientResponse> Post(const Url& url, const Headers& headers, std::string_view body,
                                    std::chrono::nanoseconds timeout,
                                    exporterhelper::Cancellation* cancel);

  // GETs `url`; answers and errors as for Post.
  StatusOr<HttpClientResponse> Get(const Url& url, const Headers& headers,
                                   std::chrono::nanoseconds timeout,
                                   exporterhelper::Cancellation* cancel);

  // Connections opened so far (tests check keep-alive with it).
  uint64_t connections_opened() const { return opened_.load(); }

 private:
  struct Impl;
  explicit HttpClient(std::unique_ptr<Impl> impl);
  StatusOr<HttpClientResponse> Send(bool post, const Url& url, const Headers& headers,
                                    std::string_view body, std::chrono::nanoseconds timeout,
                                    exporterhelper::Cancellation* cancel);
  std::unique_ptr<Impl> impl_;
  std::atomic<uint64_t> opened_{0};
};

// A client for one endpoint URL (TLS on for https://), as the push exporters (loki,
// prometheusremotewrite) use it. Errors name the URL or the TLS file.
struct EndpointClient {
  Url url;
  std::unique_ptr<HttpClient> client;
};
StatusOr<EndpointClient> ClientFor(std::string_view endpoint, const net::TlsClientSettings& tls);

}  // namespace otter::otlp_http_exporter
