// AnomalyProcessor: the `anomaly` processor (metrics). Keeps one analytics::SeriesDetector per
// series (metric name + resource + point attributes, up to max_series) and, for every gauge/sum
// point it scores, adds a point to the gauge <metric><score_suffix> (and, with emit_band, to
// <metric>_anomaly_band_lower/_upper) with the same attributes and time. This is the streaming
// path of issue 18 (Kafka or OTLP in, scores out as metrics, alert rules on them).
// Thread-safety: Consume may run concurrently; the series table has its own mutex.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "analytics/detector.h"
#include "component/component.h"
#include "exporters/exporterhelper/log_throttle.h"
#include "processors/anomaly/config.h"

namespace otter {

// The scoring itself, separate from the pipeline plumbing (tests and benchmarks drive it).
class AnomalyScorer {
 public:
  explicit AnomalyScorer(const AnomalyConfig& cfg);

  struct Stats {
    uint64_t scored_points = 0;
    uint64_t refused_points = 0;  // points of series over max_series
    uint64_t stale_points = 0;    // points not newer than the series' last one
  };
  // Adds the score (and band) metrics to `batch`.
  Stats Apply(pdata::MetricBatch& batch);
  size_t SeriesCount() const;

 private:
  struct Series {
    analytics::SeriesDetector detector;
    uint64_t last_time = 0;
  };
  bool Watched(std::string_view metric) const;

  const AnomalyConfig cfg_;
  analytics::DetectorOptions options_;
  std::unordered_set<std::string_view> watched_;  // views into cfg_.metrics
  mutable std::mutex mu_;
  std::unordered_map<uint64_t, Series> series_;  // GUARDED_BY(mu_)
};

class AnomalyProcessor final : public Processor, public MetricConsumer {
 public:
  AnomalyProcessor(const ComponentContext& ctx, const AnomalyConfig& cfg, MetricConsumer* next);

  Consumers consumers() override {
    Consumers c;
    c.metrics = this;
    return c;
  }
  bool MutatesData() const override { return true; }
  void Consume(pdata::MetricBatch&& batch, Completion done) override;

 private:
  AnomalyScorer scorer_;
  MetricConsumer* const next_;
  std::shared_ptr<spdlog::logger> logger_;
  std::unique_ptr<telemetry::SelfMetrics> own_metrics_;
  telemetry::Counter* scored_ = nullptr;
  telemetry::Counter* refused_ = nullptr;
  telemetry::Counter* stale_ = nullptr;
  exporterhelper::LogThrottle log_throttle_{std::chrono::seconds(10)};
};

}  // namespace otter
