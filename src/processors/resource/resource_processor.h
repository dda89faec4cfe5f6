// The resource processor (otelcol's `resource`): runs the configured attribute actions on the
// resource attributes of every resource in a batch, for traces, metrics and logs. Mutates
// batches in place. Consume may run concurrently: all state is immutable.
#pragma once

#include <memory>

#include "component/component.h"
#include "processors/attraction/actions.h"

namespace otter {

template <class B>
class ResourceProcessor final : public Processor, public Consumer<B> {
 public:
  ResourceProcessor(std::shared_ptr<const attraction::AttrActions> actions, Consumer<B>* next)
      : actions_(std::move(actions)), next_(next) {}

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
    pdata::ArenaSet& arenas = batch.arenas();
    const auto bound = actions_->Bind(arenas);
    for (auto& r : batch.resources()) actions_->Apply(r.resource.attributes, bound, arenas);
    next_->Consume(std::move(batch), std::move(done));
  }

 private:
  const std::shared_ptr<const attraction::AttrActions> actions_;
  Consumer<B>* const next_;
};

}  // namespace otter
