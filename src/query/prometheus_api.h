// PrometheusApi: the Prometheus HTTP query API (/api/v1/query, query_range, series, labels,
// label/<name>/values, metadata, query_exemplars, rules, alerts, status/buildinfo; a route table
// in prometheus_api.cc) over a store::MetricQuerier, with Prometheus's JSON shapes, error types
// and status codes, so Grafana can use otter as a Prometheus data source. Called by the query
// server's HTTP handler; Handle() is thread-safe (no mutable state; the querier must allow
// concurrent calls).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string_view>

#include "net/http_server.h"
#include "query/promql/engine.h"
#include "query/rule_listing.h"
#include "store/querier.h"

namespace otter::query {

class PrometheusApi {
 public:
  struct Options {
    std::chrono::milliseconds query_timeout{std::chrono::minutes(2)};
    size_t max_samples = 50000000;
    int64_t lookback_delta_ms = 5 * 60 * 1000;
    // Unix milliseconds now: the default `time` of instant queries. Injectable for tests.
    std::function<int64_t()> now;
    // The rules and alerts of /api/v1/rules and /api/v1/alerts; null = none.
    const RuleListing* rules = nullptr;
  };

  PrometheusApi(store::MetricQuerier& querier, Options options);

  // True for paths under /api/v1/.
  bool Handles(std::string_view path) const;
  // `received`: when the request arrived; its deadline counts from then (time spent waiting
  // for a worker included).
  void Handle(
      const net::HttpRequest& request, net::HttpResponse* out,
      std::chrono::steady_clock::time_point received = std::chrono::steady_clock::now()) const;

 private:
  store::MetricQuerier& querier_;
  Options options_;
  promql::Engine engine_;
};

// Parameter parsing, exposed for tests. Times: RFC3339 (fractional seconds allowed) or Unix
// float seconds, rounded to milliseconds. Durations: float seconds or a PromQL duration.
StatusOr<int64_t> ParsePromTimeMillis(std::string_view s);
StatusOr<int64_t> ParsePromDurationMillis(std::string_view s);

}  // namespace otter::query
