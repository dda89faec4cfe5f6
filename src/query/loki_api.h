// LokiApi: Loki's HTTP query API over a store::LogQuerier, answering with Loki's JSON shapes and
// plain-text errors: query, query_range, labels, label/<n>/values, series (loki_api.cc),
// index/stats, index/volume, index/volume_range (loki_index_api.cc), detected_fields,
// detected_field/<n>/values, detected_labels (loki_detected_api.cc), patterns
// (loki_patterns.h), the ruler's rule and alert lists, /ready, and the request checks of the live
// tail (query/loki_tail.h). The HTTP server that owns the port calls Handles()/Handle(); a route
// table maps each path pattern to one handler. Thread-safety: Handle may be called concurrently (no
// mutable state besides the querier, which must itself be thread-safe).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "net/http_server.h"
#include "query/loki_tail.h"
#include "query/rule_listing.h"
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
    // The ruler's LogQL rules and alerts; null = none.
    const RuleListing* rules = nullptr;
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

  // One request as an endpoint's handler sees it.
  struct Call {
    const net::HttpRequest& http;
    const HttpParams& params;
    std::string name;           // the path's {name} segment, URL-decoded ("" when none)
    store::QueryLimits limits;  // deadline and entry budget
    int64_t now_ns = 0;         // when handling started (default ranges, execTime)
  };

 private:
  using Handler = Status (LokiApi::*)(const Call&, net::HttpResponse*) const;
  struct Route {
    std::string_view pattern;  // full path; {name} matches one non-empty segment (http_route.h)
    Handler handler;
    bool any_method = false;  // else GET and POST only
  };
  static const Route kRoutes[];

  Status Ready(const Call& call, net::HttpResponse* out) const;
  // /loki/api/v1/tail without a WebSocket upgrade (the upgrade goes to LokiTail).
  Status TailNotUpgraded(const Call& call, net::HttpResponse* out) const;
  Status QueryInstant(const Call& call, net::HttpResponse* out) const;
  Status QueryRange(const Call& call, net::HttpResponse* out) const;
  Status LabelNames(const Call& call, net::HttpResponse* out) const;
  Status LabelValues(const Call& call, net::HttpResponse* out) const;
  Status Series(const Call& call, net::HttpResponse* out) const;
  Status IndexStats(const Call& call, net::HttpResponse* out) const;
  Status IndexVolume(const Call& call, net::HttpResponse* out) const;
  Status IndexVolumeRange(const Call& call, net::HttpResponse* out) const;
  Status DetectedFields(const Call& call, net::HttpResponse* out) const;
  Status DetectedFieldValues(const Call& call, net::HttpResponse* out) const;
  Status DetectedLabels(const Call& call, net::HttpResponse* out) const;
  Status Patterns(const Call& call, net::HttpResponse* out) const;
  Status RuleGroups(const Call& call, net::HttpResponse* out) const;
  Status PrometheusRules(const Call& call, net::HttpResponse* out) const;
  Status PrometheusAlerts(const Call& call, net::HttpResponse* out) const;
  // Label names (or one label's values) of the streams the ?query= selector matches.
  StatusOr<std::vector<store::Labels>> SelectedStreams(const Call& call, int64_t start_ns,
                                                       int64_t end_ns) const;

  int64_t Now() const;
  // The request's limits: options_.timeout, or the smaller ?timeout= the client sent.
  StatusOr<store::QueryLimits> Limits(const HttpParams& params,
                                      std::chrono::steady_clock::time_point received) const;

  store::LogQuerier& querier_;
  Options options_;
};

}  // namespace otter::query
