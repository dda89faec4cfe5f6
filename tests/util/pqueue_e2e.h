// Helpers for the persistent sending queue's end-to-end tests (tests/pqueue_*_test.cc): a
// downstream OTLP/HTTP sink on 127.0.0.1 that can be switched down (503) and counts span ids,
// requests of spans with unique ids, and the config of an otter that receives OTLP/HTTP and
// forwards it through an otlphttp exporter with a persistent queue.
// Thread-safety: OtlpSink is thread-safe; the rest are pure functions.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "util/harness.h"

namespace otter::net {
class HttpServer;
}

namespace otter::testing {

class OtlpSink {
 public:
  OtlpSink();  // listening on 127.0.0.1:0
  ~OtlpSink();
  int port() const;
  // Down: every request is answered 503 and nothing is kept.
  void SetUp(bool up) { up_ = up; }
  // Spans received (duplicates included), distinct span ids, and how often `id` arrived.
  uint64_t spans() const;
  uint64_t unique() const;
  int Count(uint64_t span_id) const;

 private:
  std::unique_ptr<net::HttpServer> server_;
  std::atomic<bool> up_{true};
  mutable std::mutex mu_;
  std::unordered_map<uint64_t, int> seen_;  // GUARDED_BY(mu_)
  uint64_t spans_ = 0;                      // GUARDED_BY(mu_)
};

// An OTLP/HTTP protobuf traces request of spans with ids first, first+1, ... (n of them).
std::string SpanRequest(uint64_t first, size_t n);

struct PqueuePorts {
  int otlp = FreePort();
  int health = FreePort();
  int metrics = FreePort();
};

// otlp (HTTP) → otlphttp to 127.0.0.1:sink_port with sending_queue.storage on a file_storage in
// `dir`. Retries every 50-200 ms forever.
std::string PqueueConfig(const PqueuePorts& p, int sink_port, const std::string& dir, bool fsync,
                         int queue_size, int num_consumers);

}  // namespace otter::testing
