// LokiApi: Loki's HTTP query API (/loki/api/v1/query_range, /query, /labels, /label/<n>/values,
// /series, /index/stats, /ready) over a store::LogQuerier, answering with Loki's JSON shapes
// and plain-text errors. The HTTP server that owns the port calls Handles()/Handle().
// Thread-safety: Handle may be called concurrently (no mutable state besides the querier,
// which must itself be thread-safe).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string_view>

#include "net/http_server.h"
#include "query/loki_tail.h"
#include "store/querier.h"

namespace otter::query {

class HttpParams;

class LokiApi {
 public:
  struct Options {
    std::chrono::milliseconds timeout{std::chrono::minutes(1)};  // Loki's query_timeout
    size_t max_entries_limit = 5000;                             // max_entries_limit_per_query
    size_t default_limit = 100;
    size_t max_series = 500;  // max_query_series
    // Log entries (and log-metric samples) one query may hold in memory; 0 = no limit.
    size_t max_entries = 5'000'000;
    // Unix nanoseconds "now" (default ranges, execTime); the system clock when empty.
    std::function<int64_t()> now_ns;
  };

  LokiApi(store::LogQuerier& querier, Options options);

  // True for the paths this API answers.
  bool Handles(std::string_view path) const;
  // `received`: when the request arrived; its deadline counts from then.
  void Handle(
      const net::HttpRequest& request, net::HttpResponse* out,
      std::chrono::steady_clock::time_point received = std::chrono::steady_clock::now()) const;
  // The live tail a WebSocket upgrade of /loki/api/v1/tail asks for (query, limit, start,
  // delay_for, and the categorize-labels encoding flag), checked as Loki checks it.
  StatusOr<TailRequest> ParseTail(const net::HttpRequest& request) const;

 private:
  int64_t Now() const;
  // The request's limits: options_.timeout, or the smaller ?timeout= the client sent.
  StatusOr<store::QueryLimits> Limits(const HttpParams& params,
                                      std::chrono::steady_clock::time_point received) const;

  store::LogQuerier& querier_;
  Options options_;
};

}  // namespace otter::query
