// Evaluator: the per-query state of the PromQL engine (engine.h is the public face). It fetches
// each selector's samples once for the whole query range (Preload), then evaluates the tree at
// each step. Split over evaluator.cc (selectors, subqueries, binary ops), aggregate.cc and
// functions.cc. One Evaluator per query; not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
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

  // A range query whose expression is a range function over a selector (rate(x[5m])): the result
  // matrix straight from the precomputed values, series by series, without a vector (and a copy
  // of every series' labels) per step; false when not applicable (range_steps.cc).
  StatusOr<bool> RangeOfPrecomputed(const Node& expr, Matrix* out);

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
  // Range functions over a selector (range_steps.cc). `call` is a range function whose matrix
  // argument `arg` is a plain matrix selector (not anchored or smoothed, not absent_over_time);
  // a1, a2 are its scalar arguments at t. Same result as evaluating the selector's matrix and the
  // function over each of its series, without building the matrix.
  StatusOr<Value> EvalRangeFunctionOfSelector(const Node& call, const Node& arg, int64_t t,
                                              double a1, double a2);
  // The function `call` over one series of its argument's window (range_start, range_end]: a
  // float, a native histogram, or nothing; labels as the function gives them (functions.cc).
  std::optional<Element> RangeElement(const Node& call, const Node& arg, Series s,
                                      int64_t range_start, int64_t range_end, int64_t t, double a1,
                                      double a2);
  // Per series of selector `n`'s data, `per_series` cursors (see cursors_), kept per query.
  std::vector<size_t>& Cursors(const Node& n, size_t per_series);
  // What a range-function call over a selector outputs, computed once per query: per series its
  // labels (without __name__ unless the function keeps it), whether rate/increase must note
  // that the name is not a counter's, and, in a range query, its value at every step.
  struct SelectorCall {
    std::vector<store::Labels> labels;
    bool distinct = true;  // the label sets are pairwise distinct: no output can repeat one
    bool all_floats = true;
    std::vector<uint8_t> warn;
    // Step-major values (step k, series i at k * series + i) and which exist; empty when the
    // call is not precomputed. Float series only (a histogram series is evaluated per step).
    std::vector<double> values;
    std::vector<uint8_t> has;
  };
  const SelectorCall& SelectorCallOf(const Node& call, const Node& arg);
  // The call's SelectorCall with its values for every step when it can have them (a range query
  // of more than one step, t one of its steps, constant scalar arguments, within
  // kMaxPrecomputed values), with *step set to t's; nullptr otherwise.
  StatusOr<const SelectorCall*> PrecomputedCall(const Node& call, int64_t t, size_t* step);
  // An aggregation (sum, avg, min, max, count, group, stddev, stdvar) straight over a
  // precomputed call's values, without building a vector per step; false when not applicable
  // (aggregate.cc).
  StatusOr<bool> EvalAggregateOfPrecomputed(const Node& n, int64_t t, Value* out);
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
  // Per vector selector: per series, the first sample after the last evaluation time; per
  // selector of a matrix selector: the first after the last window's start and after its end.
  std::unordered_map<const Node*, std::vector<size_t>> cursors_;
  std::unordered_map<const Node*, SelectorCall> selector_calls_;
  static constexpr size_t kMaxPrecomputed = 8 << 20;
  // Per aggregation over a precomputed call: each series' group and the groups' labels.
  struct SeriesGroups {
    std::vector<uint32_t> group_of;
    std::vector<store::Labels> labels;
  };
  std::unordered_map<const Node*, SeriesGroups> series_groups_;
};

// Runtime ("execution") errors.
inline Status ExecError(std::string msg) { return FailedPrecondition(std::move(msg)); }

// The index of the first sample of `v` with t_ms > x, searched forward from *hint when the
// answer is at or after it, backward otherwise; *hint becomes the answer. A range query's
// evaluation times only grow, so a hint kept per series turns each search into a few steps
// instead of a bisection over all the series' samples (range_steps.cc).
size_t SeekAfter(const std::vector<store::Sample>& v, int64_t x, size_t* hint);

// Fails with "vector cannot contain metrics with the same labelset" on duplicates.
Status CheckNoDuplicateLabelSets(const Vector& v);

}  // namespace otter::query::promql
