// FilterProcessor<B>: otelcol's `filter` for one (pipeline, signal). Drops every item for which
// any condition of its context holds: resources, scopes, spans (with their events), span events,
// metrics, data points, log records. Scopes and resources left empty are removed; a metric left
// without data points is removed. When nothing is left the batch is answered OK and not passed
// on. Dropped items are counted in otelcol_processor_filter_{spans,datapoints,logs}_filtered
// {filter="<id>"} (otelcol's processor_filter_*.filtered, spelled for Prometheus text).
// Thread-safety: Consume is called concurrently; conditions are immutable, counters atomic.
#pragma once

#include <memory>

#include "component/component.h"
#include "ottl/runner.h"
#include "processors/filter/config.h"

namespace otter {

template <class B>
class FilterProcessor final : public Processor, public Consumer<B> {
 public:
  FilterProcessor(const ComponentContext& ctx, const FilterConditions& conditions,
                  ottl::ErrorMode mode, Consumer<B>* next);

  Consumers consumers() override;
  bool MutatesData() const override { return true; }
  void Consume(B&& batch, Completion done) override;

  // Removes matching items from `batch` in place.
  Status Apply(B& batch) const;

 private:
  FilterConditions conditions_;
  ottl::ErrorHandler errors_;
  Consumer<B>* next_;
  std::shared_ptr<spdlog::logger> logger_;
  std::unique_ptr<telemetry::SelfMetrics> own_metrics_;
  telemetry::Counter* filtered_ = nullptr;
};

extern template class FilterProcessor<pdata::TraceBatch>;
extern template class FilterProcessor<pdata::MetricBatch>;
extern template class FilterProcessor<pdata::LogBatch>;

}  // namespace otter
