// Step evaluators for LogQL metric queries (internal to the engine): each node of a metric
// expression becomes an evaluator that yields an instant vector (or scalar) for one evaluation
// time. Times must be asked for in increasing order (range windows slide forward).
// Used by engine.cc only; not thread-safe (one evaluator tree per query).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "query/logql/ast.h"
#include "store/labels.h"

namespace otter::query::logql {

struct InstantSample {
  store::Labels labels;
  double value = 0;
};

struct StepValue {
  bool is_scalar = false;
  double scalar = 0;
  std::vector<InstantSample> vector;
};

class StepEvaluator {
 public:
  virtual ~StepEvaluator() = default;
  virtual StatusOr<StepValue> Eval(int64_t t_ns) = 0;
};

// Samples of one series extracted from log entries, ascending by time. `values` holds 1 per
// entry for count-style ops, the line length for bytes ops, the unwrapped value otherwise.
struct RawSeries {
  store::Labels labels;
  std::vector<int64_t> ts;
  std::vector<double> values;
};

// Range aggregation over `series` (count_over_time, rate, sum_over_time, ...), windows
// (t - offset - range, t - offset]. `absent_labels` are the labels for absent_over_time.
std::unique_ptr<StepEvaluator> MakeRangeAggEvaluator(const Expr& expr,
                                                     std::vector<RawSeries> series,
                                                     store::Labels absent_labels);
std::unique_ptr<StepEvaluator> MakeVectorAggEvaluator(const Expr& expr,
                                                      std::unique_ptr<StepEvaluator> child);
std::unique_ptr<StepEvaluator> MakeBinaryEvaluator(const Expr& expr,
                                                   std::unique_ptr<StepEvaluator> lhs,
                                                   std::unique_ptr<StepEvaluator> rhs);
// label_replace(child, ...): sets (or, with an empty expansion, removes) expr.dst on samples
// whose expr.src value matches expr.regex.
std::unique_ptr<StepEvaluator> MakeLabelReplaceEvaluator(const Expr& expr,
                                                         std::unique_ptr<StepEvaluator> child);
// A number literal (scalar) or vector(x) (one sample with no labels).
std::unique_ptr<StepEvaluator> MakeConstantEvaluator(double value, bool as_vector);

// The grouping key labels of `labels` under `by (...)` / `without (...)`.
store::Labels GroupLabels(const store::Labels& labels, const Grouping& grouping);

}  // namespace otter::query::logql
