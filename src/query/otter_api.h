// OtterApi: the few endpoints the web UI needs beyond the Jaeger/Prometheus/Loki-compatible APIs,
// under /api/otter/:
//   GET /api/otter/summary?start=&end=&buckets=  RED per service and operation (rate, error %,
//       p50/p95/p99 of entry spans: server, consumer and root spans), per-service sparklines, and
//       service-to-service edges with call and error counts (the Map page), from the stored traces.
//   GET /api/otter/pipeline  the configured pipelines, each component's status and its
//       otelcol_* self-metrics (accepted, refused, dropped, sent, failed, queue fill).
//   GET /api/otter/traces/{id}/logs?span_id=  every stored log record of a trace (or one span),
//       in time order, found through the store's trace-id index: no time range, no configuration.
//   GET /api/otter/info  whether the store holds anything yet (the onboarding page) and whether
//       the UI was built into this binary.
// Times are Unix nanoseconds as decimal strings. Thread-safety: Handle may run concurrently.
#pragma once

#include <chrono>
#include <functional>
#include <string_view>

#include "net/http_server.h"
#include "store/querier.h"

namespace otter {
class StatusHub;
}
namespace otter::telemetry {
class SelfMetrics;
}

namespace otter::query {

class OtterApi {
 public:
  struct Options {
    std::chrono::milliseconds timeout{std::chrono::minutes(2)};
    StatusHub* status = nullptr;                // optional: /pipeline reports no components
    telemetry::SelfMetrics* metrics = nullptr;  // optional: /pipeline reports no counters
    std::function<int64_t()> now_ns;            // empty = the system clock
  };

  OtterApi(store::TraceQuerier& traces, store::MetricQuerier& metrics, store::LogQuerier& logs,
           Options options);

  static bool Handles(std::string_view path) { return path.starts_with("/api/otter/"); }
  // Routes that scan stored traces (run on the query server's scan pool).
  static bool IsScan(std::string_view path) { return path == "/api/otter/summary"; }
  void Handle(const net::HttpRequest& request, net::HttpResponse* out,
              std::chrono::steady_clock::time_point received = std::chrono::steady_clock::now());

 private:
  void Summary(const net::HttpRequest& request, net::HttpResponse* out,
               std::chrono::steady_clock::time_point received);
  void Pipeline(net::HttpResponse* out);
  void TraceLogs(const net::HttpRequest& request, std::string_view id, net::HttpResponse* out,
                 std::chrono::steady_clock::time_point received);
  void Info(net::HttpResponse* out);
  int64_t NowNs() const;

  store::TraceQuerier& traces_;
  store::MetricQuerier& metrics_;
  store::LogQuerier& logs_;
  Options options_;
};

}  // namespace otter::query
