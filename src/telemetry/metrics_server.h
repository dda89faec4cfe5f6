// MetricsServer: serves otter's self-metrics (SelfMetrics::RenderPrometheus) at GET /metrics on
// service.telemetry.metrics.address (otelcol default localhost:8888), for Prometheus to scrape.
// Owned by the service. Start/Stop/port from the owner's thread; scrapes on the server's thread.
#pragma once

#include <spdlog/logger.h>

#include <memory>
#include <optional>
#include <string>

#include "common/status.h"
#include "net/tls_config.h"
#include "telemetry/self_metrics.h"

namespace otter::net {
class HttpServer;
}

namespace otter::telemetry {

class MetricsServer {
 public:
  // `metrics` must outlive the server. `address` is host:port ("localhost" = 127.0.0.1, port 0 =
  // any free port).
  // With `tls`, the endpoint serves HTTPS only (mTLS with client_ca_file).
  MetricsServer(SelfMetrics& metrics, std::string address,
                std::shared_ptr<spdlog::logger> logger = nullptr,
                std::optional<net::TlsServerSettings> tls = std::nullopt);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  Status Start();  // errors name the address, e.g. a port already in use
  void Stop();     // idempotent
  int port() const;

 private:
  SelfMetrics& metrics_;
  std::string address_;
  std::shared_ptr<spdlog::logger> logger_;
  std::optional<net::TlsServerSettings> tls_;
  std::unique_ptr<net::HttpServer> server_;
};

}  // namespace otter::telemetry
