// Clock: the time source and timed waits of the exporter helper (retry backoff, shutdown drain,
// log throttling), injected so that tests of backoff run in fake time (see fake_clock.h).
// SteadyClock is the real one. Implementations are thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace otter::exporterhelper {

class Clock {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  virtual ~Clock() = default;
  virtual TimePoint Now() = 0;
  // Waits on `cv` (`lock` held on entry and on return) until it is notified or Now() >= deadline.
  // May return early; callers re-check their condition in a loop.
  virtual void WaitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                         TimePoint deadline) = 0;
};

class SteadyClock final : public Clock {
 public:
  TimePoint Now() override { return std::chrono::steady_clock::now(); }
  void WaitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                 TimePoint deadline) override {
    cv.wait_until(lock, deadline);
  }
};

}  // namespace otter::exporterhelper
