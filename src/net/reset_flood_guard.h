// Defence of otter's gRPC servers against HTTP/2 rapid reset (CVE-2023-44487). gRPC 1.51 makes
// a call for every HEADERS frame and keeps it (~10 KB) until the application has seen it end,
// but limits nothing about streams the client resets: a client that sends HEADERS + RST_STREAM
// pairs as fast as the socket takes them creates calls faster than they are torn down, and the
// backlog grows by ~100 MB/s. The server reports how each call ended: normally, or cancelled by
// the client before its request message arrived (a premature reset); a connection with at least
// `min_resets` premature resets making up at least half of its calls since the first is shut
// down (abortively: the client gets a TCP reset), as Envoy, nginx and later gRPC releases do.
// gRPC then ends all its calls at once.
// Connections are known by gRPC's peer string ("ipv4:10.1.2.3:5678"), unique per connection.
// Thread-safe: called from gRPC's threads; the common case (no resets lately) takes no lock.
#pragma once

#include <spdlog/logger.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "telemetry/self_metrics.h"

namespace otter::net {

class ResetFloodGuard {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  struct Options {
    uint32_t min_resets = 100;
    // A connection not heard of for this long is forgotten (gRPC does not say when one closes).
    std::chrono::seconds forget_after{60};
    std::function<TimePoint()> now = [] { return std::chrono::steady_clock::now(); };
  };
  // `shut_down(peer)` cuts the connection off (false: not found); `cut` counts the connections
  // cut (may be null); `server` names the server in the log line (e.g. "otlp receiver").
  ResetFloodGuard(Options options, std::function<bool(std::string_view peer)> shut_down,
                  telemetry::Counter* cut, std::shared_ptr<spdlog::logger> logger,
                  std::string server);

  // A call of the connection `peer` ended; `premature_reset`: the client cancelled it before
  // sending its request. True if this cut the connection off.
  bool CallEnded(std::string_view peer, bool premature_reset);

  size_t tracked() const { return tracked_.load(std::memory_order_relaxed); }

 private:
  struct Connection {
    uint64_t calls = 0;   // ended since the first premature reset, that call included
    uint64_t resets = 0;  // premature resets
    TimePoint last_seen;
    bool cut = false;
  };
  void ForgetIdle(TimePoint now);  // REQUIRES(mu_)

  const Options options_;
  const std::function<bool(std::string_view)> shut_down_;
  telemetry::Counter* const cut_;
  const std::shared_ptr<spdlog::logger> logger_;
  const std::string server_;
  std::atomic<size_t> tracked_{0};  // conns_.size(), read without the lock
  std::mutex mu_;
  std::unordered_map<std::string, Connection> conns_;  // GUARDED_BY(mu_)
  size_t next_sweep_ = 64;                             // GUARDED_BY(mu_)
  TimePoint last_log_{};                               // GUARDED_BY(mu_)
};

// Shuts down (both ways, without closing the descriptor, which its owner still holds; once the
// owner closes it the peer gets a TCP reset, even with unread data queued) this process's TCP
// connection accepted on `local_port` whose remote end is `peer`, in gRPC's
// peer syntax ("ipv4:10.1.2.3:5678", "ipv6:[::1]:5678", brackets possibly %-encoded). Finds it
// by scanning the open descriptors. False if there is none (or the peer is not an IP address).
bool ShutdownTcpConnection(std::string_view peer, int local_port);

}  // namespace otter::net
