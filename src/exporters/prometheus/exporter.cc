#include "exporters/prometheus/exporter.h"

#include "net/http_server.h"

namespace otter::prometheus_exporter {

PrometheusExporter::PrometheusExporter(const ComponentContext& ctx,
                                       const PrometheusExporterConfig& cfg)
    : cfg_(cfg), logger_(ctx.logger), exposition_(cfg_) {
  telemetry::SelfMetrics* metrics = telemetry::GivenOrOwn(ctx.metrics, own_metrics_);
  counters_ = exporterhelper::ExporterCounters(*metrics, ctx.id, Signal::kMetrics);
}

PrometheusExporter::~PrometheusExporter() { Shutdown(); }

Status PrometheusExporter::Start() {
  net::HttpServerOptions o;
  o.endpoint = cfg_.endpoint;
  o.threads = 1;
  o.max_request_body_size = 64 * 1024;
  o.logger = logger_;
  o.tls = cfg_.tls;
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
        const bool om =
            cfg_.enable_open_metrics &&
            req.Header("Accept").find("application/openmetrics-text") != std::string_view::npos;
        net::HttpResponse r;
        r.headers.emplace_back("Content-Type",
                               om ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
                                  : "text/plain; version=0.0.4; charset=utf-8");
        r.body = exposition_.Render(om);
        if (req.method == "HEAD") r.body.clear();
        respond(std::move(r));
      });
  if (Status s = server_->Start(); !s.ok()) {
    server_.reset();
    return s.Annotate("endpoint " + cfg_.endpoint);
  }
  if (logger_) logger_->info("prometheus exporter serving http://{}/metrics", server_->address());
  return Status::Ok();
}

void PrometheusExporter::Shutdown() {
  if (server_) server_->Stop();
}

int PrometheusExporter::port() const { return server_ ? server_->port() : 0; }

void PrometheusExporter::Consume(pdata::MetricBatch&& batch, Completion done) {
  const pdata::MetricBatch& view = batch;
  Exposition::AddResult r = exposition_.Add(view);
  counters_.Sent(r.accepted);
  counters_.Failed(r.dropped);
  if (r.dropped && logger_) {
    uint64_t suppressed = 0;
    exporterhelper::SteadyClock clock;
    if (drop_log_.Allow(clock, &suppressed))
      logger_->warn("prometheus exporter dropped {} points: {}{}", r.dropped, r.drop_reason,
                    exporterhelper::LogThrottle::Suffix(suppressed));
  }
  done(Status::Ok());
}

}  // namespace otter::prometheus_exporter
