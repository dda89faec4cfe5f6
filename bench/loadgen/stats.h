// Measurement for otter-loadgen: a log-linear latency histogram, the counters of a run, and the
// per-thread sink drivers record into. Drivers call StatsSink::Record on their own thread; the
// reporter (main thread) calls TakeInterval once a second and Measured after the drivers joined.
// StatsSink guards its two Stats with one mutex (uncontended: one writer, one periodic reader).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "options.h"

namespace otter::loadgen {

// Nanosecond latencies in buckets of relative width < 1/128 (values below 128 ns are exact).
class LatencyHistogram {
 public:
  LatencyHistogram();
  void Add(uint64_t ns);
  void Merge(const LatencyHistogram& other);
  uint64_t count() const { return count_; }
  uint64_t max() const { return max_; }
  // The q-quantile (0 <= q <= 1) as the midpoint of its bucket, clamped to the maximum.
  uint64_t Quantile(double q) const;

 private:
  static constexpr int kSubBits = 7;
  static constexpr size_t kSub = size_t{1} << kSubBits;
  static size_t Index(uint64_t v);
  static uint64_t Lower(size_t index);
  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
  uint64_t max_ = 0;
};

struct Stats {
  uint64_t requests_ok = 0;
  uint64_t requests_failed = 0;
  uint64_t requests_partial = 0;  // accepted, but partial_success rejected some items
  uint64_t items_ok = 0;          // items in requests the server accepted (rejected ones included)
  uint64_t items_rejected = 0;    // partial_success.rejected_* summed
  uint64_t items_failed = 0;
  uint64_t bytes_ok = 0;      // request body bytes (after gzip) of accepted requests
  uint64_t bytes_raw_ok = 0;  // same, uncompressed protobuf
  uint64_t gen_ns = 0;        // time spent building + encoding + compressing requests
  uint64_t gen_requests = 0;
  uint64_t gen_items = 0;
  LatencyHistogram latency;  // accepted requests only
  std::map<std::string, uint64_t, std::less<>>
      failures;  // "grpc UNAVAILABLE: ..." / "http 503: ..." -> count

  void Merge(const Stats& other);
  // What decides the exit code: failed requests plus partially rejected ones.
  uint64_t errors() const { return requests_failed + requests_partial; }
};

// What one finished request reports.
struct Outcome {
  bool ok = false;
  std::string_view failure;  // when !ok: status and a short message
  uint64_t items = 0;
  uint64_t rejected = 0;   // partial success
  uint64_t bytes = 0;      // body bytes as sent
  uint64_t raw_bytes = 0;  // uncompressed protobuf bytes
  uint64_t latency_ns = 0;
};

class StatsSink {
 public:
  explicit StatsSink(const Schedule& schedule) : schedule_(schedule) {}
  // Counts `o` in the per-second figures, and in the result if `done` is in the measured window.
  void Record(Clock::time_point done, const Outcome& o);
  // Time a driver spent producing one request body of `items` items.
  void RecordGeneration(Clock::time_point done, uint64_t ns, uint64_t items);
  Stats TakeInterval();
  Stats Measured();

 private:
  const Schedule& schedule_;
  std::mutex mu_;
  Stats interval_;  // guarded by mu_
  Stats measured_;  // guarded by mu_
};

// Human-readable summary and the one JSON line for scripts, for `seconds` of measurement.
struct RunInfo {
  std::string target;  // "grpc 127.0.0.1:4317 traces" etc.
  double seconds = 0;
  double loadgen_cpu_seconds = 0;  // process CPU time in the measured window
  double target_cpu_seconds = -1;  // the collector's (--target-pid), -1 = unknown
};
std::string FormatSummary(const Stats& s, const RunInfo& info);
std::string FormatJson(const Stats& s, const RunInfo& info);
std::string FormatProgress(const Stats& s, double elapsed_s, double interval_s, bool warmup);

}  // namespace otter::loadgen
