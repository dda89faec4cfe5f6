// The `prometheusremotewrite` receiver: Prometheus servers and agents `remote_write` into otter
// (POST /api/v1/write, Remote Write 1.0: snappy-compressed protobuf). Each request becomes one
// metric batch (write_request.h) and is answered when the pipeline answers: 204 on success, 503
// when the pipeline refuses retryably (Prometheus retries 5xx), 400 otherwise and for malformed
// requests, 415 for Remote Write 2.0 (not supported yet).
// Thread-safety: Start/Shutdown from the service thread; requests on the server's I/O thread.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "component/component.h"
#include "exporters/exporterhelper/log_throttle.h"
#include "receivers/prometheusremotewrite/config.h"
#include "receivers/prometheusremotewrite/write_request.h"

namespace otter::net {
class HttpServer;
struct HttpRequest;
class HttpResponder;
}  // namespace otter::net

namespace otter::auth {
class ServerAuthGuard;
}

namespace otter::prometheusremotewrite {

class RemoteWriteReceiver final : public Receiver {
 public:
  RemoteWriteReceiver(const ComponentContext& ctx, const PrometheusRemoteWriteReceiverConfig& cfg,
                      MetricConsumer* next,
                      std::shared_ptr<const auth::ServerAuthGuard> guard = nullptr);
  ~RemoteWriteReceiver() override;

  Status Start() override;
  void Shutdown() override;
  int port() const;

 private:
  void Handle(net::HttpRequest&& req, net::HttpResponder respond);

  const PrometheusRemoteWriteReceiverConfig cfg_;
  MetricConsumer* const next_;
  std::shared_ptr<spdlog::logger> logger_;
  std::shared_ptr<const auth::ServerAuthGuard> guard_;  // checks headers before the body
  std::unique_ptr<telemetry::SelfMetrics> own_metrics_;
  telemetry::Counter* accepted_ = nullptr;
  telemetry::Counter* refused_ = nullptr;
  telemetry::Counter* untranslated_ = nullptr;
  exporterhelper::LogThrottle log_throttle_{std::chrono::seconds(10)};
  std::mutex mu_;
  std::map<std::string, FamilyInfo, std::less<>> families_;  // GUARDED_BY(mu_)
  std::unique_ptr<net::HttpServer> server_;
};

}  // namespace otter::prometheusremotewrite
