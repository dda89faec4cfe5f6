// The `forward` connector (otelcol's forwardconnector): joins pipelines of one signal, passing
// every batch unchanged to all pipelines that receive from it (fan-out) from all pipelines that
// export to it (fan-in). The upstream completion is answered when the downstream pipelines have
// answered. Thread-safety: stateless; Consume is reentrant.
#pragma once

#include "component/component.h"

namespace otter {

template <class B>
class ForwardConnector final : public Connector, public Consumer<B> {
 public:
  explicit ForwardConnector(Consumer<B>* next) : next_(next) {}

  Consumers consumers() override { return Consumers::Of<B>(this); }
  void Consume(B&& batch, Completion done) override {
    next_->Consume(std::move(batch), std::move(done));
  }
  bool MutatesData() const override { return next_->MutatesData(); }
  bool TakesUndecoded() const override { return next_->TakesUndecoded(); }

 private:
  Consumer<B>* next_;
};

}  // namespace otter
