// Alert → traces context: what an alert carries besides its value, so that the person paged can
// go straight to the requests behind it. From the series the rule's selectors read (restricted
// to those consistent with the alert's labels) over the alert window:
//   - `trace_ids`: exemplar trace ids, highest exemplar value first (the slow or failing
//     requests), preferring ids the trace store holds;
//   - `changed_labels`: the label values whose share of the activity grew most in the window
//     compared with the baseline before it ("route=/checkout 18%→71%").
// Called by the rule group when an alert starts firing; reads the store through its queriers.
// Stateless; thread-safe if the queriers are.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "query/promql/ast.h"
#include "store/querier.h"

namespace otter::rules {

struct AlertContextOptions {
  size_t max_trace_ids = 5;
  size_t max_changed_labels = 3;
};

// The vector selectors of `expr` (their matchers) and the largest range it reads up to the
// evaluation time (ranges under `offset` do not count; 0 if none).
void SelectorsOf(const query::promql::Node& expr, std::vector<store::Matchers>* selectors,
                 int64_t* max_range_ms);

// Annotations (`trace_ids`, `changed_labels`; each only when found) for an alert with `labels`
// over [window_start_ms, ts_ms]; the baseline is the 4 window lengths before it (at most 6h).
// `ignore` names alert labels not taken from the series (alertname, the rule's own labels).
store::Labels AlertContext(store::MetricQuerier& metrics, store::TraceQuerier* traces,
                           const std::vector<store::Matchers>& selectors,
                           const store::Labels& labels, const std::set<std::string>& ignore,
                           int64_t window_start_ms, int64_t ts_ms,
                           const AlertContextOptions& options = {});

}  // namespace otter::rules
