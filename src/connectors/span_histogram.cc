#include "connectors/span_histogram.h"

#include <algorithm>
#include <cmath>

namespace otter {

void ExplicitHistogram::Observe(const std::vector<double>& bounds, double v) {
  if (counts.empty()) counts.assign(bounds.size() + 1, 0);
  ++counts[std::lower_bound(bounds.begin(), bounds.end(), v) - bounds.begin()];
  ++count;
  sum += v;
}

void ExplicitHistogram::ToPoint(const std::vector<double>& bounds,
                                pdata::HistogramDataPoint& p) const {
  p.explicit_bounds = bounds;
  p.bucket_counts = counts.empty() ? std::vector<uint64_t>(bounds.size() + 1, 0) : counts;
  p.count = count;
  p.sum = sum;
}

// The bucket of v > 0 at `scale`: bucket i holds (base^i, base^(i+1)], base = 2^(2^-scale).
int32_t ExponentialHistogram::Index(double v, int32_t scale) {
  int exp = 0;
  double frac = std::frexp(v, &exp);  // v = frac * 2^exp, frac in [0.5, 1)
  if (frac == 0.5) {                  // an exact power of two: the upper edge of a bucket
    int64_t i = static_cast<int64_t>(exp - 1);
    return static_cast<int32_t>(scale >= 0 ? (i << scale) - 1 : ((i - 1) >> -scale));
  }
  if (scale <= 0) return (exp - 1) >> -scale;
  return static_cast<int32_t>(std::ceil(std::log2(v) * std::ldexp(1.0, scale))) - 1;
}

void ExponentialHistogram::Downscale(int32_t by) {
  if (by <= 0) return;
  std::vector<uint64_t> merged;
  int32_t new_offset = offset_ >> by;
  for (size_t i = 0; i < counts_.size(); ++i) {
    size_t j = static_cast<size_t>(((offset_ + static_cast<int32_t>(i)) >> by) - new_offset);
    if (j >= merged.size()) merged.resize(j + 1, 0);
    merged[j] += counts_[i];
  }
  counts_ = std::move(merged);
  offset_ = new_offset;
  scale_ -= by;
}

void ExponentialHistogram::Observe(double v) {
  ++count_;
  sum_ += v;
  if (!(v > 0)) {
    ++zero_count_;
    return;
  }
  int32_t i = Index(v, scale_);
  if (counts_.empty()) {
    offset_ = i;
    counts_.assign(1, 1);
    return;
  }
  int64_t lo = std::min<int64_t>(offset_, i);
  int64_t hi = std::max<int64_t>(offset_ + static_cast<int64_t>(counts_.size()) - 1, i);
  int32_t by = 0;
  while (((hi >> by) - (lo >> by) + 1) > max_size_) ++by;
  Downscale(by);
  i >>= by;
  if (i < offset_) {
    counts_.insert(counts_.begin(), static_cast<size_t>(offset_ - i), 0);
    offset_ = i;
  } else if (static_cast<size_t>(i - offset_) >= counts_.size()) {
    counts_.resize(static_cast<size_t>(i - offset_) + 1, 0);
  }
  ++counts_[static_cast<size_t>(i - offset_)];
}

void ExponentialHistogram::ToPoint(pdata::ExponentialHistogramDataPoint& p) const {
  p.scale = scale_;
  p.zero_count = zero_count_;
  p.positive.offset = offset_;
  p.positive.bucket_counts = counts_;
  p.count = count_;
  p.sum = sum_;
}

}  // namespace otter
