// Typed config of the filter processor (otelcol's `filter`): OTTL conditions per context, compiled
// at config time. An item is dropped when any condition of its context holds.
//   traces:  {span: [...], spanevent: [...]}     trace_conditions:  [...] (context inferred)
//   metrics: {metric: [...], datapoint: [...]}   metric_conditions: [...]
//   logs:    {log_record: [...]}                 log_conditions:    [...]
// The inferred forms may also name resource and scope conditions (dropping whole resources or
// scopes). Read-only after parsing.
#pragma once

#include <array>
#include <vector>

#include "component/registry.h"
#include "config/table.h"
#include "ottl/ottl.h"

namespace otter {

// Conditions of one signal, indexed by ottl::ContextKind.
struct FilterConditions {
  std::array<std::vector<ottl::Condition>, 7> by_context;
  std::vector<ottl::Condition>& at(ottl::ContextKind k) { return by_context[size_t(k)]; }
  const std::vector<ottl::Condition>& at(ottl::ContextKind k) const {
    return by_context[size_t(k)];
  }
  bool empty() const {
    for (const auto& c : by_context)
      if (!c.empty()) return false;
    return true;
  }
};

struct FilterConfig : ComponentConfig {
  ottl::ErrorMode error_mode = ottl::ErrorMode::kPropagate;
  FilterConditions traces;
  FilterConditions metrics;
  FilterConditions logs;
};

const config::Table<FilterConfig>& FilterConfigTable();

}  // namespace otter
