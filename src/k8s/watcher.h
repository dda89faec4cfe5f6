// ResourceWatcher: keeps a local view of one Kubernetes resource collection (pods, replica sets,
// namespaces) with the API's list + watch protocol, like client-go's reflector: list (paged),
// then watch from the list's resourceVersion (newline-delimited JSON events ADDED / MODIFIED /
// DELETED / BOOKMARK / ERROR), re-watch from the last version seen when a watch ends, re-list
// when the server says the version is too old (HTTP 410 or an ERROR event with code 410), and
// reconnect with exponential backoff after failures. Boost.Beast stays in watcher.cc.
//
// Thread-safety: Start/Stop from the owner's thread; the sink is called from the watcher's own
// thread only, one call at a time. synced()/WaitForSync from any thread.
#pragma once

#include <spdlog/logger.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "k8s/api_config.h"
#include "k8s/objects.h"

namespace otter::k8s {

class WatchSink {
 public:
  virtual ~WatchSink() = default;
  // The whole collection after a (re-)list: objects absent from it are gone.
  virtual void Replace(std::vector<KubeObject> objects) = 0;
  // One change (kAdded, kModified or kDeleted).
  virtual void Apply(WatchEvent::Type type, KubeObject object) = 0;
};

struct WatchOptions {
  std::string path;  // "/api/v1/pods", "/apis/apps/v1/namespaces/ns/replicasets", ...
  std::string label_selector;
  std::string field_selector;
  uint32_t page_size = 500;                           // list `limit`
  std::chrono::seconds watch_timeout{300};            // `timeoutSeconds` of each watch
  std::chrono::milliseconds request_timeout{30'000};  // connect, TLS, list pages
  std::chrono::milliseconds min_backoff{200};
  std::chrono::milliseconds max_backoff{30'000};
  size_t max_response_bytes = 256u << 20;  // a list page or one watch event line
  // Another watcher whose first list must have been delivered before this one lists (pods wait
  // for replica sets, so a pod's deployment is known when the pod arrives). Must outlive this.
  const class ResourceWatcher* after = nullptr;
};

// Counters for tests and self-metrics.
struct WatchStats {
  std::atomic<uint64_t> lists{0};     // completed (re-)lists
  std::atomic<uint64_t> watches{0};   // watch requests answered 200
  std::atomic<uint64_t> events{0};    // ADDED/MODIFIED/DELETED applied
  std::atomic<uint64_t> failures{0};  // requests that failed (then backoff)
};

class ResourceWatcher {
 public:
  ResourceWatcher(ApiEndpoint endpoint, WatchOptions options, WatchSink* sink,
                  std::shared_ptr<spdlog::logger> logger);
  ~ResourceWatcher();  // Stop()s
  ResourceWatcher(const ResourceWatcher&) = delete;
  ResourceWatcher& operator=(const ResourceWatcher&) = delete;

  // Builds the TLS context (errors name the problem) and starts the thread.
  Status Start();
  void Stop();

  // True once the first list has been delivered to the sink.
  bool synced() const { return synced_.load(); }
  bool WaitForSync(std::chrono::milliseconds timeout);
  const WatchStats& stats() const { return stats_; }

  struct Impl;  // watcher.cc

 private:
  void Run();

  ApiEndpoint endpoint_;
  WatchOptions options_;
  WatchSink* sink_;
  std::shared_ptr<spdlog::logger> logger_;
  std::unique_ptr<Impl> impl_;
  std::thread thread_;
  std::atomic<bool> synced_{false};
  std::mutex mu_;
  std::condition_variable cv_;  // synced_ or stopping (with mu_)
  WatchStats stats_;
};

}  // namespace otter::k8s
