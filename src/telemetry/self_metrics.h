// SelfMetrics: otter's own counters and gauges (otelcol_* names), rendered in Prometheus text
// format on service.telemetry.metrics.address. Counters are lock-free once created; creation and
// rendering take a mutex. Handed to components through ComponentContext, never a global.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace otter::telemetry {

using Labels = std::vector<std::pair<std::string, std::string>>;

// service.telemetry.metrics.level, with otelcol's names. Each family has the lowest level at
// which it is exposed (MinLevel): basic = the pipeline's accounting counters (received, sent,
// failed, dropped, refused, queue size), normal (the default) = everything otter emits except
// what detailed adds, detailed = also per-request latency histograms that cost a clock read per
// request. none exposes nothing (main does not even open the endpoint).
enum class MetricsLevel { kNone = 0, kBasic = 1, kNormal = 2, kDetailed = 3 };
// "none" | "basic" | "normal" | "detailed"; anything else → nullopt.
std::optional<MetricsLevel> ParseMetricsLevel(std::string_view name);
// The lowest level at which the family `name` is exposed.
MetricsLevel MinLevel(std::string_view name);

class Counter {
 public:
  void Add(uint64_t n) { v_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

class Gauge {
 public:
  void Set(int64_t v) { v_.store(v, std::memory_order_relaxed); }
  void Add(int64_t d) { v_.fetch_add(d, std::memory_order_relaxed); }
  int64_t value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> v_{0};
};

// Cumulative buckets with fixed upper bounds (Prometheus histogram). Observe is lock-free.
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void Observe(double v);
  const std::vector<double>& bounds() const { return bounds_; }
  uint64_t bucket(size_t i) const {
    return counts_[i].load(std::memory_order_relaxed);
  }  // not cumulative
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  double sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // one per bound
  std::atomic<uint64_t> count_{0};
  std::atomic<double> sum_{0};
};

class SelfMetrics {
 public:
  // Families below `level` are left out of RenderPrometheus (they still count, so switching the
  // level on reload loses nothing). Components ask level() before creating instruments that
  // cost something per item (histograms at kDetailed). Default kNormal.
  void SetLevel(MetricsLevel level) { level_.store(level, std::memory_order_relaxed); }
  MetricsLevel level() const { return level_.load(std::memory_order_relaxed); }

  // Returns the counter for (name, labels), creating it at 0. References stay valid.
  Counter& GetCounter(const std::string& name, const std::string& help, Labels labels);
  Gauge& GetGauge(const std::string& name, const std::string& help, Labels labels);
  // `bounds` ascending; used only when the histogram is created.
  Histogram& GetHistogram(const std::string& name, const std::string& help, Labels labels,
                          std::vector<double> bounds);
  // A gauge computed at render time (e.g. process RSS).
  void AddCallbackGauge(const std::string& name, const std::string& help, Labels labels,
                        std::function<double()> fn);
  // Unregisters it: an owner whose callbacks capture `this` calls it before it goes away.
  void RemoveCallbackGauge(const std::string& name, Labels labels);

  // Prometheus text exposition format 0.0.4; only families whose MinLevel <= level().
  std::string RenderPrometheus() const;
  // Value of a counter or gauge, for tests; -1 if absent.
  double Value(const std::string& name, const Labels& labels) const;

 private:
  struct Family {
    std::string help;
    std::string type;  // "counter", "gauge" or "histogram"
    std::map<Labels, std::unique_ptr<Counter>> counters;
    std::map<Labels, std::unique_ptr<Gauge>> gauges;
    std::map<Labels, std::function<double()>> callbacks;
    std::map<Labels, std::unique_ptr<Histogram>> histograms;
  };
  mutable std::mutex mu_;
  std::map<std::string, Family> families_;  // GUARDED_BY(mu_)
  std::atomic<MetricsLevel> level_{MetricsLevel::kNormal};
};

// The registry a component counts in: `given` (the collector's, from ComponentContext) or, when
// there is none (a component built on its own, as in tests and benchmarks), a private one created
// in `own`. `own` is a shared_ptr where something that outlives the component (a completion, a
// callback) keeps the registry alive.
inline SelfMetrics* GivenOrOwn(SelfMetrics* given, std::unique_ptr<SelfMetrics>& own) {
  if (given) return given;
  own = std::make_unique<SelfMetrics>();
  return own.get();
}
inline SelfMetrics* GivenOrOwn(SelfMetrics* given, std::shared_ptr<SelfMetrics>& own) {
  if (given) return given;
  own = std::make_shared<SelfMetrics>();
  return own.get();
}

}  // namespace otter::telemetry
