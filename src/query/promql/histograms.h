// PromQL over native histogram samples (store/native_histogram.h), kept apart from the float
// paths: selecting histogram samples, the histogram_* functions, rate/increase/delta over
// histograms and sum/avg of histograms, with Prometheus 3's semantics (promql/functions.go).
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "query/promql/value.h"
#include "store/querier.h"

namespace otter::query::promql {

// The newest sample (float or histogram) of `s` at or before `ref` within the lookback, unless
// it is a stale marker.
std::optional<Element> LatestSample(const store::SeriesData& s, int64_t ref, int64_t lookback_ms);
// The samples of `s` in [from, to], floats and histograms merged by time, stale markers left out.
Series RangeSamples(const store::SeriesData& s, int64_t from, int64_t to);

// histogram_count, histogram_sum, histogram_avg, histogram_stddev, histogram_stdvar.
bool IsHistogramStatistic(std::string_view f);
// The statistic `f` of every histogram element of `in` (float elements are ignored), with the
// metric name dropped.
Vector HistogramStatistic(std::string_view f, const Vector& in, int64_t t);
// histogram_fraction(lower, upper, v).
Vector HistogramFraction(double lower, double upper, const Vector& in, int64_t t);

// rate / increase / delta over a range of histogram points (is_counter: rate and increase,
// with counter-reset detection). False when the range has fewer than two points or mixes
// floats and histograms (Prometheus leaves such a series out).
bool HistogramRange(std::string_view f, const std::vector<Point>& points, int64_t range_start_ms,
                    int64_t range_end_ms, store::NativeHistogram* out);

// `lhs op rhs` where a side is a native histogram (null: that side is the float lv / rv):
// histogram ± histogram, histogram × float, float × histogram and histogram / float, as
// Prometheus allows; nullptr for every other combination (Prometheus leaves the element out).
std::shared_ptr<const store::NativeHistogram> HistogramArithmetic(BinOp op,
                                                                  const store::NativeHistogram* lh,
                                                                  double lv,
                                                                  const store::NativeHistogram* rh,
                                                                  double rv);

// A range function over a series with histogram samples: rate / increase / delta
// (HistogramRange), last_over_time, sum_over_time / avg_over_time (histograms only),
// count_over_time and present_over_time; nullopt where Prometheus gives nothing (other
// functions, which ignore histogram samples, or floats and histograms mixed).
std::optional<Element> HistogramOverTime(std::string_view f, Series s, int64_t range_start_ms,
                                         int64_t range_end_ms, int64_t t);

// sum / avg of the histogram elements of one aggregation group.
store::NativeHistogram SumHistograms(const std::vector<const store::NativeHistogram*>& in,
                                     bool average);

}  // namespace otter::query::promql
