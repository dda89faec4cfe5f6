// Numeric kernels shared by PromQL functions and aggregations, exposed for direct tests:
// the φ-quantile of values and of classic histogram buckets, and rate extrapolation.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "query/promql/value.h"

namespace otter::query::promql {

// quantile(): linear interpolation between the closest ranks (Prometheus's quantile()).
double Quantile(double q, std::vector<double> values);

struct Bucket {
  double upper_bound = 0;
  double count = 0;
};
// histogram_quantile() over classic buckets: needs a +Inf bucket; merges equal bounds and
// makes counts monotonic first, as Prometheus does.
double BucketQuantile(double q, std::vector<Bucket> buckets);

// One step of Kahan–Neumaier compensated summation: adds `inc` to `*sum`, keeping the lost
// low-order bits in `*c` (reset when the sum overflows to ±Inf). The total is *sum + *c.
void KahanSumInc(double inc, double* sum, double* c);

// rate() / increase() / delta() over `points` in the window (range_start, range_end] (ms);
// nullopt-like: returns false when there are fewer than two points.
bool ExtrapolatedRate(std::span<const Point> points, int64_t range_start_ms, int64_t range_end_ms,
                      bool is_counter, bool is_rate, double* out);

// rate / increase / delta (and changes / resets) of an `anchored` or `smoothed` range
// (Prometheus 3 experimental): `points` reach a lookback before the window (and after it when
// smoothed). Anchored takes the last sample at or before the window start as the left value;
// smoothed interpolates both edges. False when there is no output.
bool ExtendedRangeFunction(std::string_view f, const std::vector<Point>& points,
                           int64_t range_start_ms, int64_t range_end_ms, bool smoothed,
                           double* out);

// The value of the float range function `f` (rate, sum_over_time, ...) over one series' points
// in the window (range_start, range_end] at evaluation time t; scalar_arg, scalar_arg2 are its
// scalar arguments (quantile_over_time's φ, predict_linear's duration, the smoothing factors).
// False when the function gives no output for these points.
bool RangeFunction(std::string_view f, std::span<const Point> pts, int64_t range_start,
                   int64_t range_end, int64_t t, double scalar_arg, double scalar_arg2,
                   double* out);

// Whether the range function `f` keeps the series' metric name (last/first_over_time).
bool KeepsMetricName(std::string_view f);

}  // namespace otter::query::promql
