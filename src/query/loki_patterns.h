// The body of Loki's /loki/api/v1/patterns: the log patterns of the selected streams with their
// counts per step. Loki's pattern ingester clusters lines as they arrive; otter clusters the
// selected lines at query time with the same Drain algorithm (logql/patterns.h), per stream and
// detected_level, reading at most `max_lines` lines. Called by LokiApi; thread-safe if the
// querier is.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "store/querier.h"

namespace otter::query {

struct PatternsRequest {
  std::string query;  // a stream selector, e.g. {service_name="checkout"}
  int64_t start_ns = 0;
  int64_t end_ns = 0;   // exclusive
  int64_t step_ns = 0;  // at least Loki's 10s resolution is used
  size_t max_lines = 1'000'000;
};

// {"status":"success","data":[{"pattern":"...","level":"info","samples":[[unix_s,count],...]}]}
// (without Loki's trailing newline, which the caller's writer adds).
// Errors: InvalidArgument for a bad selector (HTTP 400), the querier's and the limits' errors.
StatusOr<std::string> PatternsResponse(store::LogQuerier& querier, const PatternsRequest& request,
                                       const store::QueryLimits& limits);

}  // namespace otter::query
