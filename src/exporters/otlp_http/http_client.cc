#include "exporters/otlp_http/http_client.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cerrno>
#include <charconv>
#include <map>
#include <mutex>
#include <optional>

#include "net/tls.h"

namespace otter::otlp_http_exporter {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using SteadyTime = std::chrono::steady_clock::time_point;

namespace {

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

// One kept-alive connection with its own single-threaded io_context, run by the calling thread
// while a request is in progress. `ioc` is declared first so it outlives the streams.
struct Connection {
  explicit Connection(std::string k) : key(std::move(k)) {}
  asio::io_context ioc{1};
  std::string key;  // "https://host:port"
  std::optional<tcp::resolver> resolver;
  std::optional<beast::tcp_stream> plain;
  std::shared_ptr<ssl::context> ssl_ctx;  // the one `secure` was made with (before it: outlives it)
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;
  SteadyTime idle_since{};
  std::atomic<bool> aborted{false};  // cancelled: never reuse

  beast::tcp_stream& lowest() { return secure ? beast::get_lowest_layer(*secure) : *plain; }
  // Fails every pending operation. Runs on the connection's io_context (or with it idle).
  void AbortIo() {
    if (resolver) resolver->cancel();
    if (secure || plain) {
      beast::error_code ec;
      lowest().socket().close(ec);
    }
  }
};

// Runs the connection's operations to completion, or until `deadline`: then it fails them and
// lets their handlers run. Returns true when the deadline passed.
bool RunUntil(Connection& c, std::optional<SteadyTime> deadline) {
  c.ioc.restart();
  if (!deadline) {
    c.ioc.run();
    return false;
  }
  c.ioc.run_until(*deadline);
  if (c.ioc.stopped()) return false;
  c.AbortIo();
  c.ioc.restart();
  c.ioc.run();
  return true;
}

std::string Seconds(std::chrono::nanoseconds d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%gs", std::chrono::duration<double>(d).count());
  return buf;
}

using Request = http::request<http::span_body<const char>>;
using Parser = http::response_parser<http::string_body>;

template <class Stream>
void StartExchange(Stream& s, Connection& c, Request& req, Parser& parser, beast::error_code& ec) {
  http::async_write(s, req, [&s, &c, &parser, &ec](beast::error_code e, size_t) {
    if (e) {
      ec = e;
      return;
    }
    http::async_read(s, c.buffer, parser, [&ec](beast::error_code e2, size_t) { ec = e2; });
  });
}

// Errors that mean "the server closed this kept-alive connection before reading the request".
bool IsStaleConnectionError(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == ssl::error::stream_truncated;
}

}  // namespace

std::string Url::HostHeader() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (port != (https ? 443 : 80)) h += ":" + std::to_string(port);
  return h;
}

StatusOr<Url> ParseUrl(std::string_view text) {
  Url u;
  u.text = std::string(text);
  auto bad = [&](const std::string& why) {
    return InvalidArgument("URL \"" + u.text + "\" " + why);
  };
  std::string_view rest;
  if (text.substr(0, 8) == "https://") {
    u.https = true;
    rest = text.substr(8);
  } else if (text.substr(0, 7) == "http://") {
    rest = text.substr(7);
  } else {
    return bad("must start with http:// or https://");
  }
  size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  std::string_view path = end == std::string_view::npos ? "" : rest.substr(end);
  if (auto hash = path.find('#'); hash != std::string_view::npos) path = path.substr(0, hash);
  if (authority.find('@') != std::string_view::npos)
    return bad("has user info; put credentials in headers instead");
  std::string_view host = authority, port;
  if (!authority.empty() && authority[0] == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("has an unterminated IPv6 address");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return bad("has junk after the IPv6 address");
      port = after.substr(1);
    }
  } else if (size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return bad("has no host");
  u.host = std::string(host);
  u.port = u.https ? 443 : 80;
  if (!port.empty()) {
    unsigned v = 0;
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), v);
    if (ec != std::errc() || p != port.data() + port.size() || v == 0 || v > 65535)
      return bad("has an invalid port \"" + std::string(port) + "\"");
    u.port = static_cast<uint16_t>(v);
  }
  u.target = path.empty() ? "/" : std::string(path);
  if (u.target[0] == '?') u.target = "/" + u.target;
  return u;
}

std::string_view HttpClientResponse::Header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (IEquals(k, name)) return v;
  return {};
}

struct HttpClient::Impl {
  HttpClientOptions opts;
  std::shared_ptr<net::SslContextSource> tls_source;  // https: a new context after each reload
  std::mutex mu;
  std::map<std::string, std::vector<std::unique_ptr<Connection>>> idle;  // GUARDED_BY(mu)
  size_t idle_count = 0;                                                 // GUARDED_BY(mu)

  std::unique_ptr<Connection> TakeIdle(const std::string& key) {
    std::vector<std::unique_ptr<Connection>> stale;  // closed after the lock is released
    std::unique_ptr<Connection> found;
    std::lock_guard l(mu);
    auto it = idle.find(key);
    if (it == idle.end()) return nullptr;
    auto& list = it->second;
    while (!list.empty() && !found) {
      std::unique_ptr<Connection> c = std::move(list.back());
      list.pop_back();
      --idle_count;
      if (Usable(*c))
        found = std::move(c);
      else
        stale.push_back(std::move(c));
    }
    return found;
  }

  void PutIdle(std::unique_ptr<Connection> c) {
    std::lock_guard l(mu);
    if (opts.max_idle_conns != 0 && idle_count >= opts.max_idle_conns) return;  // closes it
    c->idle_since = std::chrono::steady_clock::now();
    idle[c->key].push_back(std::move(c));
    ++idle_count;
  }

  // An idle connection is usable if it is young enough and the server has not closed it (or
  // sent anything unasked, which would desynchronise the next response).
  bool Usable(Connection& c) {
    if (std::chrono::steady_clock::now() - c.idle_since > opts.idle_conn_timeout) return false;
    char b;
    ssize_t n = ::recv(c.lowest().socket().native_handle(), &b, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }

  Status Connect(Connection& c, const Url& u, std::optional<SteadyTime> deadline) {
    c.resolver.emplace(c.ioc);
    if (u.https) {
      c.ssl_ctx = tls_source->Current();
      c.secure.emplace(c.ioc, *c.ssl_ctx);
      RETURN_IF_ERROR(net::ConfigureClientSsl(c.secure->native_handle(), opts.tls, u.host));
    } else {
      c.plain.emplace(c.ioc);
    }
    beast::error_code ec;
    const char* stage = "resolve";
    c.resolver->async_resolve(
        u.host, std::to_string(u.port),
        [&](beast::error_code e, const tcp::resolver::results_type& results) {
          if (e) {
            ec = e;
            return;
          }
          stage = "connect to";
          c.lowest().async_connect(results, [&](beast::error_code e2, const tcp::endpoint&) {
            if (e2 || !c.secure) {
              ec = e2;
              return;
            }
            stage = "TLS handshake with";
            c.secure->async_handshake(ssl::stream_base::client,
                                      [&](beast::error_code e3) { ec = e3; });
          });
        });
    bool timed_out = RunUntil(c, deadline);
    c.resolver.reset();
    if (c.aborted) return Status(StatusCode::kCancelled, "request to " + u.text + " cancelled");
    if (timed_out)
      return Status(StatusCode::kDeadlineExceeded,
                    std::string(stage) + " " + u.HostHeader() + ": timed out");
    if (ec) return Unavailable(std::string(stage) + " " + u.HostHeader() + ": " + ec.message());
    beast::error_code ignored;
    c.lowest().socket().set_option(tcp::no_delay(true), ignored);
    return Status::Ok();
  }
};

HttpClient::HttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpClient::~HttpClient() = default;

StatusOr<std::unique_ptr<HttpClient>> HttpClient::Create(HttpClientOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->opts = std::move(options);
  if (impl->opts.enable_tls) {
    net::TlsClientSettings tls = impl->opts.tls;
    tls.insecure = false;  // an https:// URL always means TLS (as in confighttp)
    auto src = net::SslContextSource::ForClient(
        tls, [](const Status& s) { spdlog::warn("HTTP client: {}", s.message()); });
    if (!src.ok()) return src.status();
    impl->tls_source = *src;
  }
  return std::unique_ptr<HttpClient>(new HttpClient(std::move(impl)));
}

StatusOr<HttpClientResponse> HttpClient::Post(const Url& url, const Headers& headers,
                                              std::string_view body,
                                              std::chrono::nanoseconds timeout,
                                              exporterhelper::Cancellation* cancel) {
  return Send(true, url, headers, body, timeout, cancel);
}

StatusOr<HttpClientResponse> HttpClient::Get(const Url& url, const Headers& headers,
                                             std::chrono::nanoseconds timeout,
                                             exporterhelper::Cancellation* cancel) {
  return Send(false, url, headers, {}, timeout, cancel);
}

StatusOr<HttpClientResponse> HttpClient::Send(bool post, const Url& url, const Headers& headers,
                                              std::string_view body,
                                              std::chrono::nanoseconds timeout,
                                              exporterhelper::Cancellation* cancel) {
  if (url.https && !impl_->tls_source)
    return Internal("https URL " + url.text + " without a TLS context");
  std::optional<SteadyTime> deadline;
  if (timeout > std::chrono::nanoseconds::zero())
    deadline = std::chrono::steady_clock::now() +
               std::chrono::duration_cast<std::chrono::steady_clock::duration>(timeout);
  const std::string key = (url.https ? "https://" : "http://") + url.HostHeader();

  Request req;
  req.method(post ? http::verb::post : http::verb::get);
  req.target(url.target);
  req.version(11);
  req.set(http::field::host, url.HostHeader());
  req.set(http::field::user_agent, "otter");
  for (const auto& [k, v] : headers) req.set(k, v);
  if (post) req.body() = Request::body_type::value_type(body.data(), body.size());
  req.keep_alive(!impl_->opts.disable_keep_alives);
  req.prepare_payload();

  for (int round = 0;; ++round) {
    std::unique_ptr<Connection> c =
        impl_->opts.disable_keep_alives ? nullptr : impl_->TakeIdle(key);
    const bool reused = c != nullptr;
    if (!c) c = std::make_unique<Connection>(key);
    Status st;
    std::optional<Parser> parser;
    beast::error_code ec;
    bool timed_out = false;
    {
      Connection* conn = c.get();
      exporterhelper::Cancellation::Subscription sub;
      if (cancel) {
        sub = cancel->OnCancel([conn] {
          conn->aborted = true;
          asio::post(conn->ioc, [conn] { conn->AbortIo(); });
        });
      }
      if (!reused) {
        ++opened_;
        st = impl_->Connect(*c, url, deadline);
      }
      if (st.ok()) {
        parser.emplace();
        parser->body_limit(impl_->opts.max_response_body);
        parser->header_limit(64 * 1024);
        c->buffer.clear();
        if (c->secure)
          StartExchange(*c->secure, *c, req, *parser, ec);
        else
          StartExchange(*c->plain, *c, req, *parser, ec);
        timed_out = RunUntil(*c, deadline);
      }
    }  // unsubscribed: c->aborted is final
    if (!st.ok()) return st;
    if (c->aborted) return Status(StatusCode::kCancelled, "request to " + url.text + " cancelled");
    if (timed_out)
      return Status(StatusCode::kDeadlineExceeded,
                    "request to " + url.text + " timed out after " + Seconds(timeout));
    if (ec) {
      if (reused && round == 0 && !parser->got_some() && IsStaleConnectionError(ec)) continue;
      return Unavailable("request to " + url.text + " failed: " + ec.message());
    }
    auto& msg = parser->get();
    HttpClientResponse r;
    r.status = msg.result_int();
    r.reason = std::string(msg.reason());
    for (const auto& f : msg)
      r.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    r.body = std::move(msg.body());
    if (!impl_->opts.disable_keep_alives && msg.keep_alive() && parser->is_done() &&
        c->buffer.size() == 0)
      impl_->PutIdle(std::move(c));
    return r;
  }
}

StatusOr<EndpointClient> ClientFor(std::string_view endpoint, const net::TlsClientSettings& tls) {
  EndpointClient out;
  ASSIGN_OR_RETURN(out.url, ParseUrl(endpoint));
  HttpClientOptions co;
  co.tls = tls;
  co.enable_tls = out.url.https;
  ASSIGN_OR_RETURN(out.client, HttpClient::Create(std::move(co)));
  return out;
}

}  // namespace otter::otlp_http_exporter
