// JaegerApi: Jaeger query service's HTTP JSON API over store::TraceQuerier, for Jaeger UI and
// Grafana's Jaeger data source: the v1 "internal" API (/api/services, /api/operations,
// /api/traces, /api/dependencies, POST /api/transform) and Jaeger 2's api_v3 HTTP gateway
// (/api/v3/services, /api/v3/operations, /api/v3/traces, /api/v3/traces/{id},
// /api/v3/trace-summaries), routed by a table in jaeger_api.cc. Response shapes, status codes and
// error texts follow Jaeger's. Every request has a deadline (503 past it) and searches a budget of
// candidate traces (422). The HTTP server's handler calls Handle(); it may run concurrently on
// several I/O threads (the class holds no mutable state; the querier must be thread-safe, as
// TraceQuerier is).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string_view>

#include "net/http_server.h"
#include "store/querier.h"

namespace otter::query {

struct JaegerApiOptions {
  // Search window when /api/traces has neither start nor lookback: start = end - this.
  std::chrono::nanoseconds default_lookback = std::chrono::hours(1);
  // Traces per search without ?limit= (Jaeger's defaultQueryLimit) and the most ?limit= may ask.
  size_t default_limit = 100;
  size_t max_limit = 1500;
  // /api/dependencies window without ?lookback= (Jaeger's defaultDependencyLookbackDuration).
  std::chrono::nanoseconds default_dependency_lookback = std::chrono::hours(24);
  // A request running longer fails with 503 (the store's query.timeout).
  std::chrono::milliseconds timeout{std::chrono::minutes(2)};
  // Candidate traces a search may hold (traces in its window having a matching operation);
  // past it the search fails with 422. 0 = no limit.
  size_t max_traces = 1'000'000;
  // Unix nanoseconds now; empty = the system clock. Tests inject a fixed time.
  std::function<int64_t()> now_ns;
};

class JaegerApi {
 public:
  using Options = JaegerApiOptions;

  JaegerApi(store::TraceQuerier& querier, Options options);

  // True for the paths this API serves (whatever the method), so a router can dispatch.
  bool Handles(std::string_view path) const;
  // Answers one request synchronously into *out.
  // `received`: when the request arrived; its deadline counts from then.
  void Handle(const net::HttpRequest& request, net::HttpResponse* out,
              std::chrono::steady_clock::time_point received = std::chrono::steady_clock::now());

 private:
  int64_t NowNs() const;

  store::TraceQuerier& querier_;
  Options options_;
};

}  // namespace otter::query
