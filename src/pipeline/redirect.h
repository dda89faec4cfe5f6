// Redirect<B>: the consumer a receiver is built with, pointing at the entry of the pipelines of
// whichever Service currently owns the receiver. A reload that keeps a receiver running re-points
// it at the new graph instead of closing its socket; Set() returns once no call is still inside
// the previous target, so the old graph can then be shut down safely.
// Thread-safety: Consume from any receiver thread; Set from the service thread. The reader lock
// is held only while handing a batch on (consumers never block waiting for a commit), and
// absl::Mutex gives a waiting writer priority so Set cannot starve under load.
#pragma once

#include <absl/synchronization/mutex.h>

#include "component/component.h"

namespace otter::pipeline {

template <class B>
class Redirect final : public Consumer<B> {
 public:
  // null = refuse retryably (a reload has stopped the old graph and not yet started the new).
  void Set(Consumer<B>* target) {
    absl::MutexLock lock(&mu_);
    target_ = target;
  }

  void Consume(B&& batch, Completion done) override {
    absl::ReaderMutexLock lock(&mu_);
    if (!target_) {
      done(Unavailable("otter is reloading its configuration; retry"));
      return;
    }
    // The receiver asked TakesUndecoded() before a re-point and the new target decodes: only
    // possible at the instant of a reload, and the client's retry will be decoded.
    if (batch.undecoded() && !target_->TakesUndecoded()) {
      done(Unavailable("otter is reloading its configuration; retry"));
      return;
    }
    target_->Consume(std::move(batch), std::move(done));
  }

  bool MutatesData() const override {
    absl::ReaderMutexLock lock(&mu_);
    return target_ && target_->MutatesData();
  }
  bool TakesUndecoded() const override {
    absl::ReaderMutexLock lock(&mu_);
    return target_ && target_->TakesUndecoded();
  }

 private:
  mutable absl::Mutex mu_;
  Consumer<B>* target_ = nullptr;  // GUARDED_BY(mu_)
};

}  // namespace otter::pipeline
