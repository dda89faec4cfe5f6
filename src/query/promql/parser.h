// PromQL parser: query text → type-checked syntax tree (ast.h), with Prometheus's error texts
// and "line:col: parse error: ..." positions. Called by the engine and the HTTP API.
// Stateless functions; safe from any thread.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "query/promql/ast.h"

namespace otter::query::promql {

struct FunctionInfo {
  std::string_view name;
  std::vector<ValueType> arg_types;
  // 0: exactly arg_types; -1: the last argument repeats without bound; n > 0: the last n
  // arguments are optional.
  int variadic = 0;
  ValueType return_type = ValueType::kVector;
};

// nullptr for unknown names.
const FunctionInfo* LookupFunction(std::string_view name);

// Parses and type-checks a whole expression. Errors are InvalidArgument, e.g.
// `1:14: parse error: unknown function with name "foo"`.
StatusOr<std::unique_ptr<Node>> ParseExpr(std::string_view query);

// Parses a series selector (the API's match[]): a vector selector without modifiers.
StatusOr<store::Matchers> ParseMetricSelector(std::string_view selector);

// Every vector selector's matchers in the tree (for /api/v1/query_exemplars).
void CollectSelectors(const Node& node, std::vector<store::Matchers>* out);

}  // namespace otter::query::promql
