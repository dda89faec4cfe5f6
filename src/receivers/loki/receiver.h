// The `loki` receiver: Promtail, Grafana Alloy, the loki exporter — anything that speaks Loki's
// push API — can send into an otter pipeline. POST /loki/api/v1/push (protobuf + snappy, or JSON,
// optionally gzip) becomes one log batch (push_request.h), answered when the pipeline answers:
// 204, 503 on a retryable refusal, 400 on a permanent one or a malformed body.
// Thread-safety: Start/Shutdown from the service thread; requests on the server's I/O thread.
#pragma once

#include <memory>

#include "component/component.h"
#include "receivers/loki/config.h"

namespace otter::net {
class HttpServer;
struct HttpRequest;
class HttpResponder;
}  // namespace otter::net

namespace otter::auth {
class ServerAuthGuard;
}

namespace otter::loki_receiver {

class LokiReceiver final : public Receiver {
 public:
  LokiReceiver(const ComponentContext& ctx, const LokiReceiverConfig& cfg, LogConsumer* next,
               std::shared_ptr<const auth::ServerAuthGuard> guard = nullptr);
  ~LokiReceiver() override;

  Status Start() override;
  void Shutdown() override;
  int port() const;

 private:
  void Handle(net::HttpRequest&& req, net::HttpResponder respond);

  const LokiReceiverConfig cfg_;
  LogConsumer* const next_;
  std::shared_ptr<spdlog::logger> logger_;
  std::shared_ptr<const auth::ServerAuthGuard> guard_;  // checks headers before the body
  std::unique_ptr<telemetry::SelfMetrics> own_metrics_;
  telemetry::Counter* accepted_ = nullptr;
  telemetry::Counter* refused_ = nullptr;
  std::unique_ptr<net::HttpServer> server_;
};

}  // namespace otter::loki_receiver
