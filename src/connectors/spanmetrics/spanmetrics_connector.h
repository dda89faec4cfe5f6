// The spanmetrics connector (contrib's spanmetricsconnector): turns spans into RED metrics,
// `<namespace>.calls` (a monotonic sum) and `<namespace>.duration` (a histogram, explicit or
// exponential), per service.name, span.name, span.kind, status.code and configured dimensions,
// grouped by resource, optionally `<namespace>.events` per span event, and emits them every
// metrics_flush_interval (and once more at shutdown) to its metrics pipelines. It answers the
// traces pipeline as soon as the spans are counted: it aggregates, so nothing upstream waits
// for the metrics' export.
// Thread-safety: Consume from any thread; the aggregation is guarded by mu_; Flush runs on the
// flush thread (or a test's thread) and sends outside the lock.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "component/component.h"
#include "connectors/periodic_task.h"
#include "connectors/span_histogram.h"
#include "connectors/spanmetrics/config.h"

namespace otter {

class SpanMetricsConnector final : public Connector, public TraceConsumer {
 public:
  using NowFn = std::function<uint64_t()>;  // unix time in ns; tests pass a fake clock
  SpanMetricsConnector(const ComponentContext& ctx, const SpanMetricsConfig& cfg,
                       MetricConsumer* next, NowFn now = nullptr);
  ~SpanMetricsConnector() override;

  Status Start() override;   // starts the flush thread
  void Shutdown() override;  // stops it and flushes once more (the downstream still runs)
  Consumers consumers() override { return {this, nullptr, nullptr}; }
  void Consume(pdata::TraceBatch&& batch, Completion done) override;

  // Emits the metrics of everything aggregated so far (the flush thread calls it every
  // interval; tests call it after moving their fake clock).
  void Flush();
  // What Flush would send now, without sending it or resetting anything (for tests).
  pdata::MetricBatch Snapshot();

 private:
  struct Series {
    pdata::Attributes attributes;  // views into the group's arena
    uint64_t start_ns = 0;
    uint64_t calls = 0;
    ExplicitHistogram histogram;
    std::unique_ptr<ExponentialHistogram> exponential;
    std::vector<pdata::Exemplar> exemplars;  // this interval's
  };
  using SeriesMap = std::unordered_map<std::string, Series>;
  struct ResourceGroup {
    pdata::ArenaSet arena;  // shared read-only with emitted batches
    pdata::Attributes attributes;
    SeriesMap spans, events;
    uint64_t last_seen_ns = 0;
  };

  ResourceGroup& GroupFor(const pdata::Resource& resource, uint64_t now);
  Series& SeriesFor(ResourceGroup& g, SeriesMap& map, uint64_t now,
                    const std::vector<std::pair<std::string_view, const pdata::AnyValue*>>& dims);
  void Record(Series& s, const pdata::Span& span, double duration, bool histogram);
  pdata::MetricBatch Build(uint64_t now);
  void Reset(uint64_t now);  // after a flush: delta resets, cumulative expires and clears

  const SpanMetricsConfig cfg_;
  const std::vector<double> bounds_;
  const size_t series_limit_;
  MetricConsumer* const next_;
  NowFn now_;
  std::shared_ptr<spdlog::logger> logger_;
  std::string calls_name_, duration_name_, events_name_;
  std::vector<pdata::AnyValue> defaults_, event_defaults_;  // the dimensions' defaults
  bool default_dims_[4];  // service.name, span.name, span.kind, status.code not excluded

  std::mutex mu_;
  std::unordered_map<std::string, std::unique_ptr<ResourceGroup>> groups_;  // GUARDED_BY(mu_)
  uint64_t start_ns_;    // GUARDED_BY(mu_): start of delta points
  std::string key_;      // GUARDED_BY(mu_): scratch for series keys
  std::mutex flush_mu_;  // one Flush at a time, so points leave in order

  PeriodicTask flusher_;

  std::unique_ptr<telemetry::SelfMetrics> own_metrics_;
  telemetry::Counter* skipped_;
  telemetry::Counter* evicted_;
  telemetry::Counter* flush_failures_;
  telemetry::Counter* dropped_points_;
};

}  // namespace otter
