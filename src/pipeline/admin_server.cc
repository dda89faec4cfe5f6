#include "pipeline/admin_server.h"

#include <charconv>

#include "net/endpoint.h"
#include "net/http_server.h"
#include "otlp/json_codec.h"
#include "query/http_params.h"

namespace otter::pipeline {
namespace {

net::HttpResponse Json(int status, std::string body) {
  net::HttpResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "application/json");
  r.body = std::move(body);
  return r;
}

net::HttpResponse JsonError(int status, std::string_view message) {
  std::string body = "{\"error\":";
  otlp::AppendJsonString(body, message);
  return Json(status, body + "}");
}

bool ParseCount(const std::optional<std::string>& s, uint64_t* out) {
  if (!s) return true;
  auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), *out);
  return ec == std::errc() && p == s->data() + s->size();
}

std::string EventsJson(const std::string& pipeline, const TapHub::PollResult& r) {
  std::string out = "{\"pipeline\":";
  otlp::AppendJsonString(out, pipeline);
  out += ",\"next\":" + std::to_string(r.next) + ",\"events\":[";
  for (size_t i = 0; i < r.events.size(); ++i) {
    const TapEvent& e = r.events[i];
    if (i) out += ',';
    out += "{\"seq\":" + std::to_string(e.seq) +
           ",\"time_unix_nano\":" + std::to_string(e.time_unix_nano) +
           ",\"stage\":" + std::to_string(e.stage) + ",\"after\":";
    otlp::AppendJsonString(out, e.after);
    out += ",\"items\":" + std::to_string(e.items) + ",\"bytes\":" + std::to_string(e.json_bytes) +
           ",\"data\":" + (e.json.empty() ? std::string("null") : e.json) + "}";
  }
  return out + "]}";
}

}  // namespace

Status ValidateAdminEndpoint(const std::string& endpoint) {
  ASSIGN_OR_RETURN(net::HostPort hp, net::ParseEndpoint(endpoint));
  const std::string& h = hp.host;
  if (h == "localhost" || h == "::1" || h.rfind("127.", 0) == 0) return Status::Ok();
  return InvalidArgument("service.admin.endpoint \"" + endpoint +
                         "\" must be a loopback address (localhost, 127.0.0.1 or ::1): the "
                         "admin listener shows the telemetry itself");
}

AdminServer::AdminServer(TapHub& tap, std::string endpoint, std::shared_ptr<spdlog::logger> logger)
    : tap_(tap), endpoint_(std::move(endpoint)), logger_(std::move(logger)) {}

AdminServer::~AdminServer() { Stop(); }

Status AdminServer::Start() {
  RETURN_IF_ERROR(ValidateAdminEndpoint(endpoint_));
  net::HttpServerOptions o;
  o.endpoint = endpoint_;
  o.threads = 1;
  o.max_request_body_size = 4 * 1024;
  o.logger = logger_;
  o.shutdown_timeout = std::chrono::seconds(2);
  server_ = std::make_unique<net::HttpServer>(
      std::move(o), [this](net::HttpRequest&& req, net::HttpResponder respond) {
        if (req.path() != "/debug/tap") {
          respond(net::HttpResponse::Text(404, "404 page not found\n"));
          return;
        }
        if (req.method != "GET") {
          respond(net::HttpResponse::Text(405, "405 method not allowed, supported: [GET]\n")
                      .SetHeader("Allow", "GET"));
          return;
        }
        auto params = query::HttpParams::FromRequest(req);
        if (!params.ok()) {
          respond(JsonError(400, params.status().message()));
          return;
        }
        std::optional<std::string> pipeline = params->Get("pipeline");
        if (!pipeline) {
          respond(Json(200, tap_.DescribeJson()));
          return;
        }
        uint64_t after = 0, max = 16;
        if (!ParseCount(params->Get("after"), &after) || !ParseCount(params->Get("max"), &max) ||
            max == 0) {
          respond(JsonError(400, "after and max must be non-negative integers (max > 0)"));
          return;
        }
        auto r = tap_.Poll(*pipeline, after, std::min<uint64_t>(max, 128));
        if (!r.ok()) {
          respond(JsonError(404, r.status().message()));
          return;
        }
        respond(Json(200, EventsJson(*pipeline, *r)));
      });
  Status s = server_->Start();
  if (!s.ok()) {
    server_.reset();
    return s.Annotate("service.admin.endpoint");
  }
  if (logger_)
    logger_->info("admin listener (otter tap) at http://{}/debug/tap", server_->address());
  return Status::Ok();
}

void AdminServer::Stop() {
  if (server_) server_->Stop();
}

int AdminServer::port() const { return server_ ? server_->port() : 0; }

}  // namespace otter::pipeline
