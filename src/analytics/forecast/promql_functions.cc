// forecast() and time_to_threshold() (promql_functions.h).
#include "analytics/forecast/promql_functions.h"

#include <vector>

#include "analytics/forecast/ets.h"
#include "analytics/forecast/exhaustion.h"

namespace otter::analytics::forecast {

bool IsForecastFunction(std::string_view f) { return f == "forecast" || f == "time_to_threshold"; }

bool ForecastFunction(std::string_view f, std::span<const query::promql::Point> pts, int64_t t_ms,
                      double a1, double q, double* out) {
  std::vector<Sample> samples;
  samples.reserve(pts.size());
  for (const auto& p : pts) samples.push_back(Sample{static_cast<double>(p.t_ms) / 1000, p.v});
  double now = static_cast<double>(t_ms) / 1000;
  if (f == "forecast") {
    FitOptions opts;
    opts.horizon_s = a1 > 0 ? a1 : 0;
    auto m = FitEts(samples, opts);
    if (!m) return false;
    *out = m->Quantile(now + a1 - m->last_t_s(), q);
    return true;
  }
  auto e = TimeToThreshold(samples, a1, now, q);
  if (!e) return false;
  *out = e->seconds;
  return true;
}

}  // namespace otter::analytics::forecast
