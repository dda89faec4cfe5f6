// The servicegraph connector (contrib's servicegraphconnector): pairs the client (or producer)
// span of a call with the server (or consumer) span it reached — or a client span naming a
// database — and emits, per edge (client, server, connection_type, failed and configured
// dimensions), traces_service_graph_request_total, traces_service_graph_request_failed_total and
// the latency histograms traces_service_graph_request_server / _client (unit s), every
// metrics_flush_interval (0 = after every batch) and once more at shutdown. Unpaired spans wait
// in an EdgeStore bounded by store.ttl and store.max_items; expired edges and refused spans are
// counted in self-metrics. It answers the traces pipeline once the spans are recorded.
// Thread-safety: Consume from any thread; state guarded by mu_; Flush and Tick run on the
// background threads (or a test's thread) and send outside the lock.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "component/component.h"
#include "connectors/periodic_task.h"
#include "connectors/servicegraph/config.h"
#include "connectors/servicegraph/edge_store.h"
#include "connectors/span_histogram.h"

namespace otter {

class ServiceGraphConnector final : public Connector, public TraceConsumer {
 public:
  using NowFn = std::function<uint64_t()>;  // unix time in ns; tests pass a fake clock
  ServiceGraphConnector(const ComponentContext& ctx, const ServiceGraphConfig& cfg,
                        MetricConsumer* next, NowFn now = nullptr);
  ~ServiceGraphConnector() override;

  Status Start() override;
  void Shutdown() override;  // stops the loops and flushes once more
  Consumers consumers() override { return {this, nullptr, nullptr}; }
  void Consume(pdata::TraceBatch&& batch, Completion done) override;

  // Emits the metrics of every completed edge so far (cumulative).
  void Flush();
  // Expires unpaired edges past their ttl and, every cache_loop, series idle for 15 minutes
  // (the expiry thread calls it every store_expiration_loop).
  void Tick();

 private:
  struct Series {
    std::vector<std::pair<std::string, std::string>> dimensions;  // client_<d>/server_<d>
    std::string client, server, connection_type;
    bool failed = false;
    uint64_t total = 0, failed_total = 0;
    ExplicitHistogram server_hist, client_hist;
    std::unique_ptr<ExponentialHistogram> server_exp, client_exp;
    uint64_t last_updated_ns = 0;
  };
  void OnComplete(const Edge& e, uint64_t now);
  void Dimensions(const char* side, const pdata::Attributes& resource,
                  const pdata::Attributes& span, Edge& e) const;
  pdata::MetricBatch Build(uint64_t now);

  const ServiceGraphConfig cfg_;
  const std::vector<double> bounds_;
  const std::vector<std::string> db_attributes_;
  MetricConsumer* const next_;
  NowFn now_;
  std::shared_ptr<spdlog::logger> logger_;
  uint64_t start_ns_;

  std::mutex mu_;
  EdgeStore store_;                                 // GUARDED_BY(mu_)
  std::unordered_map<std::string, Series> series_;  // GUARDED_BY(mu_)
  uint64_t last_cache_clean_ns_;                    // GUARDED_BY(mu_)
  std::string key_;                                 // GUARDED_BY(mu_): scratch
  std::mutex flush_mu_;                             // one Flush at a time

  PeriodicTask flusher_, expirer_;
  std::unique_ptr<telemetry::SelfMetrics> own_metrics_;
  telemetry::Counter* total_edges_;
  telemetry::Counter* expired_edges_;
  telemetry::Counter* dropped_spans_;
  telemetry::Counter* flush_failures_;
};

}  // namespace otter
