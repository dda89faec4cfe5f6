// Command-line options of otter-loadgen and the run schedule every driver follows.
// Parsed once in main.cc; afterwards read-only and shared by all threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace otter::loadgen {

enum class Protocol { kGrpc, kHttp, kNone };  // kNone: --dry-run, generate and encode only
enum class Signal { kTraces, kLogs, kMetrics };
// kLoadgen: payload.cc's documented distribution; kSynthetic: otlp::MakeSynthetic* (the payloads
// of the codec benchmarks), for comparing figures with them.
enum class Generator { kLoadgen, kSynthetic };

inline std::string_view SignalName(Signal s) {
  switch (s) {
    case Signal::kTraces:
      return "traces";
    case Signal::kLogs:
      return "logs";
    case Signal::kMetrics:
      return "metrics";
  }
  return "?";
}

struct Options {
  std::string endpoint;  // host:port
  Protocol protocol = Protocol::kGrpc;
  Signal signal = Signal::kTraces;
  int connections = 16;
  int items = 100;         // spans / log records / metric data points per request
  double duration_s = 10;  // measured window
  double warmup_s = 0;     // before the measured window; completions in it are not counted
  double rate = 0;         // requests/s over all connections; 0 = as fast as the server answers
  uint64_t seed = 1;
  bool gzip = false;
  int gzip_level = 6;
  int inflight = 1;              // outstanding requests per gRPC connection (HTTP/1.1: always 1)
  int threads = 1;               // event-loop threads driving the connections
  double timeout_s = 10;         // per-request deadline
  double error_backoff_ms = 10;  // pause of a connection after a failed request
  int spans_per_trace = 5;
  Generator generator = Generator::kLoadgen;
  int pool = 256;          // pre-encoded requests to patch and send; 0 = encode every request
  std::string http_path;   // default /v1/<signal>
  int target_pid = 0;      // collector under test, for its CPU time (0 = not reported)
  bool per_second = true;  // one progress line per second on stderr
};

using Clock = std::chrono::steady_clock;

// When the run starts, when counting begins (after warm-up) and when it ends. A request counts
// if it completes inside [measure_begin, end).
struct Schedule {
  Clock::time_point start;
  Clock::time_point measure_begin;
  Clock::time_point end;
};

}  // namespace otter::loadgen
