#include "telemetry/metrics_server.h"

#include "net/http_server.h"

namespace otter::telemetry {

MetricsServer::MetricsServer(SelfMetrics& metrics, std::string address,
                             std::shared_ptr<spdlog::logger> logger,
                             std::optional<net::TlsServerSettings> tls)
    : metrics_(metrics),
      address_(std::move(address)),
      logger_(std::move(logger)),
      tls_(std::move(tls)) {}

MetricsServer::~MetricsServer() { Stop(); }

Status MetricsServer::Start() {
  net::HttpServerOptions o;
  o.endpoint = address_;
  o.threads = 1;
  o.max_request_body_size = 64 * 1024;
  o.logger = logger_;
  o.tls = tls_;
  o.shutdown_timeout = std::chrono::seconds(5);
  server_ = std::make_unique<net::HttpServer>(
      std::move(o), [this](net::HttpRequest&& req, net::HttpResponder respond) {
        if (req.path() != "/metrics") {
          respond(net::HttpResponse::Text(404, "404 page not found\n"));
          return;
        }
        if (req.method != "GET" && req.method != "HEAD") {
          respond(net::HttpResponse::Text(405, "405 method not allowed, supported: [GET, HEAD]\n")
                      .SetHeader("Allow", "GET, HEAD"));
          return;
        }
        net::HttpResponse r;
        r.headers.emplace_back("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
        r.body = metrics_.RenderPrometheus();
        respond(std::move(r));
      });
  Status s = server_->Start();
  if (!s.ok()) {
    server_.reset();
    return s;  // the caller names the setting (service.telemetry.metrics.address)
  }
  if (logger_)
    logger_->info("self-metrics at {}://{}/metrics", tls_ ? "https" : "http", server_->address());
  return Status::Ok();
}

void MetricsServer::Stop() {
  if (server_) server_->Stop();
}

int MetricsServer::port() const { return server_ ? server_->port() : 0; }

}  // namespace otter::telemetry
