// The `health_check` extension: GET <path> on <endpoint> answers 200
// {"status":"Server available","upSince":...,"uptime":...} while the collector is ready (and, with
// check_collector_pipeline.enabled, no exporter is failing), else 503
// {"status":"Server not available",...}. State comes from the StatusHub in ComponentContext.
// Thread-safety: Start/Shutdown from the service thread; requests on the HTTP server's thread.
#pragma once

#include <chrono>
#include <memory>

#include "component/component.h"
#include "extensions/health_check/config.h"
#include "net/http_server.h"

namespace otter::health_check {

class HealthCheckExtension final : public Extension {
 public:
  HealthCheckExtension(const ComponentContext& ctx, const HealthCheckConfig& config);
  ~HealthCheckExtension() override;
  Status Start() override;
  void Shutdown() override;
  int port() const { return server_ ? server_->port() : 0; }

  // The answer to a health request right now (exposed for tests).
  net::HttpResponse Answer() const;

 private:
  bool Matches(std::string_view path) const;

  ComponentContext ctx_;
  HealthCheckConfig config_;
  std::chrono::system_clock::time_point started_;
  std::unique_ptr<net::HttpServer> server_;
};

// Go's time.Duration.String() ("1h2m3.5s", "1.5ms", "0s"), which the Go extension reports.
std::string FormatGoDuration(std::chrono::nanoseconds d);
// RFC 3339 with nanoseconds, UTC, trailing zeros trimmed (Go's time.RFC3339Nano).
std::string FormatRfc3339Nano(std::chrono::system_clock::time_point t);

}  // namespace otter::health_check
