// The `hostmetrics` receiver: every collection_interval (after initial_delay) it runs each
// configured scraper over /proc, /sys and the mounted file systems below root_path and sends
// what they read as one metric batch (one ResourceMetrics per scraper, one per process for the
// `process` scraper), as otelcol-contrib's hostmetrics receiver does. A read that fails is a
// partial scrape: the rest is still sent, the failure counted
// (otelcol_scraper_errored_metric_points) and logged at most once a minute per scraper.
// Thread-safety: Start/Shutdown from the service thread; scrapes run on the receiver's own
// thread. ScrapeOnce is for tests and benchmarks on a receiver that was not started.
#pragma once

#include <array>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "component/component.h"
#include "exporters/exporterhelper/clock.h"
#include "exporters/exporterhelper/log_throttle.h"
#include "receivers/hostmetrics/config.h"
#include "receivers/hostmetrics/scraper.h"

namespace otter::hostmetrics {

class HostMetricsReceiver final : public Receiver {
 public:
  HostMetricsReceiver(const ComponentContext& ctx, const HostMetricsReceiverConfig& cfg,
                      MetricConsumer* next, HostEnv env);
  ~HostMetricsReceiver() override;

  // Creates and starts the scrapers (reading the boot time: a root_path without /proc/stat
  // fails here), then the scrape thread.
  Status Start() override;
  void Shutdown() override;

  // Creates and starts the scrapers without the thread (for ScrapeOnce).
  Status StartScrapers();
  // One scrape of every scraper into one batch; the errors are counted and logged as usual.
  pdata::MetricBatch ScrapeOnce();
  // Errors of the last ScrapeOnce, per scraper (for tests).
  const ScrapeErrors& last_errors(ScraperKind k) const { return errors_[static_cast<size_t>(k)]; }

 private:
  void Run();
  void Send(pdata::MetricBatch&& batch);

  const HostMetricsReceiverConfig cfg_;
  MetricConsumer* const next_;
  const HostEnv env_;
  std::shared_ptr<spdlog::logger> logger_;
  std::shared_ptr<telemetry::SelfMetrics> own_metrics_;
  telemetry::Counter* accepted_ = nullptr;
  telemetry::Counter* refused_ = nullptr;
  std::array<telemetry::Counter*, kScraperKinds> scraped_{};
  std::array<telemetry::Counter*, kScraperKinds> errored_{};
  std::vector<std::unique_ptr<Scraper>> scrapers_;
  std::array<ScrapeErrors, kScraperKinds> errors_;
  exporterhelper::SteadyClock clock_;
  std::array<std::unique_ptr<exporterhelper::LogThrottle>, kScraperKinds> throttles_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;  // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace otter::hostmetrics
