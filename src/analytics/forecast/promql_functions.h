// The PromQL extensions backed by the forecasts, evaluated per series by the PromQL engine's
// range-function dispatch (query/promql/functions.cc):
//   forecast(v range, horizon [, q])         the ETS forecast `horizon` seconds after the
//                                            evaluation time (its q-quantile; default 0.5)
//   time_to_threshold(v range, limit [, q])  seconds from the evaluation time until the series
//                                            reaches `limit` (exhaustion.h); +Inf: not in reach
// docs/promql.md describes them for users. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "query/promql/value.h"

namespace otter::analytics::forecast {

bool IsForecastFunction(std::string_view f);

// The value of `f` over one series' float points at evaluation time t_ms; a1 is the horizon or
// limit, q the quantile. False when there is no output (fewer than 3 samples).
bool ForecastFunction(std::string_view f, std::span<const query::promql::Point> pts, int64_t t_ms,
                      double a1, double q, double* out);

}  // namespace otter::analytics::forecast
