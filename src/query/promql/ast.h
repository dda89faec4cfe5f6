// The PromQL syntax tree produced by parser.h and walked by the evaluator (engine.h). One Node
// type with a kind tag keeps the tree small and easy to walk; only the fields of its kind are set.
// Immutable after parsing; a parsed tree may be evaluated from several threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "store/matcher.h"

namespace otter::query::promql {

enum class ValueType { kScalar, kVector, kMatrix, kString };

// "scalar", "instant vector", "range vector", "string": the names parse errors use.
std::string_view DocumentedTypeName(ValueType t);
// "scalar", "vector", "matrix", "string": the API's resultType.
std::string_view ResultTypeName(ValueType t);

enum class NodeKind {
  kNumber,
  kString,
  kVectorSelector,
  kMatrixSelector,
  kSubquery,
  kParen,
  kUnary,
  kBinary,
  kAggregate,
  kCall,
};

enum class BinOp {
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kAtan2,
  kEq,
  kNe,
  kGt,
  kLt,
  kGe,
  kLe,
  kAnd,
  kOr,
  kUnless,
};

bool IsComparison(BinOp op);
bool IsSetOp(BinOp op);
std::string_view BinOpName(BinOp op);

enum class AggOp {
  kSum,
  kAvg,
  kMin,
  kMax,
  kCount,
  kGroup,
  kStddev,
  kStdvar,
  kTopk,
  kBottomk,
  kQuantile,
  kCountValues,
  kLimitK,
  kLimitRatio,
};

struct VectorMatching {
  enum class Card { kOneToOne, kManyToOne, kOneToMany, kManyToMany };
  Card card = Card::kOneToOne;
  bool on = false;                   // on(...) rather than ignoring(...)
  std::vector<std::string> labels;   // the on/ignoring list
  std::vector<std::string> include;  // group_left/group_right(...) labels
};

// A duration expression (Prometheus 3, experimental): `[5m+1m]`, `offset (1m*2)`, `[step()]`,
// `[min(step(), 1m)]`. Evaluated per query in seconds; step() is the query's step (0 for an
// instant query). Only written to a Node when it is more than a literal.
struct DurationExpr {
  enum class Op { kNumber, kStep, kNeg, kAdd, kSub, kMul, kDiv, kMod, kPow, kMin, kMax };
  Op op = Op::kNumber;
  double number = 0;                       // kNumber, in seconds
  size_t pos = 0, end = 0;                 // byte range in the query (for errors)
  std::unique_ptr<DurationExpr> lhs, rhs;  // kNeg: lhs only
};

// `@ <ts>`, `@ start()`, `@ end()`.
struct AtModifier {
  enum class Kind { kNone, kTimestamp, kStart, kEnd };
  Kind kind = Kind::kNone;
  int64_t t_ms = 0;  // kTimestamp
};

struct Node {
  NodeKind kind = NodeKind::kNumber;
  ValueType type = ValueType::kScalar;
  size_t pos = 0;  // byte offset of the node's first character in the query

  double number = 0;  // kNumber
  std::string text;   // kString value; kVectorSelector metric name; kCall function name

  store::Matchers matchers;  // kVectorSelector (includes the __name__ matcher)
  int64_t offset_ms = 0;     // kVectorSelector, kSubquery
  AtModifier at;             // kVectorSelector, kSubquery
  // kVectorSelector, Prometheus 3 experimental: `x[5m] anchored` also takes the last sample
  // before the window; `smoothed` interpolates at the window edges (and at t for an instant
  // selector).
  bool anchored = false, smoothed = false;
  int64_t range_ms = 0;  // kMatrixSelector, kSubquery
  int64_t step_ms = 0;   // kSubquery; 0 = the query's step
  // When set, these replace offset_ms / range_ms / step_ms at evaluation time.
  std::unique_ptr<DurationExpr> offset_expr, range_expr, step_expr;

  BinOp bin_op = BinOp::kAdd;  // kBinary; kUnary uses kAdd / kSub
  bool return_bool = false;
  VectorMatching matching;  // kBinary between two vectors

  AggOp agg_op = AggOp::kSum;  // kAggregate
  std::vector<std::string> grouping;
  bool without = false;
  std::unique_ptr<Node> param;  // topk/bottomk/limitk/limit_ratio/quantile/count_values parameter

  // kParen, kUnary, kSubquery, kAggregate: one child; kMatrixSelector: the vector selector;
  // kBinary: lhs, rhs; kCall: the arguments.
  std::vector<std::unique_ptr<Node>> children;
};

// The expression inside any number of parentheses.
const Node& StripParens(const Node& n);

}  // namespace otter::query::promql
