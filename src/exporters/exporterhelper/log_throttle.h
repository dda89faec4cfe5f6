// LogThrottle: lets a repeating log line through at most once per interval and counts the ones
// it held back, so a failing backend produces a steady trickle of lines, not a flood ("a drop is
// a metric and a rate-limited log line"). Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <utility>

#include "exporters/exporterhelper/clock.h"

namespace otter::exporterhelper {

class LogThrottle {
 public:
  explicit LogThrottle(std::chrono::nanoseconds interval = std::chrono::seconds(1))
      : interval_(interval) {}
  // True if a line may be written now; then *suppressed = lines held back since the last one.
  bool Allow(Clock& clock, uint64_t* suppressed) {
    auto now = clock.Now();
    std::lock_guard l(mu_);
    if (now < next_) {
      ++suppressed_;
      return false;
    }
    next_ = now + interval_;
    *suppressed = std::exchange(suppressed_, 0);
    return true;
  }
  // " (N similar messages suppressed)" or "".
  static std::string Suffix(uint64_t suppressed) {
    return suppressed ? " (" + std::to_string(suppressed) + " similar messages suppressed)" : "";
  }

 private:
  const std::chrono::nanoseconds interval_;
  std::mutex mu_;
  Clock::TimePoint next_{};  // GUARDED_BY(mu_)
  uint64_t suppressed_ = 0;  // GUARDED_BY(mu_)
};

}  // namespace otter::exporterhelper
