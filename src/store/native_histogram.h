// NativeHistogram: a Prometheus native (sparse, exponential-bucket) histogram sample with float
// counts, as Prometheus's model/histogram.FloatHistogram: the store keeps OTLP exponential
// histograms as these (prom_convert.h), the delta accumulator sums them, PromQL computes over
// them. Conversion from OTLP, resolution reduction, addition/subtraction, counter-reset
// detection, bucket iteration with boundaries, quantile and fraction estimation, and the byte
// encoding blocks and the delta state use (docs/storage.md, "Native histograms").
// Plain value type; no thread-safety concerns.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "pdata/metrics.h"

namespace otter::store {

struct HistogramSpan {
  int32_t offset = 0;  // the first span: the absolute index; later ones: the gap after the last
  uint32_t length = 0;
  friend bool operator==(const HistogramSpan&, const HistogramSpan&) = default;
};

// One bucket with its boundaries, as Prometheus's histogram.Bucket.
struct HistogramBucket {
  double lower = 0, upper = 0;
  bool lower_inclusive = false, upper_inclusive = true;
  double count = 0;
  // Prometheus's JSON boundary code: 0 (left open), 1 (right open), 2 (both open), 3 (closed).
  int BoundaryRule() const {
    if (lower_inclusive && upper_inclusive) return 3;
    if (lower_inclusive) return 1;
    if (upper_inclusive) return 0;
    return 2;
  }
};

struct NativeHistogram {
  enum class ResetHint : uint8_t {
    kUnknown = 0,
    kCounterReset = 1,
    kNotCounterReset = 2,
    kGauge = 3
  };
  static constexpr int32_t kMinSchema = -4;
  static constexpr int32_t kMaxSchema = 8;
  // What the Prometheus OTLP translator sets (OTLP's zero_threshold is not carried over).
  static constexpr double kOtlpZeroThreshold = 1e-128;

  ResetHint hint = ResetHint::kUnknown;
  int32_t schema = 0;
  double zero_threshold = 0;
  double zero_count = 0;
  double count = 0;
  double sum = 0;
  std::vector<HistogramSpan> positive_spans, negative_spans;
  std::vector<double> positive_buckets, negative_buckets;  // absolute counts

  friend bool operator==(const NativeHistogram&, const NativeHistogram&) = default;

  // The conversion of an OTLP exponential histogram point as Prometheus's OTLP translator does:
  // scale < -4 is refused (false, with *why), scale > 8 merged down to 8, OTLP bucket k (base^k,
  // base^(k+1)] is Prometheus bucket k+1, a point without a recorded value is a stale marker
  // (sum = StaleNaN).
  static bool FromOtlp(const pdata::ExponentialHistogramDataPoint& p, NativeHistogram* out,
                       std::string* why);

  bool IsStaleMarker() const;
  // Merges buckets so that the schema becomes `target` (<= schema).
  void ReduceResolution(int32_t target);
  // this += other / this -= other, at the coarser schema and the larger zero threshold
  // (buckets inside it move into the zero bucket), as FloatHistogram.Add/Sub.
  NativeHistogram& Add(const NativeHistogram& other);
  NativeHistogram& Sub(const NativeHistogram& other);
  NativeHistogram& Mul(double factor);  // counts, sum and buckets scaled
  // Whether this sample cannot follow `previous` without a counter reset (a count, the zero
  // bucket or a bucket went down, or the schema got finer or the zero threshold smaller), as
  // FloatHistogram.DetectReset.
  bool DetectReset(const NativeHistogram& previous) const;
  // Drops empty buckets and merges adjacent spans (the canonical layout).
  void Compact();

  // Every non-empty bucket in value order: negative buckets, the zero bucket, positive buckets.
  void ForEachBucket(const std::function<void(const HistogramBucket&)>& fn) const;
  // histogram_quantile and histogram_fraction (Prometheus 3: log-linear interpolation inside
  // exponential buckets, linear inside the zero bucket).
  double Quantile(double q) const;
  double Fraction(double lower, double upper) const;

  // The byte encoding of docs/storage.md ("Native histograms"); Decode returns false on malformed
  // input.
  void EncodeTo(std::string* out) const;
  static bool Decode(std::string_view* in, NativeHistogram* out);
};

// The upper bound of bucket `index` at `schema` (lower bound: the previous index's).
double HistogramBucketBound(int32_t index, int32_t schema);

}  // namespace otter::store
