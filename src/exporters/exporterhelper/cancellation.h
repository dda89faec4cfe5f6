// Cancellation: fired once when shutdown stops waiting for in-flight sends. A send subscribes a
// callback that aborts its network call (gRPC ClientContext::TryCancel, closing a socket); the
// subscription is removed when the send ends. Thread-safe; callbacks run under the internal
// mutex, so they must be short and must not touch this Cancellation.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <utility>

namespace otter::exporterhelper {

class Cancellation {
 public:
  class Subscription {
   public:
    Subscription() = default;
    Subscription(Cancellation* c, uint64_t id) : c_(c), id_(id) {}
    Subscription(Subscription&& o) noexcept : c_(std::exchange(o.c_, nullptr)), id_(o.id_) {}
    Subscription& operator=(Subscription&& o) noexcept {
      Reset();
      c_ = std::exchange(o.c_, nullptr);
      id_ = o.id_;
      return *this;
    }
    ~Subscription() { Reset(); }
    // Unsubscribes; once it returns the callback is not running and will not run.
    void Reset() {
      if (c_) std::exchange(c_, nullptr)->Remove(id_);
    }

   private:
    Cancellation* c_ = nullptr;
    uint64_t id_ = 0;
  };

  void Cancel() {
    std::lock_guard l(mu_);
    if (cancelled_) return;
    cancelled_ = true;
    for (auto& [id, fn] : fns_) fn();
    fns_.clear();
  }
  bool cancelled() const {
    std::lock_guard l(mu_);
    return cancelled_;
  }
  // Runs `fn` on Cancel(), or at once if already cancelled, unless the subscription ended first.
  [[nodiscard]] Subscription OnCancel(std::function<void()> fn) {
    std::lock_guard l(mu_);
    if (cancelled_) {
      fn();
      return {};
    }
    uint64_t id = next_id_++;
    fns_.emplace(id, std::move(fn));
    return {this, id};
  }

 private:
  void Remove(uint64_t id) {
    std::lock_guard l(mu_);
    fns_.erase(id);
  }
  mutable std::mutex mu_;
  bool cancelled_ = false;                         // GUARDED_BY(mu_)
  uint64_t next_id_ = 1;                           // GUARDED_BY(mu_)
  std::map<uint64_t, std::function<void()>> fns_;  // GUARDED_BY(mu_)
};

}  // namespace otter::exporterhelper
