// LogQL parser: query text → syntax tree (ast.h). A hand-written recursive-descent parser whose
// errors use Loki's wording ("parse error at line 1, col 5: syntax error: unexpected ...").
// Called by the engine and the Loki HTTP API. Plain functions; thread-safe.
#pragma once

#include <memory>
#include <string_view>

#include "common/status.h"
#include "query/logql/ast.h"

namespace otter::query::logql {

// Parses a whole query (log or metric). Errors are InvalidArgument.
StatusOr<std::shared_ptr<const Expr>> ParseQuery(std::string_view query);

// Parses a bare stream selector `{a="b"}` (the series API's match[]); anything after the
// selector fails with "only label matchers are supported" like Loki.
StatusOr<store::Matchers> ParseStreamSelector(std::string_view selector);

}  // namespace otter::query::logql
