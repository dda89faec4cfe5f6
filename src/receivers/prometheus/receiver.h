// The `prometheus` receiver: scrapes targets like a Prometheus server (static_configs and
// file_sd_configs, relabel_configs) and passes each scrape to the pipeline as one OTLP batch
// (target_converter.h). Each target runs on its own worker thread with its own timer, offset
// within the interval by a hash of the target as Prometheus does, so a slow target never delays
// another; a target that disappears from discovery gets stale markers.
// Thread-safety: Start/Shutdown from the service thread; one worker per target and one
// discovery thread, all joined by Shutdown.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "component/component.h"
#include "exporters/exporterhelper/log_throttle.h"
#include "receivers/prometheus/config.h"
#include "receivers/prometheus/target_converter.h"

namespace otter::otlp_http_exporter {
class HttpClient;
}

namespace otter::promscrape {

// A target after relabeling: its labels and where to scrape it.
struct ResolvedTarget {
  LabelSet labels;  // final labels (no "__" names)
  std::string url;  // scheme://address/path?params
  std::string scheme;
  config::Duration interval{0}, timeout{0};
};

// Prometheus's target construction for one discovered label set: defaults (job, __scheme__,
// __metrics_path__, __scrape_interval__, __scrape_timeout__, __param_*), relabel_configs, a
// default port, instance = __address__. nullopt when dropped; an error when it has no address.
StatusOr<std::optional<ResolvedTarget>> ResolveTarget(const PromScrapeConfig& sc,
                                                      const LabelSet& discovered);

class PrometheusReceiver final : public Receiver {
 public:
  PrometheusReceiver(const ComponentContext& ctx, const PrometheusReceiverConfig& cfg,
                     MetricConsumer* next);
  ~PrometheusReceiver() override;

  Status Start() override;
  void Shutdown() override;

 private:
  struct Target;
  struct Pool;
  void DiscoveryLoop();
  void SyncPool(Pool& pool, const std::vector<LabelSet>& discovered);
  void RunTarget(Target* t);
  void ScrapeOnce(Target* t);
  void Send(pdata::MetricBatch&& batch);

  const PrometheusReceiverConfig cfg_;
  MetricConsumer* const next_;
  std::shared_ptr<spdlog::logger> logger_;
  std::unique_ptr<telemetry::SelfMetrics> own_metrics_;
  telemetry::Counter* accepted_ = nullptr;
  telemetry::Counter* refused_ = nullptr;
  telemetry::Counter* failed_scrapes_ = nullptr;
  telemetry::Counter* dropped_samples_ = nullptr;
  exporterhelper::LogThrottle log_throttle_{std::chrono::seconds(10)};
  std::vector<std::unique_ptr<Pool>> pools_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // GUARDED_BY(mu_)
  std::thread discovery_;
};

}  // namespace otter::promscrape
