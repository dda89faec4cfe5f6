// Completion: the answer that travels with a batch. The stage that owns the data calls it exactly
// once with OK (accepted / committed), OK with a partial rejection (Status::PartialSuccess:
// accepted except N items it could not keep) or an error (retryable or permanent); the receiver
// turns it into the client's response (OTLP partial_success for the partial case). Move-only.
// A completion destroyed without being called answers INTERNAL, so a client is never left hanging
// and no loss is silent.
// Thread-safety: may be called from any thread, once.
#pragma once

#include <memory>
#include <utility>
#include <vector>

#include "common/status.h"

namespace otter {

class Completion {
 public:
  Completion() = default;  // answers nobody (for tests and fire-and-forget paths)
  template <class F>
  explicit Completion(F&& fn)
      : impl_(std::make_unique<Impl<std::decay_t<F>>>(std::forward<F>(fn))) {}
  Completion(Completion&&) noexcept = default;
  Completion& operator=(Completion&& o) noexcept {
    if (this != &o) {
      Abandon();
      impl_ = std::move(o.impl_);
    }
    return *this;
  }
  ~Completion() { Abandon(); }

  void operator()(Status s) {
    if (auto impl = std::move(impl_)) impl->Call(std::move(s));
  }
  explicit operator bool() const { return impl_ != nullptr; }

 private:
  struct Base {
    virtual ~Base() = default;
    virtual void Call(Status s) = 0;
  };
  template <class F>
  struct Impl final : Base {
    explicit Impl(F f) : fn(std::move(f)) {}
    void Call(Status s) override { fn(std::move(s)); }
    F fn;
  };
  void Abandon() {
    if (impl_) (*this)(Internal("data was dropped without an answer (internal error)"));
  }
  std::unique_ptr<Base> impl_;
};

// Splits `done` into `n` completions; `done` is called once all of them have been, with the first
// permanent error if any, else the first retryable error, else OK. When all succeeded, their
// partial rejections are summed and their distinct messages joined with "; " (at most
// kMaxPartialMessageBytes, then "; ..."), so a client learns what any branch could not keep.
inline constexpr size_t kMaxPartialMessageBytes = 1024;
std::vector<Completion> SplitCompletion(Completion done, size_t n);

}  // namespace otter
