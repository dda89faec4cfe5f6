// TransformProcessor<B>: otelcol's `transform` for one (pipeline, signal). Runs the configured
// OTTL statement groups, in order, over every item of each group's context level, then passes
// the batch on. A failing statement or group condition follows the group's error_mode
// (propagate: the batch is refused with a permanent error, since the same data would fail again).
// Thread-safety: Consume is called concurrently; the compiled statements are immutable.
#pragma once

#include <memory>
#include <vector>

#include "component/component.h"
#include "ottl/runner.h"
#include "processors/transform/config.h"

namespace otter {

template <class B>
class TransformProcessor final : public Processor, public Consumer<B> {
 public:
  TransformProcessor(const ComponentContext& ctx, const std::vector<TransformGroup>& groups,
                     ottl::ErrorMode default_mode, Consumer<B>* next);

  Consumers consumers() override;
  bool MutatesData() const override { return true; }
  void Consume(B&& batch, Completion done) override;

  // Runs every group over `batch` in place.
  Status Apply(B& batch) const;

 private:
  struct Group {
    Group(const TransformGroup& g, ottl::ErrorMode mode, std::shared_ptr<spdlog::logger> logger)
        : group(g), errors(mode, std::move(logger)) {}
    TransformGroup group;
    ottl::ErrorHandler errors;
  };
  std::vector<std::unique_ptr<Group>> groups_;
  Consumer<B>* next_;
};

extern template class TransformProcessor<pdata::TraceBatch>;
extern template class TransformProcessor<pdata::MetricBatch>;
extern template class TransformProcessor<pdata::LogBatch>;

}  // namespace otter
