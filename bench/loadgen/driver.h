// Transports of otter-loadgen (gRPC, HTTP, and the network-free dry run) behind one interface,
// plus the pieces they share: the request builder of a connection and the global rate limiter.
// main.cc makes one driver, calls Prepare (connections are set up before the clock starts), then
// Run on a thread of its own while it reports progress. Each driver runs its connections on
// Options::threads event-loop threads; connection i belongs to thread i % threads and records into
// sinks[i % threads].
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "options.h"
#include "payload.h"
#include "pool.h"
#include "stats.h"

namespace otter::loadgen {

// Caps the request rate over all connections. Slots are handed out 1/rate apart and never in the
// past, so a connection that falls behind does not cause a burst later.
// Thread-safety: Acquire may be called from any thread.
class RateLimiter {
 public:
  explicit RateLimiter(double rate)
      : interval_ns_(rate > 0 ? static_cast<int64_t>(1e9 / rate) : 0) {}
  bool unlimited() const { return interval_ns_ == 0; }
  // The time at which the caller may send its next request (<= now when it may send at once).
  Clock::time_point Acquire();

 private:
  const int64_t interval_ns_;
  std::atomic<int64_t> next_ns_{0};  // steady-clock ns of the next free slot
};

// What every driver is given. All of it outlives the driver; `schedule` is filled in after
// Prepare and before Run; sinks has one entry per thread.
struct RunContext {
  const Options& opts;
  const Schedule& schedule;
  RateLimiter& limiter;
  std::vector<std::unique_ptr<StatsSink>>& sinks;
  const RequestPool* pool;  // null: build and encode every request from scratch
};

// Produces the request bodies of one connection (patched pool copies, or fresh encodes) and
// times the work. Thread-safety: owned by one connection, used by its thread.
class RequestBuilder {
 public:
  // `compress`: gzip the body here (OTLP/HTTP, dry run); gRPC compresses on its own.
  RequestBuilder(const RunContext& ctx, uint32_t connection, bool compress);
  // Builds the next body into body(); returns its item count.
  size_t Build(StatsSink& sink);
  // The body to send; a driver may move from it or swap a used buffer in (capacity is reused).
  std::string& body() { return gzip_ ? zipped_ : raw_; }
  size_t raw_size() const { return raw_size_; }

 private:
  std::unique_ptr<PooledSource> pooled_;
  std::unique_ptr<PayloadGenerator> fresh_;
  std::unique_ptr<Gzipper> gzip_;
  std::string raw_;
  std::string zipped_;
  size_t raw_size_ = 0;
};

class Driver {
 public:
  virtual ~Driver() = default;
  // Resolves and connects every connection; an error means the run cannot start.
  virtual Status Prepare() = 0;
  // Sends until the schedule's end, then cancels what is outstanding and returns.
  virtual void Run() = 0;
};

std::unique_ptr<Driver> MakeGrpcDriver(const RunContext& ctx);
std::unique_ptr<Driver> MakeHttpDriver(const RunContext& ctx);
std::unique_ptr<Driver> MakeDryRunDriver(const RunContext& ctx);

// "grpc UNAVAILABLE: <message>"-style failure keys are cut to this length so that varying
// messages do not make the failure table grow without bound.
inline constexpr size_t kMaxFailureKey = 120;
std::string FailureKey(std::string_view prefix, std::string_view message);
uint64_t Nanos(Clock::duration d);

}  // namespace otter::loadgen
