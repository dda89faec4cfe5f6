// CardinalityGuard: the `cardinality_guard` processor (metrics), otter's answer to the seed's
// "high cardinality" troubleshooting entry. Two independent defences:
//  - exemplar_attributes: the named attributes (a trace id, a user id) leave every data point and
//    are kept in an exemplar of that point; points of one metric left with equal attributes
//    and time are merged (starting at the earliest start) (sums added, histogram buckets added,
//    gauges keep the last).
//  - max_series_per_metric: at most N series (resource + point attributes) per metric name; the
//    points of further series lose their attributes for otel.metric.overflow=true, the OTel SDK's
//    cardinality-limit convention, and merge there. A series unseen for series_ttl frees its place.
// Summary points cannot merge: they keep their attributes, and over the limit they are dropped
// (counted). Thread-safety: Apply() may run concurrently; the series table has its own mutex.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "component/component.h"
#include "exporters/exporterhelper/clock.h"
#include "exporters/exporterhelper/log_throttle.h"
#include "processors/cardinality_guard/config.h"

namespace otter {

inline constexpr std::string_view kOverflowAttribute = "otel.metric.overflow";

class CardinalityGuard {
 public:
  CardinalityGuard(const CardinalityGuardConfig& cfg, exporterhelper::Clock& clock);

  struct Stats {
    uint64_t moved_points = 0;     // points that gave attributes to an exemplar
    uint64_t merged_points = 0;    // points folded into another (the batch has that many fewer)
    uint64_t overflow_points = 0;  // points moved to the overflow series
    uint64_t dropped_points = 0;   // summary points over the limit
    std::string first_overflow;    // a metric that overflowed in this call (for the log line)
  };
  Stats Apply(pdata::MetricBatch& batch);

  // Series currently tracked for `metric` (tests).
  size_t SeriesCount(std::string_view metric) const;

 private:
  struct MetricSeries {
    std::unordered_map<uint64_t, exporterhelper::Clock::TimePoint> last_seen;
  };
  // True if the series may keep its attributes (it is known, or there is room for it).
  bool Admit(std::string_view metric, uint64_t series, exporterhelper::Clock::TimePoint now);
  void ExpireLocked(exporterhelper::Clock::TimePoint now);

  const CardinalityGuardConfig cfg_;
  exporterhelper::Clock& clock_;
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  mutable std::mutex mu_;
  std::unordered_map<std::string, MetricSeries, NameHash, std::equal_to<>>
      series_;                                      // GUARDED_BY(mu_)
  exporterhelper::Clock::TimePoint next_expiry_{};  // GUARDED_BY(mu_)
};

class CardinalityGuardProcessor final : public Processor, public MetricConsumer {
 public:
  CardinalityGuardProcessor(const ComponentContext& ctx, const CardinalityGuardConfig& cfg,
                            MetricConsumer* next);

  Consumers consumers() override {
    Consumers c;
    c.metrics = this;
    return c;
  }
  bool MutatesData() const override { return true; }
  void Consume(pdata::MetricBatch&& batch, Completion done) override;

  CardinalityGuard& guard() { return guard_; }

 private:
  exporterhelper::SteadyClock clock_;
  CardinalityGuard guard_;
  MetricConsumer* const next_;
  std::shared_ptr<spdlog::logger> logger_;
  std::unique_ptr<telemetry::SelfMetrics> own_metrics_;
  telemetry::Counter* moved_ = nullptr;
  telemetry::Counter* overflow_ = nullptr;
  telemetry::Counter* dropped_ = nullptr;
  exporterhelper::LogThrottle log_throttle_{std::chrono::seconds(10)};
};

}  // namespace otter
