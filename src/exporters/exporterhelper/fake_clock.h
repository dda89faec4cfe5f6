// FakeClock: a Clock for tests whose waits return at once and move fake time to their deadline,
// recording how long each wait asked for — so backoff and Retry-After can be checked exactly
// without waiting. Every timed wait is a jump, so Shutdown()'s drain wait also expires at once:
// tests let their sends finish before shutting down. Thread-safe.
#pragma once

#include <chrono>
#include <mutex>
#include <vector>

#include "exporters/exporterhelper/clock.h"

namespace otter::exporterhelper {

class FakeClock final : public Clock {
 public:
  TimePoint Now() override {
    std::lock_guard l(mu_);
    return now_;
  }
  void WaitUntil(std::unique_lock<std::mutex>&, std::condition_variable&,
                 TimePoint deadline) override {
    std::lock_guard l(mu_);
    if (deadline > now_) {
      waits_.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - now_));
      now_ = deadline;
    }
  }
  void Advance(std::chrono::nanoseconds d) {
    std::lock_guard l(mu_);
    now_ += d;
  }
  // Every wait that moved time, in order.
  std::vector<std::chrono::nanoseconds> waits() {
    std::lock_guard l(mu_);
    return waits_;
  }

 private:
  std::mutex mu_;
  TimePoint now_{std::chrono::hours(1000)};
  std::vector<std::chrono::nanoseconds> waits_;  // GUARDED_BY(mu_)
};

}  // namespace otter::exporterhelper
