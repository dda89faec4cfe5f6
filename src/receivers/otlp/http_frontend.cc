#include "receivers/otlp/http_frontend.h"

#include <algorithm>
#include <cctype>
#include <thread>

#include "auth/server_guard.h"
#include "net/compression.h"
#include "otlp/json_codec.h"
#include "otlp/proto_codec.h"

namespace otter::otlp_receiver {
namespace {

constexpr std::string_view kProtobufType = "application/x-protobuf";
constexpr std::string_view kJsonType = "application/json";
constexpr uint64_t kDefaultMaxBody = 20 * 1024 * 1024;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The media type of a Content-Type value, without parameters ("application/json; charset=utf-8").
std::optional<WireFormat> FormatOf(std::string_view content_type) {
  std::string media = Lower(Trim(content_type.substr(0, content_type.find(';'))));
  if (media == kProtobufType) return WireFormat::kProtobuf;
  if (media == kJsonType) return WireFormat::kJson;
  return std::nullopt;
}

std::chrono::milliseconds Ms(config::Duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d);
}

}  // namespace

// Everything an answer needs, shared with completions that may fire after Shutdown().
struct HttpFrontend::Shared {
  std::map<std::string, std::string> response_headers;
  std::optional<CorsConfig> cors;  // set only when allowed_origins is non-empty

  bool OriginAllowed(std::string_view origin) const {
    std::string o = Lower(origin);
    for (const auto& pattern : cors->allowed_origins) {
      std::string p = Lower(pattern);
      if (p == "*") return true;
      size_t star = p.find('*');
      if (star == std::string::npos) {
        if (p == o) return true;
        continue;
      }
      std::string_view prefix = std::string_view(p).substr(0, star);
      std::string_view suffix = std::string_view(p).substr(star + 1);
      if (o.size() >= prefix.size() + suffix.size() && o.starts_with(prefix) && o.ends_with(suffix))
        return true;
    }
    return false;
  }

  bool AllowsAnyOrigin() const {
    return std::find(cors->allowed_origins.begin(), cors->allowed_origins.end(), "*") !=
           cors->allowed_origins.end();
  }

  bool HeaderAllowed(const std::string& lower_name) const {
    static const char* kAlways[] = {"accept", "content-type", "x-requested-with", "origin"};
    for (const char* h : kAlways)
      if (lower_name == h) return true;
    for (const auto& h : cors->allowed_headers)
      if (h == "*" || Lower(h) == lower_name) return true;
    return false;
  }

  // A CORS preflight (OPTIONS + Access-Control-Request-Method), answered like rs/cors does.
  net::HttpResponse Preflight(const net::HttpRequest& head) const {
    net::HttpResponse r;
    r.status = 204;
    r.headers.emplace_back("Vary",
                           "Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
    std::string_view origin = head.Header("Origin");
    std::string method(Trim(head.Header("Access-Control-Request-Method")));
    for (char& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    static const char* kMethods[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"};
    bool method_ok = std::any_of(std::begin(kMethods), std::end(kMethods),
                                 [&](const char* m) { return method == m; });
    std::string_view requested = head.Header("Access-Control-Request-Headers");
    bool headers_ok = true;
    for (size_t pos = 0; pos <= requested.size() && !requested.empty();) {
      size_t comma = requested.find(',', pos);
      std::string name = Lower(Trim(requested.substr(pos, comma - pos)));
      if (!name.empty() && !HeaderAllowed(name)) headers_ok = false;
      if (comma == std::string_view::npos) break;
      pos = comma + 1;
    }
    if (origin.empty() || !OriginAllowed(origin) || !method_ok || !headers_ok) return r;
    r.headers.emplace_back("Access-Control-Allow-Origin",
                           AllowsAnyOrigin() ? "*" : std::string(origin));
    r.headers.emplace_back("Access-Control-Allow-Methods", method);
    if (!Trim(requested).empty())
      r.headers.emplace_back("Access-Control-Allow-Headers", std::string(Trim(requested)));
    r.headers.emplace_back("Access-Control-Allow-Credentials", "true");
    if (cors->max_age > 0)
      r.headers.emplace_back("Access-Control-Max-Age", std::to_string(cors->max_age));
    return r;
  }

  // CORS headers for an actual request from an allowed origin, and the configured extras.
  net::HttpResponse Decorate(net::HttpResponse r, std::string_view origin) const {
    if (cors && !origin.empty() && OriginAllowed(origin)) {
      r.headers.emplace_back("Vary", "Origin");
      r.headers.emplace_back("Access-Control-Allow-Origin",
                             AllowsAnyOrigin() ? "*" : std::string(origin));
      r.headers.emplace_back("Access-Control-Allow-Credentials", "true");
    }
    for (const auto& [k, v] : response_headers) r.SetHeader(k, v);
    return r;
  }

  // A google.rpc.Status body in the request's encoding.
  static net::HttpResponse StatusResponse(WireFormat f, int http_status, int grpc_code,
                                          std::string_view message) {
    net::HttpResponse r;
    r.status = http_status;
    if (f == WireFormat::kJson) {
      otlp::EncodeRpcStatusJson(grpc_code, message, &r.body);
      r.headers.emplace_back("Content-Type", std::string(kJsonType));
    } else {
      otlp::EncodeRpcStatus(grpc_code, message, &r.body);
      r.headers.emplace_back("Content-Type", std::string(kProtobufType));
    }
    return r;
  }

  // An Export*ServiceResponse; partial_success when the pipeline kept only part of the request.
  static net::HttpResponse Success(WireFormat f, Signal signal, const Status& s) {
    net::HttpResponse r;
    const auto rejected = static_cast<int64_t>(s.rejected_items());
    if (f == WireFormat::kJson) {
      switch (signal) {
        case Signal::kTraces:
          otlp::EncodeExportResponseJson<pdata::TraceBatch>(rejected, s.message(), &r.body);
          break;
        case Signal::kMetrics:
          otlp::EncodeExportResponseJson<pdata::MetricBatch>(rejected, s.message(), &r.body);
          break;
        case Signal::kLogs:
          otlp::EncodeExportResponseJson<pdata::LogBatch>(rejected, s.message(), &r.body);
          break;
      }
      r.headers.emplace_back("Content-Type", std::string(kJsonType));
    } else {
      otlp::EncodeExportResponse(rejected, s.message(), &r.body);
      r.headers.emplace_back("Content-Type", std::string(kProtobufType));
    }
    return r;
  }

  net::HttpResponse Answer(const Status& s, WireFormat f, Signal signal,
                           std::string_view origin) const {
    if (s.ok()) return Decorate(Success(f, signal, s), origin);
    WireError w = ToWire(s);
    net::HttpResponse r = StatusResponse(f, w.http_status, w.grpc_code, w.message);
    if (w.retry_after_seconds) r.SetHeader("Retry-After", std::to_string(*w.retry_after_seconds));
    return Decorate(std::move(r), origin);
  }
};

DroppedConnectionCounters MakeDroppedConnectionCounters(telemetry::SelfMetrics* metrics,
                                                        const std::string& receiver_id) {
  if (!metrics) return {};
  auto counter = [&](const char* reason) {
    return &metrics->GetCounter(
        "otter_receiver_http_dropped_connections_total",
        "HTTP connections the server closed on its own: over the connection limit, or headers "
        "not complete within read_header_timeout (slow clients).",
        {{"receiver", receiver_id}, {"reason", reason}});
  };
  return {counter("max_connections"), counter("read_header_timeout")};
}

HttpFrontend::HttpFrontend(const HttpProtocolConfig& config, Consumers next,
                           std::array<ItemCounters, 3> counters,
                           std::shared_ptr<spdlog::logger> logger,
                           std::shared_ptr<const auth::ServerAuthGuard> guard,
                           DroppedConnectionCounters dropped)
    : config_(config),
      next_(next),
      counters_(counters),
      logger_(std::move(logger)),
      guard_(guard && guard->enabled() ? std::move(guard) : nullptr),
      dropped_(dropped) {
  if (config_.max_request_body_size == 0) config_.max_request_body_size = kDefaultMaxBody;
  auto shared = std::make_shared<Shared>();
  shared->response_headers = config_.response_headers;
  if (config_.cors && !config_.cors->allowed_origins.empty()) shared->cors = config_.cors;
  shared_ = std::move(shared);
}

HttpFrontend::~HttpFrontend() { Shutdown(); }

std::optional<Signal> HttpFrontend::Route(std::string_view path) const {
  // Like the Go receiver, a signal without a pipeline has no route at all (404).
  if (next_.traces && path == config_.traces_url_path) return Signal::kTraces;
  if (next_.metrics && path == config_.metrics_url_path) return Signal::kMetrics;
  if (next_.logs && path == config_.logs_url_path) return Signal::kLogs;
  return std::nullopt;
}

std::optional<net::HttpResponse> HttpFrontend::CheckHead(const net::HttpRequest& head) const {
  std::string_view origin = head.Header("Origin");
  if (shared_->cors && head.method == "OPTIONS" && head.HasHeader("Access-Control-Request-Method"))
    return shared_->Decorate(shared_->Preflight(head), {});
  if (!Route(head.path()))
    return shared_->Decorate(net::HttpResponse::Text(404, "404 page not found\n"), origin);
  if (head.method != "POST") {
    net::HttpResponse r = net::HttpResponse::Text(405, "405 method not allowed, supported: [POST]");
    r.SetHeader("Allow", "POST");
    return shared_->Decorate(std::move(r), origin);
  }
  std::optional<WireFormat> format = FormatOf(head.Header("Content-Type"));
  if (!format) {
    return shared_->Decorate(
        net::HttpResponse::Text(
            415,
            "415 unsupported media type, supported: [application/json, application/x-protobuf]"),
        origin);
  }
  std::string_view encoding = head.Header("Content-Encoding");
  // As confighttp: only the listed codings ("" = uncompressed) are accepted.
  auto parsed = net::ParseContentEncoding(encoding);
  bool enabled =
      parsed &&
      std::any_of(config_.compression_algorithms.begin(), config_.compression_algorithms.end(),
                  [&](const std::string& a) { return net::ParseContentEncoding(a) == parsed; });
  if (!enabled) {
    return shared_->Decorate(
        Shared::StatusResponse(*format, 400, GrpcCodeForHttpStatus(400),
                               "unsupported Content-Encoding: " + std::string(encoding)),
        origin);
  }
  return std::nullopt;
}

void HttpFrontend::Handle(net::HttpRequest&& request, net::HttpResponder respond) {
  if (auto early = CheckHead(request)) {
    respond(std::move(*early));
    return;
  }
  Signal signal = *Route(request.path());
  WireFormat format = *FormatOf(request.Header("Content-Type"));
  net::Encoding encoding = *net::ParseContentEncoding(request.Header("Content-Encoding"));
  std::string origin(request.Header("Origin"));

  std::string body;
  if (encoding == net::Encoding::kIdentity) {
    body = std::move(request.body);
  } else {
    StatusOr<std::string> decoded =
        net::Decompress(encoding, request.body, config_.max_request_body_size);
    if (!decoded.ok()) {
      int http_status = decoded.status().code() == StatusCode::kResourceExhausted ? 413 : 400;
      respond(shared_->Decorate(
          Shared::StatusResponse(format, http_status, GrpcCodeForHttpStatus(http_status),
                                 decoded.status().message()),
          origin));
      return;
    }
    body = std::move(*decoded);
    request.body = std::string();  // free the compressed copy before decoding
  }

  Completion done([shared = shared_, format, signal, origin = std::move(origin),
                   respond = std::move(respond)](Status s) mutable {
    respond(shared->Answer(s, format, signal, origin));
  });
  const ItemCounters& counters = counters_[static_cast<size_t>(signal)];
  RequestClient client{ClientIpFromPeer(request.remote_address), {}};
  if (config_.include_metadata) {  // every header, as confighttp does (Host is one of them)
    client.metadata.reserve(request.headers.size());
    for (const auto& [name, value] : request.headers) client.metadata.emplace_back(name, value);
  }
  switch (signal) {
    case Signal::kTraces:
      Ingest(*next_.traces, std::move(body), format, counters, std::move(done), std::move(client));
      break;
    case Signal::kMetrics:
      Ingest(*next_.metrics, std::move(body), format, counters, std::move(done), std::move(client));
      break;
    case Signal::kLogs:
      Ingest(*next_.logs, std::move(body), format, counters, std::move(done), std::move(client));
      break;
  }
}

Status HttpFrontend::Start() {
  net::HttpServerOptions o;
  o.endpoint = config_.endpoint;
  o.threads = static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 2u, 8u));
  o.max_request_body_size = config_.max_request_body_size;
  o.tls = config_.tls;
  // As Go's http.Server: 0 means "no limit" for read_timeout, and idle_timeout /
  // read_header_timeout fall back to read_timeout when 0.
  auto limit = [](config::Duration d) {
    return d.count() > 0 ? Ms(d) : std::chrono::milliseconds(std::chrono::hours(24 * 365));
  };
  auto or_read = [&](config::Duration d) { return d.count() > 0 ? d : config_.read_timeout; };
  o.read_timeout = limit(config_.read_timeout);
  o.idle_timeout = limit(or_read(config_.idle_timeout));
  o.read_header_timeout = limit(or_read(config_.read_header_timeout));
  o.write_timeout = Ms(config_.write_timeout);
  o.logger = logger_;
  o.on_connection_dropped = [d = dropped_](const char* reason) {
    telemetry::Counter* c =
        std::string_view(reason) == "max_connections" ? d.max_connections : d.read_header_timeout;
    if (c) c->Add(1);
  };
  // Authentication comes first (before routing, as confighttp), except for a CORS preflight,
  // which browsers send without credentials. Decided from the headers: the body is never read.
  o.on_headers = [this](const net::HttpRequest& head) -> std::optional<net::HttpResponse> {
    bool preflight = shared_->cors && head.method == "OPTIONS" &&
                     head.HasHeader("Access-Control-Request-Method");
    if (guard_ && !preflight)
      if (auto refused = guard_->CheckHttp(head))
        return shared_->Decorate(std::move(*refused), head.Header("Origin"));
    return CheckHead(head);
  };
  o.error_response = [shared = shared_](const net::HttpRequest& head, int status,
                                        std::string_view message) {
    std::optional<WireFormat> format = FormatOf(head.Header("Content-Type"));
    net::HttpResponse r =
        format ? Shared::StatusResponse(*format, status, GrpcCodeForHttpStatus(status), message)
               : net::HttpResponse::Text(status, std::string(message) + "\n");
    return shared->Decorate(std::move(r), head.Header("Origin"));
  };
  server_ = std::make_unique<net::HttpServer>(
      std::move(o), [this](net::HttpRequest&& req, net::HttpResponder respond) {
        Handle(std::move(req), std::move(respond));
      });
  Status s = server_->Start();
  if (!s.ok()) {
    server_.reset();
    return s.Annotate("otlp receiver, protocols.http");
  }
  if (logger_) logger_->info("OTLP/HTTP listening on {}", server_->address());
  return Status::Ok();
}

void HttpFrontend::Shutdown() {
  if (server_) server_->Stop();
}

int HttpFrontend::port() const { return server_ ? server_->port() : 0; }

}  // namespace otter::otlp_receiver
