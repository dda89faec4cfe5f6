// QueryServer: the HTTP endpoint of the query APIs — Jaeger (/api/...), Prometheus
// (/api/v1/...) and Loki (/loki/api/v1/..., live tail over a WebSocket) over the store's
// queriers, on one port. Queries run
// on a bounded pool of worker threads (never on the HTTP I/O threads); when all workers are busy
// and the backlog is full, a request gets 503 at once.
// Thread-safety: Start/Stop by the owner; requests are served concurrently.
#pragma once

#include <spdlog/logger.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "auth/server_guard.h"
#include "net/http_server.h"
#include "store/querier.h"
#include "telemetry/self_metrics.h"

namespace otter {
class StatusHub;  // component/status_hub.h
}

namespace otter::query {

class JaegerApi;
class PrometheusApi;
class LokiApi;
class LokiTail;
class OtterApi;
class BrowserLogin;

struct QueryServerOptions {
  std::string endpoint = "localhost:16686";
  std::chrono::milliseconds timeout{std::chrono::minutes(2)};
  size_t max_samples = 50'000'000;
  size_t max_log_entries = 5'000'000;  // a LogQL query's entry budget
  size_t max_traces = 1'000'000;       // a Jaeger search's candidate budget
  int threads = 2;                     // workers for every other request
  int scan_threads = 1;                // workers for LogQL, trace search and dependencies
  size_t max_tails = 10;               // open Loki live tails (max_concurrent_tail_requests)
  size_t max_backlog = 256;            // requests waiting for a worker, per pool
  std::shared_ptr<spdlog::logger> logger;
  telemetry::SelfMetrics* metrics = nullptr;  // optional
  StatusHub* status = nullptr;                // optional: the UI's pipeline page
  // Checked on every route (WebSocket tails included) before anything else; null = open.
  std::shared_ptr<const auth::ServerAuthGuard> auth;
};

class QueryServer {
 public:
  QueryServer(QueryServerOptions options, store::TraceQuerier& traces,
              store::MetricQuerier& metrics, store::LogQuerier& logs);
  ~QueryServer();
  QueryServer(const QueryServer&) = delete;
  QueryServer& operator=(const QueryServer&) = delete;

  Status Start();
  void Stop();
  int port() const { return http_ ? http_->port() : 0; }
  std::string address() const { return http_ ? http_->address() : std::string(); }

  // Serves one request synchronously (what a worker does); for tests.
  // `received`: when it arrived (its deadline counts from then).
  net::HttpResponse Serve(
      const net::HttpRequest& request,
      std::chrono::steady_clock::time_point received = std::chrono::steady_clock::now());
  // Whether a request to `path` runs on the scan pool.
  static bool IsScan(std::string_view path);

 private:
  // A fixed set of threads taking jobs from a bounded queue.
  struct Pool {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<std::function<void()>> backlog;  // GUARDED_BY(mu)
    bool stopping = false;                      // GUARDED_BY(mu)
    std::vector<std::thread> workers;
  };
  void Dispatch(Pool& pool, net::HttpRequest&& req, net::HttpResponder respond);
  // A WebSocket upgrade: Loki's live tail, the only WebSocket path.
  std::optional<net::HttpResponse> Upgrade(const net::HttpRequest& request,
                                           std::shared_ptr<net::WebSocket> socket);
  static void WorkerLoop(Pool& pool);
  static void StopPool(Pool& pool);

  QueryServerOptions options_;
  std::unique_ptr<JaegerApi> jaeger_;
  std::unique_ptr<PrometheusApi> prometheus_;
  std::unique_ptr<LokiApi> loki_;
  std::unique_ptr<LokiTail> tail_;
  std::unique_ptr<OtterApi> otter_;
  std::unique_ptr<BrowserLogin> login_;  // with options_.auth
  std::unique_ptr<net::HttpServer> http_;

  Pool general_;
  Pool scan_;

  telemetry::Histogram* latency_[3] = {};
  telemetry::Counter* rejected_ = nullptr;
};

}  // namespace otter::query
