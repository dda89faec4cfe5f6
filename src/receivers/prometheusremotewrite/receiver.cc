#include "receivers/prometheusremotewrite/receiver.h"

#include "auth/server_guard.h"
#include "net/compression.h"
#include "net/http_server.h"

namespace otter::prometheusremotewrite {

RemoteWriteReceiver::RemoteWriteReceiver(const ComponentContext& ctx,
                                         const PrometheusRemoteWriteReceiverConfig& cfg,
                                         MetricConsumer* next,
                                         std::shared_ptr<const auth::ServerAuthGuard> guard)
    : cfg_(cfg), next_(next), logger_(ctx.logger), guard_(std::move(guard)) {
  telemetry::SelfMetrics* metrics = telemetry::GivenOrOwn(ctx.metrics, own_metrics_);
  telemetry::Labels labels = {{"receiver", ctx.id.ToString()}, {"transport", "http"}};
  accepted_ = &metrics->GetCounter("otelcol_receiver_accepted_metric_points",
                                   "Metric points the pipeline accepted.", labels);
  refused_ = &metrics->GetCounter("otelcol_receiver_refused_metric_points",
                                  "Metric points the pipeline refused.", labels);
  untranslated_ = &metrics->GetCounter(
      "otter_receiver_untranslated_samples_total",
      "Remote Write samples OTLP cannot carry (gauge histograms, non-integer or custom-bucket "
      "native histograms) or without a metric name, not passed on.",
      {{"receiver", ctx.id.ToString()}});
}

RemoteWriteReceiver::~RemoteWriteReceiver() { Shutdown(); }

Status RemoteWriteReceiver::Start() {
  net::HttpServerOptions o;
  o.endpoint = cfg_.endpoint;
  o.threads = 1;
  o.max_request_body_size = cfg_.max_request_body_size;
  if (guard_) guard_->Install(o);
  o.tls = cfg_.tls;
  o.logger = logger_;
  server_ = std::make_unique<net::HttpServer>(
      std::move(o), [this](net::HttpRequest&& req, net::HttpResponder respond) {
        Handle(std::move(req), std::move(respond));
      });
  if (Status s = server_->Start(); !s.ok()) {
    server_.reset();
    return s.Annotate("endpoint " + cfg_.endpoint);
  }
  if (logger_) logger_->info("remote write receiver at http://{}/api/v1/write", server_->address());
  return Status::Ok();
}

void RemoteWriteReceiver::Shutdown() {
  if (server_) server_->Stop();
}

int RemoteWriteReceiver::port() const { return server_ ? server_->port() : 0; }

void RemoteWriteReceiver::Handle(net::HttpRequest&& req, net::HttpResponder respond) {
  if (req.path() != "/api/v1/write") {
    respond(net::HttpResponse::Text(404, "404 page not found\n"));
    return;
  }
  if (req.method != "POST") {
    respond(
        net::HttpResponse::Text(405, "method not allowed, use POST\n").SetHeader("Allow", "POST"));
    return;
  }
  std::string_view type = req.Header("Content-Type");
  if (type.find("io.prometheus.write.v2.Request") != std::string_view::npos) {
    respond(net::HttpResponse::Text(415,
                                    "remote write 2.0 (io.prometheus.write.v2.Request) is not "
                                    "supported yet; send 1.0 (prometheus.WriteRequest)\n"));
    return;
  }
  if (!type.empty() && !type.starts_with("application/x-protobuf")) {
    respond(net::HttpResponse::Text(415, "unsupported Content-Type \"" + std::string(type) +
                                             "\"; remote write sends application/x-protobuf\n"));
    return;
  }
  std::string_view enc = req.Header("Content-Encoding");
  auto encoding = net::ParseContentEncoding(enc.empty() ? "snappy" : enc);
  if (!encoding) {
    respond(net::HttpResponse::Text(415,
                                    "unsupported Content-Encoding \"" + std::string(enc) + "\"\n"));
    return;
  }
  auto body = net::Decompress(*encoding, req.body, 8 * cfg_.max_request_body_size);
  if (!body.ok()) {
    respond(net::HttpResponse::Text(400, std::string(body.status().message()) + "\n"));
    return;
  }
  auto request = DecodeWriteRequest(*body);
  if (!request.ok()) {
    respond(net::HttpResponse::Text(400, std::string(request.status().message()) + "\n"));
    return;
  }
  TranslateStats stats;
  pdata::MetricBatch batch;
  {
    std::lock_guard lock(mu_);
    for (const RwMetadata& md : request->metadata) {
      auto it = families_.find(md.family);
      if (it == families_.end()) {
        if (families_.size() >= cfg_.max_families) continue;
        it = families_.emplace(std::string(md.family), FamilyInfo{}).first;
      }
      it->second.type = md.type;
      it->second.help = std::string(md.help);
    }
    batch = TranslateWriteRequest(*request, families_, &stats);
  }
  // The batch's strings are copies; the request body may go.
  if (size_t skipped = stats.skipped_histograms + stats.skipped_series) {
    untranslated_->Add(skipped);
    uint64_t suppressed = 0;
    exporterhelper::SteadyClock clock;
    if (logger_ && log_throttle_.Allow(clock, &suppressed))
      logger_->warn(
          "remote write: {} native histogram samples OTLP cannot carry (gauge, float counts "
          "or custom buckets) and {} series without __name__ not passed on{}",
          stats.skipped_histograms, stats.skipped_series,
          exporterhelper::LogThrottle::Suffix(suppressed));
  }
  if (stats.points == 0) {
    respond(net::HttpResponse::Text(204, ""));
    return;
  }
  const size_t points = stats.points;
  if (cfg_.include_metadata)  // every header, as confighttp does
    for (const auto& [name, value] : req.headers) batch.AddMetadata(name, value);
  next_->Consume(
      std::move(batch), Completion([this, points, respond = std::move(respond)](Status s) mutable {
        if (s.ok()) {
          accepted_->Add(points);
          respond(net::HttpResponse::Text(204, ""));
          return;
        }
        refused_->Add(points);
        respond(
            net::HttpResponse::Text(s.retryable() ? 503 : 400, std::string(s.message()) + "\n"));
      }));
}

}  // namespace otter::prometheusremotewrite
