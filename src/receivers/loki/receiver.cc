#include "receivers/loki/receiver.h"

#include <chrono>

#include "auth/server_guard.h"
#include "net/compression.h"
#include "net/http_server.h"
#include "receivers/loki/push_request.h"

namespace otter::loki_receiver {

LokiReceiver::LokiReceiver(const ComponentContext& ctx, const LokiReceiverConfig& cfg,
                           LogConsumer* next, std::shared_ptr<const auth::ServerAuthGuard> guard)
    : cfg_(cfg), next_(next), logger_(ctx.logger), guard_(std::move(guard)) {
  telemetry::SelfMetrics* metrics = telemetry::GivenOrOwn(ctx.metrics, own_metrics_);
  telemetry::Labels labels = {{"receiver", ctx.id.ToString()}, {"transport", "http"}};
  accepted_ = &metrics->GetCounter("otelcol_receiver_accepted_log_records",
                                   "Log records the pipeline accepted.", labels);
  refused_ = &metrics->GetCounter("otelcol_receiver_refused_log_records",
                                  "Log records the pipeline refused.", labels);
}

LokiReceiver::~LokiReceiver() { Shutdown(); }

Status LokiReceiver::Start() {
  const auto& http = *cfg_.protocols.http;
  net::HttpServerOptions o;
  o.endpoint = http.endpoint;
  o.threads = 1;
  o.max_request_body_size = http.max_request_body_size;
  o.tls = http.tls;
  o.logger = logger_;
  if (guard_) guard_->Install(o);
  server_ = std::make_unique<net::HttpServer>(
      std::move(o), [this](net::HttpRequest&& req, net::HttpResponder respond) {
        Handle(std::move(req), std::move(respond));
      });
  if (Status s = server_->Start(); !s.ok()) {
    server_.reset();
    return s.Annotate("protocols.http.endpoint " + http.endpoint);
  }
  if (logger_) logger_->info("loki push API at http://{}/loki/api/v1/push", server_->address());
  return Status::Ok();
}

void LokiReceiver::Shutdown() {
  if (server_) server_->Stop();
}

int LokiReceiver::port() const { return server_ ? server_->port() : 0; }

void LokiReceiver::Handle(net::HttpRequest&& req, net::HttpResponder respond) {
  if (req.path() != "/loki/api/v1/push") {
    respond(net::HttpResponse::Text(404, "404 page not found\n"));
    return;
  }
  if (req.method != "POST") {
    respond(
        net::HttpResponse::Text(405, "method not allowed, use POST\n").SetHeader("Allow", "POST"));
    return;
  }
  std::string_view type = req.Header("Content-Type");
  const bool json = type.starts_with("application/json");
  if (!json && !type.empty() && !type.starts_with("application/x-protobuf")) {
    respond(
        net::HttpResponse::Text(415, "unsupported Content-Type \"" + std::string(type) +
                                         "\": send application/x-protobuf or application/json\n"));
    return;
  }
  std::string_view enc = req.Header("Content-Encoding");
  // Protobuf pushes are snappy-compressed without saying so; JSON ones are plain unless marked.
  auto encoding = net::ParseContentEncoding(enc.empty() ? (json ? "identity" : "snappy") : enc);
  if (!encoding) {
    respond(net::HttpResponse::Text(415,
                                    "unsupported Content-Encoding \"" + std::string(enc) + "\"\n"));
    return;
  }
  auto body = net::Decompress(*encoding, req.body, 8 * cfg_.protocols.http->max_request_body_size);
  if (!body.ok()) {
    respond(net::HttpResponse::Text(400, std::string(body.status().message()) + "\n"));
    return;
  }
  auto streams = json ? DecodePushJson(*body) : DecodePushProtobuf(*body);
  if (!streams.ok()) {
    respond(net::HttpResponse::Text(400, std::string(streams.status().message()) + "\n"));
    return;
  }
  const uint64_t now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
  size_t records = 0;
  pdata::LogBatch batch = ToLogs(*streams, cfg_.use_incoming_timestamp, now_ns, &records);
  if (records == 0) {
    respond(net::HttpResponse::Text(204, ""));
    return;
  }
  if (cfg_.protocols.http->include_metadata)  // every header, as confighttp does
    for (const auto& [name, value] : req.headers) batch.AddMetadata(name, value);
  next_->Consume(std::move(batch), Completion([accepted = accepted_, refused = refused_, records,
                                               respond = std::move(respond)](Status s) mutable {
                   if (s.ok()) {
                     accepted->Add(records);
                     respond(net::HttpResponse::Text(204, ""));
                     return;
                   }
                   refused->Add(records);
                   respond(net::HttpResponse::Text(s.retryable() ? 503 : 400,
                                                   std::string(s.message()) + "\n"));
                 }));
}

}  // namespace otter::loki_receiver
