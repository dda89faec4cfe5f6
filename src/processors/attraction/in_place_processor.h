// InPlaceProcessor<B>: the shape shared by processors that change each batch in place and pass it
// on (attributes, resource, resourcedetection, redaction): Consume runs Process, then hands the
// batch to the next consumer with its completion. It declares MutatesData, so a fan-out gives it
// a clone. Process must be thread-safe (Consume runs on any receiver thread).
#pragma once

#include <type_traits>
#include <utility>

#include "component/component.h"

namespace otter {

template <class B>
class InPlaceProcessor : public Processor, public Consumer<B> {
 public:
  explicit InPlaceProcessor(Consumer<B>* next) : next_(next) {}

  Consumers consumers() override { return Consumers::Of<B>(this); }
  bool MutatesData() const override { return true; }

  void Consume(B&& batch, Completion done) override {
    Process(batch);
    next_->Consume(std::move(batch), std::move(done));
  }

  // Changes `batch` in place.
  virtual void Process(B& batch) const = 0;

 private:
  Consumer<B>* const next_;
};

}  // namespace otter
