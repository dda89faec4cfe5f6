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
#include <string>
#include <utility>
#include <vector>

namespace otter::telemetry {

using Labels = std::vector<std::pair<std::string, std::string>>;

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

class SelfMetrics {
 public:
  // Returns the counter for (name, labels), creating it at 0. References stay valid.
  Counter& GetCounter(const std::string& name, const std::string& help, Labels labels);
  Gauge& GetGauge(const std::string& name, const std::string& help, Labels labels);
  // A gauge computed at render time (e.g. process RSS).
  void AddCallbackGauge(const std::string& name, const std::string& help, Labels labels,
                        std::function<double()> fn);

  // Prometheus text exposition format 0.0.4.
  std::string RenderPrometheus() const;
  // Value of a counter or gauge, for tests; -1 if absent.
  double Value(const std::string& name, const Labels& labels) const;

 private:
  struct Family {
    std::string help;
    std::string type;  // "counter" or "gauge"
    std::map<Labels, std::unique_ptr<Counter>> counters;
    std::map<Labels, std::unique_ptr<Gauge>> gauges;
    std::map<Labels, std::function<double()>> callbacks;
  };
  mutable std::mutex mu_;
  std::map<std::string, Family> families_;  // GUARDED_BY(mu_)
};

}  // namespace otter::telemetry
