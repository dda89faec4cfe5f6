// The attributes processor (otelcol's `attributes`): runs the configured attribute actions on
// every span, log record or metric data point that passes include/exclude. Mutates batches in
// place (a fan-out hands it a clone). Consume may run concurrently: all state is immutable.
#pragma once

#include <memory>
#include <type_traits>

#include "component/component.h"
#include "processors/attraction/actions.h"
#include "processors/attributes/match.h"

namespace otter {

template <class B>
class AttributesProcessor final : public Processor, public Consumer<B> {
 public:
  AttributesProcessor(std::shared_ptr<const attraction::AttrActions> actions,
                      attributes::ItemFilter filter, Consumer<B>* next)
      : actions_(std::move(actions)), filter_(std::move(filter)), next_(next) {}

  Consumers consumers() override {
    Consumers c;
    if constexpr (std::is_same_v<B, pdata::TraceBatch>)
      c.traces = this;
    else if constexpr (std::is_same_v<B, pdata::MetricBatch>)
      c.metrics = this;
    else
      c.logs = this;
    return c;
  }
  bool MutatesData() const override { return true; }

  void Consume(B&& batch, Completion done) override {
    Process(batch);
    next_->Consume(std::move(batch), std::move(done));
  }

  // Applies the actions to `batch` (exposed for tests and benchmarks).
  void Process(B& batch) const {
    pdata::ArenaSet& arenas = batch.arenas();
    const auto bound = actions_->Bind(arenas);
    using attributes::Matcher;
    for (auto& rs : batch.resources()) {
      const pdata::Resource& res = rs.resource;
      if constexpr (std::is_same_v<B, pdata::TraceBatch>) {
        for (auto& ss : rs.scope_spans)
          for (auto& span : ss.spans)
            if (filter_.Process([&](const Matcher& m) { return m.MatchSpan(res, ss.scope, span); }))
              actions_->Apply(span.attributes, bound, arenas);
      } else if constexpr (std::is_same_v<B, pdata::LogBatch>) {
        for (auto& sl : rs.scope_logs)
          for (auto& log : sl.log_records)
            if (filter_.Process([&](const Matcher& m) { return m.MatchLog(res, sl.scope, log); }))
              actions_->Apply(log.attributes, bound, arenas);
      } else {
        for (auto& sm : rs.scope_metrics)
          for (auto& metric : sm.metrics) {
            if (!filter_.Process([&](const Matcher& m) { return m.MatchMetric(res, metric); }))
              continue;
            for (auto& p : metric.number_points) actions_->Apply(p.attributes, bound, arenas);
            for (auto& p : metric.histogram_points) actions_->Apply(p.attributes, bound, arenas);
            for (auto& p : metric.exp_histogram_points)
              actions_->Apply(p.attributes, bound, arenas);
            for (auto& p : metric.summary_points) actions_->Apply(p.attributes, bound, arenas);
          }
      }
    }
  }

 private:
  const std::shared_ptr<const attraction::AttrActions> actions_;
  const attributes::ItemFilter filter_;
  Consumer<B>* const next_;
};

}  // namespace otter
