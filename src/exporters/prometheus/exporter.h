// The `prometheus` exporter: serves the metrics it receives at http(s)://<endpoint>/metrics for
// Prometheus to scrape (exporters/prometheus/exposition.h holds and renders them). Answers a
// scrape in OpenMetrics when enable_open_metrics is set and the scraper accepts it.
// Thread-safety: Consume from pipeline threads; scrapes on the server's thread; Start/Shutdown
// on the service thread.
#pragma once

#include <memory>

#include "component/component.h"
#include "exporters/exporterhelper/exporter_counters.h"
#include "exporters/exporterhelper/log_throttle.h"
#include "exporters/prometheus/exposition.h"

namespace otter::net {
class HttpServer;
}

namespace otter::prometheus_exporter {

class PrometheusExporter final : public Exporter, public MetricConsumer {
 public:
  PrometheusExporter(const ComponentContext& ctx, const PrometheusExporterConfig& cfg);
  ~PrometheusExporter() override;

  Status Start() override;  // binds the endpoint; errors name it
  void Shutdown() override;
  Consumers consumers() override {
    Consumers c;
    c.metrics = this;
    return c;
  }
  void Consume(pdata::MetricBatch&& batch, Completion done) override;

  int port() const;
  Exposition& exposition() { return exposition_; }

 private:
  const PrometheusExporterConfig cfg_;
  std::shared_ptr<spdlog::logger> logger_;
  std::unique_ptr<telemetry::SelfMetrics> own_metrics_;
  exporterhelper::ExporterCounters counters_;
  exporterhelper::LogThrottle drop_log_{std::chrono::seconds(10)};
  Exposition exposition_;
  std::unique_ptr<net::HttpServer> server_;
};

}  // namespace otter::prometheus_exporter
