// Structure of a regularly sampled series that the forecasts build on: level shifts
// (changepoints) and daily/weekly seasonality. Pure functions over a span of values, O(n) apart
// from a few small medians; thread-safe.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace otter::analytics::forecast {

// An abrupt, lasting change of level: values from `index` on sit `shift` away from before.
struct LevelShift {
  size_t index = 0;
  double shift = 0;
};

// Level shifts in `y`: a step whose first difference is more than `k` robust standard deviations
// of the differences (1.4826·MAD) away from their median, confirmed when the median of the next
// `window` values differs from the median of the previous `window` by at least half the step (in
// the same direction) — so a lone spike, which moves one value, is not a shift. Shifts closer
// than `window` keep the largest. In index order.
std::vector<LevelShift> FindLevelShifts(std::span<const double> y, double k = 6, size_t window = 8);

// The season length in samples for a series sampled every `step_s` seconds: the daily
// (86400 s) or weekly (604800 s) period whose autocorrelation, after removing a straight line,
// is at least `min_acf`, when the series spans at least two periods of at least 3 samples each.
// Weekly wins only when clearly stronger than daily. 0 when neither.
size_t DetectPeriod(std::span<const double> y, double step_s, double min_acf = 0.3);

// Autocorrelation of `y` minus its least-squares line at lag `lag` (0 when undefined).
double DetrendedAutocorrelation(std::span<const double> y, size_t lag);

// Ordinary least squares of y against its index: y ≈ intercept + slope·i.
void FitLine(std::span<const double> y, double* intercept, double* slope);

// The median of `v` (reordered in place); NaN when empty.
double MedianInPlace(std::span<double> v);

}  // namespace otter::analytics::forecast
