// Duration histograms of the connectors that turn spans into metrics (spanmetrics,
// servicegraph): explicit bounds (upper-inclusive, like Prometheus' `le`), or OTLP's base-2
// exponential buckets whose scale drops as the observed range grows so that at most max_size
// buckets are used. Not thread-safe: owned by one aggregation guarded by its owner's mutex.
#pragma once

#include <cstdint>
#include <vector>

#include "pdata/metrics.h"

namespace otter {

struct ExplicitHistogram {
  std::vector<uint64_t> counts;  // bounds.size() + 1 buckets
  uint64_t count = 0;
  double sum = 0;

  void Observe(const std::vector<double>& bounds, double v);
  void ToPoint(const std::vector<double>& bounds, pdata::HistogramDataPoint& p) const;
};

class ExponentialHistogram {
 public:
  static constexpr int32_t kMaxScale = 20;
  explicit ExponentialHistogram(int32_t max_size = 160) : max_size_(max_size) {}
  void Observe(double v);  // v >= 0 (durations)
  void ToPoint(pdata::ExponentialHistogramDataPoint& p) const;
  int32_t scale() const { return scale_; }

 private:
  static int32_t Index(double v, int32_t scale);
  void Downscale(int32_t by);

  int32_t max_size_;
  int32_t scale_ = kMaxScale;
  int32_t offset_ = 0;
  std::vector<uint64_t> counts_;
  uint64_t zero_count_ = 0;
  uint64_t count_ = 0;
  double sum_ = 0;
};

}  // namespace otter
