// Exposition: the state behind the `prometheus` exporter's /metrics. Each OTLP data point
// updates the one series it maps to (last value wins; delta monotonic sums and delta histograms
// are added up into cumulative ones, as the Go exporter's accumulator does), and a scrape renders
// every series updated within metric_expiration as Prometheus text 0.0.4 or OpenMetrics 1.0.
// Names and labels follow store/prom_naming.h (the store's translation): job and instance from
// service.*, otel_scope_* labels, target_info per resource, const_labels, namespace.
// Thread-safety: Add and Render may run concurrently (one mutex).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "exporters/prometheus/config.h"
#include "pdata/batch.h"

namespace otter::prometheus_exporter {

class Exposition {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  using Clock = std::function<TimePoint()>;
  explicit Exposition(
      const PrometheusExporterConfig& cfg,
      Clock clock = [] { return std::chrono::steady_clock::now(); });

  struct AddResult {
    size_t accepted = 0;
    size_t dropped = 0;
    std::string drop_reason;  // the first one, for the log
  };
  AddResult Add(const pdata::MetricBatch& batch);

  // Forgets series not updated within metric_expiration, then renders the rest: families sorted
  // by name, series by labels. open_metrics: OpenMetrics 1.0 with exemplars and "# EOF".
  std::string Render(bool open_metrics);

  size_t SeriesCount() const;

 private:
  enum class Type { kCounter, kGauge, kHistogram, kSummary };
  struct Exemplar {
    std::string labels;  // trace_id="…",span_id="…"
    double value = 0;
    uint64_t t_ns = 0;
  };
  struct Series {
    uint64_t t_ns = 0;
    double value = 0;                                  // counter, gauge
    std::vector<double> bounds;                        // histogram
    std::vector<uint64_t> buckets;                     // histogram: per bucket, not cumulative
    std::vector<std::pair<double, double>> quantiles;  // summary
    uint64_t count = 0;
    double sum = 0;
    std::vector<std::optional<Exemplar>> exemplars;  // counter: [0]; histogram: per bucket
    TimePoint updated;
  };
  struct Family {
    Type type = Type::kGauge;
    std::string help;
    std::map<std::string, Series> series;  // by rendered labels
  };

  struct PointLabels;
  void AddMetric(const pdata::Metric& m, const PointLabels& base, AddResult& r);
  Family* FamilyFor(const std::string& name, Type type, std::string_view help, AddResult& r,
                    size_t points);
  void RenderFamily(const std::string& name, const Family& f, bool om, std::string& out) const;

  const PrometheusExporterConfig cfg_;
  const Clock clock_;
  mutable std::mutex mu_;
  std::map<std::string, Family> families_;  // GUARDED_BY(mu_)
};

}  // namespace otter::prometheus_exporter
