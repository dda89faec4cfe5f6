// Numeric kernels shared by PromQL functions and aggregations, exposed for direct tests:
// the φ-quantile of values and of classic histogram buckets, and rate extrapolation.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
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

// Go's %v / %g of a float64: shortest round-trip digits, exponent form ("1e+06") when the
// decimal exponent is < -4 or >= 6. For error and annotation texts Prometheus formats so.
std::string FormatGoFloat(double v);

// Go's sort.Sort as Prometheus gets it: insertion sort up to 12 elements (so equal elements
// keep their order except where `less` says otherwise), a stable sort beyond. `less` follows
// Go's sort.Interface Less. Used where Prometheus's result order is part of its answer.
void GoSort(Vector& v, const std::function<bool(const Element&, const Element&)>& less);

// Go's container/heap Push and Fix(0) over `heap` with `less` (a min-heap by `less`).
void GoHeapPush(Vector& heap, Element e,
                const std::function<bool(const Element&, const Element&)>& less);
void GoHeapFixTop(Vector& heap, const std::function<bool(const Element&, const Element&)>& less);

// Go's strconv.Quote: "..." with \", \\, \n-style escapes and \xNN for control bytes and
// bytes that are not UTF-8. For error texts that quote user strings.
std::string GoQuoteString(std::string_view s);

// A label name Prometheus 3 accepts (non-empty UTF-8).
bool IsValidLabelName(std::string_view s);

// One step of Kahan–Neumaier compensated summation: adds `inc` to `*sum`, keeping the lost
// low-order bits in `*c` (reset when the sum overflows to ±Inf). The total is *sum + *c.
void KahanSumInc(double inc, double* sum, double* c);

// rate() / increase() / delta() over `points` in the window [range_start, range_end] (ms);
// nullopt-like: returns false when there are fewer than two points.
bool ExtrapolatedRate(const std::vector<Point>& points, int64_t range_start_ms,
                      int64_t range_end_ms, bool is_counter, bool is_rate, double* out);

}  // namespace otter::query::promql
