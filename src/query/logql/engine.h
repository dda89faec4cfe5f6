// LogQL engine: evaluates a parsed query (parser.h) against a store::LogQuerier. Log queries
// return streams (entries in the requested direction, at most `limit`); metric queries are
// evaluated step by step like Loki (range windows (t - range, t]). Entries stream from the
// store (LogQuerier::Scan): a log query stops reading once it has `limit` entries that passed its
// pipeline. Enforces the series limit, the deadline and the entry budget (store::QueryLimits:
// log entries and metric samples held).
// Thread-safety: an Engine holds no per-query state; Exec may run concurrently if the querier
// allows it.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "query/logql/ast.h"
#include "store/querier.h"

namespace otter::query::logql {

struct EngineOptions {
  size_t max_series = 500;  // metric results (Loki's max_query_series)
};

struct QueryParams {
  int64_t start_ns = 0;  // log queries: [start, end); metric range queries: steps start..end
  int64_t end_ns = 0;
  int64_t step_ns = 0;   // metric range queries
  bool instant = false;  // metric: evaluate once at end_ns
  store::Direction direction = store::Direction::kBackward;
  size_t limit = 100;  // log queries: entries
  // Log queries: stream labels are only the stream's own labels; each entry carries its
  // structured metadata and parsed labels apart (Loki's categorize-labels encoding flag).
  bool categorize_labels = false;
};

struct QueryStats {
  uint64_t lines_processed = 0;
  uint64_t bytes_processed = 0;
  uint64_t post_filter_lines = 0;
  uint64_t entries_returned = 0;
};

struct ResultSeries {
  store::Labels labels;
  std::vector<std::pair<int64_t, double>> points;  // (t ns, value), ascending
};

struct QueryResult {
  enum class Type { kStreams, kMatrix, kVector, kScalar } type = Type::kStreams;
  std::vector<store::LogStream> streams;  // kStreams, sorted by labels
  std::vector<ResultSeries> series;       // kMatrix (sorted by labels) / kVector (one point)
  double scalar = 0;                      // kScalar
  int64_t scalar_t_ns = 0;
  QueryStats stats;
};

class Engine {
 public:
  Engine(store::LogQuerier& querier, EngineOptions options)
      : querier_(querier), options_(options) {}

  // Errors: InvalidArgument (pipeline errors, limits: HTTP 400), DeadlineExceeded, and the
  // querier's own errors.
  StatusOr<QueryResult> Exec(const Expr& expr, const QueryParams& params,
                             const store::QueryLimits& limits) const;

 private:
  StatusOr<QueryResult> ExecLogs(const LogSelectorExpr& selector, const QueryParams& params,
                                 const store::QueryLimits& limits) const;
  StatusOr<QueryResult> ExecMetric(const Expr& expr, const QueryParams& params,
                                   const store::QueryLimits& limits) const;

  store::LogQuerier& querier_;
  EngineOptions options_;
};

}  // namespace otter::query::logql
