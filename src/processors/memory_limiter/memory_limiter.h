// MemoryLimiter: otelcol's `memory_limiter`. A checker thread samples process memory every
// check_interval; while usage is at or above the soft limit (limit − spike) new data is refused
// with a RETRYABLE Unavailable error ("memory usage 612 MiB is above the soft limit 409 MiB"),
// so receivers answer 503 / UNAVAILABLE and clients retry later. At or above the hard limit it
// also calls malloc_trim(0) (otelcol forces a Go GC there).
//
// What is measured: process RSS from /proc/self/statm. otter has no garbage collector whose heap
// statistics would be the natural figure, and RSS is what the kernel's OOM killer and a cgroup
// memory limit act on. It includes freed-but-retained allocator pages, which is why the hard
// limit returns free memory to the OS with malloc_trim before re-measuring.
//
// MemoryLimiterProcessor<B> is the pipeline stage for one (pipeline, signal): it passes data
// (and its completion) through unchanged, or refuses it and counts the refused items in
// otelcol_processor_refused_<items>{processor="<id>"}.
//
// Thread-safety: Admit() and Consume() are called concurrently from receiver threads (an atomic
// flag, plus a mutex only on the refusing path); CheckNow() runs on the checker thread (or a
// test); Start/Shutdown on the service thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>

#include "component/component.h"
#include "processors/memory_limiter/config.h"

namespace otter {

inline constexpr uint64_t kMiB = 1024 * 1024;

// Resident set size of this process (bytes), from /proc/self/statm; 0 if unreadable.
uint64_t ProcessRssBytes();
// Memory available to this process (bytes): the cgroup v2 memory.max or cgroup v1
// memory.limit_in_bytes of our cgroup when one is set, else MemTotal from /proc/meminfo.
// `root` prefixes /proc and /sys (tests point it at a fake tree).
StatusOr<uint64_t> TotalMemoryBytes(const std::string& root = "");

struct MemoryLimits {
  uint64_t limit_bytes = 0;  // hard limit
  uint64_t spike_bytes = 0;
  uint64_t soft_bytes() const { return limit_bytes - spike_bytes; }
};
// limit_mib wins; else percentages of total_memory(). Spike defaults to 20% of the limit.
StatusOr<MemoryLimits> ComputeMemoryLimits(const MemoryLimiterConfig& cfg,
                                           const std::function<StatusOr<uint64_t>()>& total_memory);

struct MemoryLimiterOptions {
  std::function<uint64_t()> read_usage = [] { return ProcessRssBytes(); };
  std::function<StatusOr<uint64_t>()> total_memory = [] { return TotalMemoryBytes(); };
  std::function<void()> release_memory;  // default: malloc_trim(0)
};

class MemoryLimiter {
 public:
  static StatusOr<std::unique_ptr<MemoryLimiter>> Create(const MemoryLimiterConfig& cfg,
                                                         std::shared_ptr<spdlog::logger> logger,
                                                         MemoryLimiterOptions options = {});
  ~MemoryLimiter();

  // Measures once, then starts the checker thread.
  void Start();
  void Shutdown();

  // OK, or the retryable refusal while usage is above the soft limit.
  Status Admit() const {
    if (!refusing_.load(std::memory_order_acquire)) return Status::Ok();
    std::lock_guard lock(mu_);
    return refusal_;
  }
  // One measurement and state update (what the checker thread does every check_interval).
  void CheckNow();

  const MemoryLimits& limits() const { return limits_; }
  uint64_t last_usage() const { return last_usage_.load(std::memory_order_relaxed); }

 private:
  MemoryLimiter(const MemoryLimiterConfig& cfg, MemoryLimits limits,
                std::shared_ptr<spdlog::logger> logger, MemoryLimiterOptions options);
  void Release();
  void CheckerLoop();

  using Clock = std::chrono::steady_clock;
  const MemoryLimiterConfig cfg_;
  const MemoryLimits limits_;
  const std::shared_ptr<spdlog::logger> logger_;
  const MemoryLimiterOptions options_;

  std::atomic<bool> refusing_{false};
  std::atomic<uint64_t> last_usage_{0};
  mutable std::mutex mu_;
  Status refusal_;     // GUARDED_BY(mu_)
  bool stop_ = false;  // GUARDED_BY(mu_)
  std::condition_variable stop_cv_;
  std::optional<Clock::time_point> last_release_;  // checker thread only
  std::thread checker_;
};

template <class B>
class MemoryLimiterProcessor final : public Processor, public Consumer<B> {
 public:
  MemoryLimiterProcessor(const ComponentContext& ctx, std::unique_ptr<MemoryLimiter> limiter,
                         Consumer<B>* next)
      : limiter_(std::move(limiter)), next_(next) {
    telemetry::SelfMetrics* metrics = telemetry::GivenOrOwn(ctx.metrics, own_metrics_);
    refused_ = &metrics->GetCounter(
        "otelcol_processor_refused_" + std::string(SignalItemName(SignalOf<B>())),
        "Items the processor refused with a retryable error.", {{"processor", ctx.id.ToString()}});
  }

  Status Start() override {
    limiter_->Start();
    return Status::Ok();
  }
  void Shutdown() override { limiter_->Shutdown(); }

  Consumers consumers() override { return Consumers::Of<B>(this); }

  void Consume(B&& batch, Completion done) override {
    Status s = limiter_->Admit();
    if (!s.ok()) {
      refused_->Add(batch.ItemCount());
      done(std::move(s));
      return;
    }
    next_->Consume(std::move(batch), std::move(done));
  }

  // The limiter does not read the data.
  bool TakesUndecoded() const override { return next_->TakesUndecoded(); }

  MemoryLimiter& limiter() { return *limiter_; }

 private:
  std::unique_ptr<MemoryLimiter> limiter_;
  Consumer<B>* const next_;
  std::unique_ptr<telemetry::SelfMetrics> own_metrics_;
  telemetry::Counter* refused_ = nullptr;
};

}  // namespace otter
