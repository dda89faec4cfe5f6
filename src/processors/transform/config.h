// Typed config of the transform processor (otelcol's `transform`): per signal, groups of OTTL
// statements compiled at config time, so a bad statement fails `otter validate` with its
// file:line and column. Both of otelcol's forms are accepted in `<signal>_statements`:
//   - {context: span, conditions: [...], statements: [...], error_mode: ignore}
//     (context may be left out: it is then inferred from the paths, as for strings)
//   - "set(span.attributes[\"k\"], \"v\")" — the context is inferred from the path prefixes.
// Read-only after parsing.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "component/registry.h"
#include "config/table.h"
#include "ottl/ottl.h"

namespace otter {

struct TransformGroup {
  ottl::ContextKind context = ottl::ContextKind::kResource;
  // Statements run on an item only if one of these holds (or there are none).
  std::vector<ottl::Condition> conditions;
  std::vector<ottl::Statement> statements;
  std::optional<ottl::ErrorMode> error_mode;  // unset: the processor's error_mode
};

struct TransformConfig : ComponentConfig {
  ottl::ErrorMode error_mode = ottl::ErrorMode::kPropagate;
  std::vector<TransformGroup> trace_statements;
  std::vector<TransformGroup> metric_statements;
  std::vector<TransformGroup> log_statements;
};

const config::Table<TransformConfig>& TransformConfigTable();

}  // namespace otter
