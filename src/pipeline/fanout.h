// FanOut<B>: hands one batch to several consumers (a pipeline's exporters, or the pipelines that
// share a receiver). All but the last get a clone; the caller's completion is answered once every
// consumer has answered (first permanent error wins, then first retryable one).
// Thread-safety: immutable after construction; Consume is reentrant.
#pragma once

#include <vector>

#include "component/component.h"

namespace otter::pipeline {

template <class B>
class FanOut final : public Consumer<B> {
 public:
  explicit FanOut(std::vector<Consumer<B>*> consumers) : consumers_(std::move(consumers)) {}

  void Consume(B&& batch, Completion done) override {
    if (consumers_.size() == 1) {
      consumers_[0]->Consume(std::move(batch), std::move(done));
      return;
    }
    auto parts = SplitCompletion(std::move(done), consumers_.size());
    for (size_t i = 0; i + 1 < consumers_.size(); ++i)
      consumers_[i]->Consume(batch.Clone(), std::move(parts[i]));
    consumers_.back()->Consume(std::move(batch), std::move(parts.back()));
  }

  bool MutatesData() const override {
    for (auto* c : consumers_)
      if (c->MutatesData()) return true;
    return false;
  }
  bool TakesUndecoded() const override {
    for (auto* c : consumers_)
      if (!c->TakesUndecoded()) return false;
    return true;
  }

 private:
  std::vector<Consumer<B>*> consumers_;
};

}  // namespace otter::pipeline
