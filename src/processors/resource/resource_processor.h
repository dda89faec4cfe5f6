// The resource processor (otelcol's `resource`): runs the configured attribute actions on the
// resource attributes of every resource in a batch, for traces, metrics and logs. Mutates
// batches in place. Consume may run concurrently: all state is immutable.
#pragma once

#include <memory>

#include "processors/attraction/actions.h"
#include "processors/attraction/in_place_processor.h"

namespace otter {

template <class B>
class ResourceProcessor final : public InPlaceProcessor<B> {
 public:
  ResourceProcessor(std::shared_ptr<const attraction::AttrActions> actions, Consumer<B>* next)
      : InPlaceProcessor<B>(next), actions_(std::move(actions)) {}

  void Process(B& batch) const override {
    pdata::ArenaSet& arenas = batch.arenas();
    const auto bound = actions_->Bind(arenas, batch.metadata(), batch.client_ip());
    for (auto& r : batch.resources()) actions_->Apply(r.resource.attributes, bound, arenas);
  }

 private:
  const std::shared_ptr<const attraction::AttrActions> actions_;
};

}  // namespace otter
