// Evaluator: the per-query state of the PromQL engine (engine.h is the public face). It fetches
// each selector's samples once for the whole query range (Preload), then evaluates the tree at
// each step. Split over evaluator.cc (selectors, subqueries, binary ops), aggregate.cc and
// functions.cc. One Evaluator per query; not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "query/promql/ast.h"
#include "query/promql/engine.h"
#include "query/promql/value.h"
#include "store/querier.h"

namespace otter::query::promql {

class Evaluator {
 public:
  Evaluator(store::MetricQuerier& querier, const EngineOptions& options, int64_t start_ms,
            int64_t end_ms, int64_t step_ms, Deadline deadline)
      : querier_(querier),
        options_(options),
        start_ms_(start_ms),
        end_ms_(end_ms),
        step_ms_(step_ms),
        deadline_(deadline) {}

  // Fetches every selector's samples for the whole query range.
  Status Preload(const Node& root);
  StatusOr<Value> Eval(const Node& n, int64_t t_ms);

  Status CheckDeadline();
  Annotations& annotations() { return annotations_; }
  // Accounts `n` more samples held in memory; fails past max_samples.
  Status AddSamples(size_t n);
  void ReleaseSamples(size_t n) { held_ -= std::min(held_, n); }

 private:
  Status PreloadNode(const Node& n, int64_t mint, int64_t maxt);
  // Evaluates the duration expressions of the tree for this query (their step() is its step).
  Status ResolveDurations(const Node& n);
  int64_t OffsetMs(const Node& n) const;
  int64_t RangeMs(const Node& n) const;
  int64_t StepMs(const Node& n) const;
  int64_t EffectiveTime(const Node& n, int64_t t) const;

  StatusOr<Value> EvalVectorSelector(const Node& n, int64_t t);
  StatusOr<Value> EvalMatrixSelector(const Node& n, int64_t t);
  Value EvalSmoothedSelector(const Node& n, int64_t ref, int64_t t);
  StatusOr<Value> EvalSubquery(const Node& n, int64_t t);
  StatusOr<Value> EvalUnary(const Node& n, int64_t t);
  StatusOr<Value> EvalBinary(const Node& n, int64_t t);
  StatusOr<Value> EvalAggregate(const Node& n, int64_t t);  // aggregate.cc
  StatusOr<Value> EvalCall(const Node& n, int64_t t);       // functions.cc
  // sum/avg of native histogram elements, appended to `out` (the float groups of the same
  // aggregation): a group with floats and histograms is left out.
  void AggregateHistograms(const Node& n, bool average, const Vector& in, int64_t t, Vector* out);
  StatusOr<Value> EvalInfo(const Node& n, int64_t t);  // info.cc
  // The matchers info() selects its info series with (target_info unless named).
  static store::Matchers InfoSelector(const Node& n);  // info.cc
  // The info Prometheus gives for rate()/increase() of a name without a counter suffix.
  void WarnIfNotCounter(std::string_view metric_name, size_t pos);  // functions.cc

  struct SubqueryCache {
    std::map<int64_t, Vector> steps;  // inner evaluation time → result
    size_t samples = 0;
  };

  store::MetricQuerier& querier_;
  const EngineOptions& options_;
  int64_t start_ms_, end_ms_, step_ms_;
  Deadline deadline_;
  size_t held_ = 0;
  uint32_t deadline_counter_ = 0;
  std::unordered_map<const Node*, std::vector<store::SeriesData>> data_;
  std::unordered_map<const Node*, SubqueryCache> subqueries_;
  Annotations annotations_;
  struct Durations {
    int64_t offset_ms, range_ms, step_ms;
  };
  std::unordered_map<const Node*, Durations> durations_;  // nodes with duration expressions
};

// Runtime ("execution") errors.
inline Status ExecError(std::string msg) { return FailedPrecondition(std::move(msg)); }

// Fails with "vector cannot contain metrics with the same labelset" on duplicates.
Status CheckNoDuplicateLabelSets(const Vector& v);

}  // namespace otter::query::promql
