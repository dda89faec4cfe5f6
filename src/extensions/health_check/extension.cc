#include "extensions/health_check/extension.h"

#include <ctime>

#include "component/status_hub.h"
#include "otlp/json_codec.h"

namespace otter::health_check {
namespace {

std::string TrimFraction(std::string digits) {
  while (!digits.empty() && digits.back() == '0') digits.pop_back();
  return digits.empty() ? "" : "." + digits;
}

std::string Fraction(int64_t value, int width) {
  std::string s = std::to_string(value);
  return TrimFraction(std::string(width - s.size(), '0') + s);
}

}  // namespace

std::string FormatGoDuration(std::chrono::nanoseconds d) {
  int64_t ns = d.count();
  if (ns == 0) return "0s";
  std::string sign = ns < 0 ? "-" : "";
  uint64_t u = ns < 0 ? static_cast<uint64_t>(-(ns + 1)) + 1 : static_cast<uint64_t>(ns);
  if (u < 1000) return sign + std::to_string(u) + "ns";
  if (u < 1000000)
    return sign + std::to_string(u / 1000) + Fraction(static_cast<int64_t>(u % 1000), 3) + "µs";
  if (u < 1000000000)
    return sign + std::to_string(u / 1000000) + Fraction(static_cast<int64_t>(u % 1000000), 6) +
           "ms";
  uint64_t secs = u / 1000000000, frac = u % 1000000000;
  uint64_t h = secs / 3600, m = secs / 60 % 60, s = secs % 60;
  std::string out = sign;
  if (h) out += std::to_string(h) + "h";
  if (h || m) out += std::to_string(m) + "m";
  return out + std::to_string(s) + Fraction(static_cast<int64_t>(frac), 9) + "s";
}

std::string FormatRfc3339Nano(std::chrono::system_clock::time_point t) {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ns / 1000000000);
  int64_t frac = ns % 1000000000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return buf + Fraction(frac, 9) + "Z";
}

HealthCheckExtension::HealthCheckExtension(const ComponentContext& ctx,
                                           const HealthCheckConfig& config)
    : ctx_(ctx), config_(config) {}

HealthCheckExtension::~HealthCheckExtension() { Shutdown(); }

bool HealthCheckExtension::Matches(std::string_view path) const {
  if (config_.path.back() == '/') return path.starts_with(config_.path);
  return path == config_.path;
}

net::HttpResponse HealthCheckExtension::Answer() const {
  bool healthy = ctx_.status && ctx_.status->ready();
  if (healthy && config_.check_collector_pipeline.enabled)
    healthy = ctx_.status->FirstFailure().first.empty();
  net::HttpResponse r;
  r.status = healthy ? 200 : 503;
  if (config_.response_body) {
    r.body = healthy ? config_.response_body->healthy : config_.response_body->unhealthy;
    r.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
    return r;
  }
  r.headers.emplace_back("Content-Type", "application/json");
  if (healthy) {
    auto now = std::chrono::system_clock::now();
    r.body = "{\"status\":\"Server available\",\"upSince\":\"" + FormatRfc3339Nano(started_) +
             "\",\"uptime\":\"" + FormatGoDuration(now - started_) + "\"";
    // Components that serve with a known problem (e.g. a corrupt file set aside) say so here.
    auto degraded = ctx_.status->Degraded();
    if (!degraded.empty()) {
      r.body += ",\"degraded\":{";
      for (auto it = degraded.begin(); it != degraded.end(); ++it) {
        if (it != degraded.begin()) r.body += ',';
        otlp::AppendJsonString(r.body, it->first);
        r.body += ':';
        otlp::AppendJsonString(r.body, it->second);
      }
      r.body += '}';
    }
    r.body += '}';
  } else {
    r.body =
        "{\"status\":\"Server not "
        "available\",\"upSince\":\"0001-01-01T00:00:00Z\",\"uptime\":\"\"}";
  }
  return r;
}

Status HealthCheckExtension::Start() {
  started_ = std::chrono::system_clock::now();
  net::HttpServerOptions o;
  o.endpoint = config_.endpoint;
  o.threads = 1;
  o.max_request_body_size = 64 * 1024;
  o.tls = config_.tls;
  o.logger = ctx_.logger;
  o.shutdown_timeout = std::chrono::seconds(5);
  server_ = std::make_unique<net::HttpServer>(
      std::move(o), [this](net::HttpRequest&& req, net::HttpResponder respond) {
        if (!Matches(req.path())) {
          respond(net::HttpResponse::Text(404, "404 page not found\n"));
          return;
        }
        respond(Answer());
      });
  Status s = server_->Start();
  if (!s.ok()) {
    server_.reset();
    return s.Annotate("health_check");
  }
  if (ctx_.logger)
    ctx_.logger->info("health_check listening on {}{}", server_->address(), config_.path);
  return Status::Ok();
}

void HealthCheckExtension::Shutdown() {
  if (server_) server_->Stop();
}

}  // namespace otter::health_check
