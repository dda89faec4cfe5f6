// PromQL engine: evaluates a parsed expression (parser.h) against a store::MetricQuerier, as an
// instant query (one time) or a range query (start..end by step), with Prometheus's semantics,
// limits (max samples, timeout) and error texts. Called by the Prometheus HTTP API.
// An Engine holds no per-query state: Exec* may be called from several threads at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "query/promql/ast.h"
#include "query/promql/value.h"
#include "store/querier.h"

namespace otter::query::promql {

struct EngineOptions {
  int64_t lookback_delta_ms = 5 * 60 * 1000;
  size_t max_samples = 50000000;
  // Step of subqueries written without one (`[5m:]`), in instant and range queries alike:
  // Prometheus's global evaluation interval, 1m by default. 0 = the range query's step.
  int64_t default_subquery_step_ms = 60 * 1000;
};

using Deadline = std::chrono::steady_clock::time_point;

// Prometheus's warning and info annotations of one query ("PromQL warning: ...", "PromQL info:
// ..."), each text once, in the order first raised. The API returns them as `warnings`/`infos`.
struct Annotations {
  // Set by the caller: the query text, to write each annotation's position as Prometheus does
  // ("... (1:10)"); without it annotations carry no position.
  std::string_view query;
  std::vector<std::string> warnings;
  std::vector<std::string> infos;
  // `pos`: byte offset in the query of the expression the annotation is about.
  void AddWarning(std::string text, size_t pos);
  void AddInfo(std::string text, size_t pos);
};

// Error codes: InvalidArgument (bad_data: parse errors, a range query over a non-instant
// expression), DeadlineExceeded (timeout), ResourceExhausted or FailedPrecondition (execution:
// too many samples, vector matching errors, bad label_replace regex ...), Internal/Unavailable
// (storage).
class Engine {
 public:
  Engine(store::MetricQuerier& querier, EngineOptions options)
      : querier_(querier), options_(options) {}

  // The value of `expr` at `t_ms`.
  // `annotations`, when given, receives the query's warnings and infos.
  StatusOr<Value> ExecInstant(const Node& expr, int64_t t_ms, Deadline deadline,
                              Annotations* annotations = nullptr) const;
  // A matrix: one series per distinct label set, a point per step where it had a value.
  // Series are sorted by labels.
  StatusOr<Matrix> ExecRange(const Node& expr, int64_t start_ms, int64_t end_ms, int64_t step_ms,
                             Deadline deadline, Annotations* annotations = nullptr) const;

  // Convenience for tests and the API: parse + ExecInstant / ExecRange.
  StatusOr<Value> Instant(std::string_view query, int64_t t_ms, Deadline deadline,
                          Annotations* annotations = nullptr) const;
  StatusOr<Matrix> Range(std::string_view query, int64_t start_ms, int64_t end_ms, int64_t step_ms,
                         Deadline deadline, Annotations* annotations = nullptr) const;

 private:
  store::MetricQuerier& querier_;
  EngineOptions options_;
};

inline constexpr std::string_view kTooManySamples =
    "query processing would load too many samples into memory in query execution";
inline constexpr std::string_view kTimedOut = "query timed out in expression evaluation";

}  // namespace otter::query::promql
