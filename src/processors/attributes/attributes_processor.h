// The attributes processor (otelcol's `attributes`): runs the configured attribute actions on
// every span, log record or metric data point that passes include/exclude. Mutates batches in
// place (a fan-out hands it a clone). Consume may run concurrently: all state is immutable.
#pragma once

#include <memory>
#include <type_traits>

#include "processors/attraction/actions.h"
#include "processors/attraction/in_place_processor.h"
#include "processors/attributes/match.h"

namespace otter {

template <class B>
class AttributesProcessor final : public InPlaceProcessor<B> {
 public:
  AttributesProcessor(std::shared_ptr<const attraction::AttrActions> actions,
                      attributes::ItemFilter filter, Consumer<B>* next)
      : InPlaceProcessor<B>(next), actions_(std::move(actions)), filter_(std::move(filter)) {}

  void Process(B& batch) const override {
    pdata::ArenaSet& arenas = batch.arenas();
    const auto bound = actions_->Bind(arenas, batch.metadata(), batch.client_ip());
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
};

}  // namespace otter
