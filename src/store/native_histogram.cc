#include "store/native_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <map>

#include "store/block.h"
#include "store/file_util.h"

namespace otter::store {
namespace {

constexpr uint64_t kStaleNaNBits = 0x7ff0000000000002ull;

using BucketMap = std::map<int32_t, double>;  // index → count

BucketMap ToMap(const std::vector<HistogramSpan>& spans, const std::vector<double>& buckets) {
  BucketMap m;
  int32_t idx = 0;
  size_t b = 0;
  for (size_t s = 0; s < spans.size(); ++s) {
    idx += spans[s].offset;
    for (uint32_t k = 0; k < spans[s].length && b < buckets.size(); ++k, ++idx, ++b)
      m[idx] += buckets[b];
  }
  return m;
}

// Spans and buckets of `m`; with skip_empty, empty buckets are left out.
void FromMap(const BucketMap& m, bool skip_empty, std::vector<HistogramSpan>* spans,
             std::vector<double>* buckets) {
  spans->clear();
  buckets->clear();
  int32_t next = 0;  // the index after the last bucket written
  for (const auto& [idx, count] : m) {
    if (skip_empty && count == 0) continue;
    if (spans->empty()) {
      spans->push_back(HistogramSpan{idx, 0});
    } else if (idx != next) {
      spans->push_back(HistogramSpan{idx - next, 0});
    }
    spans->back().length++;
    buckets->push_back(count);
    next = idx + 1;
  }
}

BucketMap Reduce(const BucketMap& m, int32_t by) {
  if (by <= 0) return m;
  BucketMap out;
  // Bucket i (base^(i-1), base^i] lies in bucket ((i-1) >> by) + 1 of the coarser schema.
  for (const auto& [idx, count] : m) out[((idx - 1) >> by) + 1] += count;
  return out;
}

// Moves the buckets below `*threshold` (by absolute value) into *zero_count; a bucket that
// straddles the threshold raises it to the bucket's upper bound, as Prometheus does.
void WidenZeroBucket(int32_t schema, double* threshold, double* zero_count, BucketMap* pos,
                     BucketMap* neg) {
  bool changed = true;
  while (changed) {
    changed = false;
    for (BucketMap* m : {pos, neg}) {
      while (!m->empty()) {
        auto it = m->begin();
        double lower = HistogramBucketBound(it->first - 1, schema);
        double upper = HistogramBucketBound(it->first, schema);
        if (lower >= *threshold) break;
        *zero_count += it->second;
        if (upper > *threshold) {
          *threshold = upper;
          changed = true;
        }
        m->erase(it);
      }
    }
  }
}

void PutF64(std::string* out, double v) {
  uint64_t bits = std::bit_cast<uint64_t>(v);
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(bits >> (8 * i)));
}

bool GetF64(IndexReader& in, double* v) {
  std::string_view b;
  if (!in.Bytes(8, &b)) return false;
  *v = std::bit_cast<double>(LoadLE64(b.data()));
  return true;
}

}  // namespace

double HistogramBucketBound(int32_t index, int32_t schema) {
  if (schema < 0) {
    int64_t exp = static_cast<int64_t>(index) << -schema;
    if (exp == 1024) return std::numeric_limits<double>::max();  // the last finite bucket
    if (exp > 1024) return std::numeric_limits<double>::infinity();
    return std::ldexp(1.0, static_cast<int>(exp));
  }
  const int32_t n = 1 << schema;
  const int32_t frac_idx = index & (n - 1);
  const int64_t exp = (static_cast<int64_t>(index) >> schema) + 1;
  const double frac = std::exp2(static_cast<double>(frac_idx) / n) / 2;
  if (frac == 0.5 && exp == 1025) return std::numeric_limits<double>::max();
  if (exp > 1025) return std::numeric_limits<double>::infinity();
  return std::ldexp(frac, static_cast<int>(exp));
}

bool NativeHistogram::FromOtlp(const pdata::ExponentialHistogramDataPoint& p, NativeHistogram* out,
                               std::string* why) {
  if (p.scale < kMinSchema) {
    *why = "cannot convert exponential to native histogram. Scale must be >= -4, was " +
           std::to_string(p.scale);
    return false;
  }
  *out = NativeHistogram{};
  const int32_t down = p.scale > kMaxSchema ? p.scale - kMaxSchema : 0;
  out->schema = std::min(p.scale, kMaxSchema);
  out->zero_threshold = kOtlpZeroThreshold;
  out->zero_count = static_cast<double>(p.zero_count);
  auto convert = [&](const pdata::ExponentialBuckets& b, std::vector<HistogramSpan>* spans,
                     std::vector<double>* buckets) {
    BucketMap m;
    for (size_t i = 0; i < b.bucket_counts.size(); ++i) {
      // OTLP bucket k is (base^k, base^(k+1)]: Prometheus's k+1.
      int32_t k = b.offset + static_cast<int32_t>(i);
      m[(k >> down) + 1] += static_cast<double>(b.bucket_counts[i]);
    }
    FromMap(m, true, spans, buckets);
  };
  convert(p.positive, &out->positive_spans, &out->positive_buckets);
  convert(p.negative, &out->negative_spans, &out->negative_buckets);
  if (p.flags & pdata::kNoRecordedValueFlag) {
    out->sum = std::bit_cast<double>(kStaleNaNBits);
  } else {
    out->sum = p.sum.value_or(0);
    out->count = static_cast<double>(p.count);
  }
  return true;
}

bool NativeHistogram::IsStaleMarker() const {
  return std::bit_cast<uint64_t>(sum) == kStaleNaNBits;
}

void NativeHistogram::ReduceResolution(int32_t target) {
  if (target >= schema) return;
  const int32_t by = schema - target;
  FromMap(Reduce(ToMap(positive_spans, positive_buckets), by), false, &positive_spans,
          &positive_buckets);
  FromMap(Reduce(ToMap(negative_spans, negative_buckets), by), false, &negative_spans,
          &negative_buckets);
  schema = target;
}

namespace {

// this ± other (sign +1 or -1), in the layout both fit.
void Combine(NativeHistogram* h, const NativeHistogram& other, double sign) {
  const int32_t schema = std::min(h->schema, other.schema);
  double threshold = std::max(h->zero_threshold, other.zero_threshold);
  BucketMap pos = Reduce(ToMap(h->positive_spans, h->positive_buckets), h->schema - schema);
  BucketMap neg = Reduce(ToMap(h->negative_spans, h->negative_buckets), h->schema - schema);
  BucketMap opos =
      Reduce(ToMap(other.positive_spans, other.positive_buckets), other.schema - schema);
  BucketMap oneg =
      Reduce(ToMap(other.negative_spans, other.negative_buckets), other.schema - schema);
  double zero = h->zero_count, ozero = other.zero_count;
  // Both get the larger threshold (a straddling bucket may raise it further, for both alike).
  double t2 = threshold;
  WidenZeroBucket(schema, &threshold, &zero, &pos, &neg);
  WidenZeroBucket(schema, &t2, &ozero, &opos, &oneg);
  if (t2 > threshold) {
    threshold = t2;
    WidenZeroBucket(schema, &threshold, &zero, &pos, &neg);
  }
  for (const auto& [i, c] : opos) pos[i] += sign * c;
  for (const auto& [i, c] : oneg) neg[i] += sign * c;
  h->schema = schema;
  h->zero_threshold = threshold;
  h->zero_count = zero + sign * ozero;
  h->count += sign * other.count;
  h->sum += sign * other.sum;
  FromMap(pos, false, &h->positive_spans, &h->positive_buckets);
  FromMap(neg, false, &h->negative_spans, &h->negative_buckets);
}

}  // namespace

NativeHistogram& NativeHistogram::Add(const NativeHistogram& other) {
  Combine(this, other, 1);
  return *this;
}

NativeHistogram& NativeHistogram::Sub(const NativeHistogram& other) {
  Combine(this, other, -1);
  return *this;
}

NativeHistogram& NativeHistogram::Mul(double factor) {
  zero_count *= factor;
  count *= factor;
  sum *= factor;
  for (double& b : positive_buckets) b *= factor;
  for (double& b : negative_buckets) b *= factor;
  return *this;
}

bool NativeHistogram::DetectReset(const NativeHistogram& previous) const {
  if (hint == ResetHint::kCounterReset) return true;
  if (hint == ResetHint::kNotCounterReset) return false;
  if (count < previous.count) return true;
  if (schema > previous.schema) return true;
  if (zero_threshold < previous.zero_threshold) return true;
  const int32_t by = previous.schema - schema;
  BucketMap ppos = Reduce(ToMap(previous.positive_spans, previous.positive_buckets), by);
  BucketMap pneg = Reduce(ToMap(previous.negative_spans, previous.negative_buckets), by);
  double threshold = zero_threshold, pzero = previous.zero_count;
  WidenZeroBucket(schema, &threshold, &pzero, &ppos, &pneg);
  if (threshold != zero_threshold) return true;  // the threshold cuts through a bucket
  if (zero_count < pzero) return true;
  BucketMap pos = ToMap(positive_spans, positive_buckets);
  BucketMap neg = ToMap(negative_spans, negative_buckets);
  auto decreased = [](const BucketMap& prev, const BucketMap& cur) {
    for (const auto& [i, c] : prev) {
      auto it = cur.find(i);
      if (c > (it == cur.end() ? 0.0 : it->second)) return true;
    }
    return false;
  };
  return decreased(ppos, pos) || decreased(pneg, neg);
}

void NativeHistogram::Compact() {
  FromMap(ToMap(positive_spans, positive_buckets), true, &positive_spans, &positive_buckets);
  FromMap(ToMap(negative_spans, negative_buckets), true, &negative_spans, &negative_buckets);
}

void NativeHistogram::ForEachBucket(const std::function<void(const HistogramBucket&)>& fn) const {
  BucketMap neg = ToMap(negative_spans, negative_buckets);
  for (auto it = neg.rbegin(); it != neg.rend(); ++it) {
    if (it->second == 0) continue;
    fn(HistogramBucket{-HistogramBucketBound(it->first, schema),
                       -HistogramBucketBound(it->first - 1, schema), true, false, it->second});
  }
  if (zero_count > 0) fn(HistogramBucket{-zero_threshold, zero_threshold, true, true, zero_count});
  for (const auto& [idx, c] : ToMap(positive_spans, positive_buckets)) {
    if (c == 0) continue;
    fn(HistogramBucket{HistogramBucketBound(idx - 1, schema), HistogramBucketBound(idx, schema),
                       false, true, c});
  }
}

double NativeHistogram::Quantile(double q) const {
  if (q < 0) return -std::numeric_limits<double>::infinity();
  if (q > 1) return std::numeric_limits<double>::infinity();
  if (count == 0 || std::isnan(q)) return std::numeric_limits<double>::quiet_NaN();
  std::vector<HistogramBucket> all;
  ForEachBucket([&](const HistogramBucket& b) { all.push_back(b); });
  // NaN observations count but sit in no bucket: then only the forward walk is right.
  const bool forward = std::isnan(sum) || q < 0.5;
  if (!forward) std::reverse(all.begin(), all.end());
  double rank = forward ? q * count : (1 - q) * count;
  double seen = 0;
  HistogramBucket bucket;
  for (const auto& b : all) {
    bucket = b;
    seen += b.count;
    if (seen >= rank) break;
  }
  if (bucket.lower < 0 && bucket.upper > 0) {
    if (negative_buckets.empty() && !positive_buckets.empty()) bucket.lower = 0;
    if (positive_buckets.empty() && !negative_buckets.empty()) bucket.upper = 0;
  }
  seen = std::min(seen, count);
  if (seen < rank) return bucket.upper;
  rank = forward ? rank - (seen - bucket.count) : seen - rank;
  const double fraction = rank / bucket.count;
  if (bucket.lower <= 0 && bucket.upper >= 0)
    return bucket.lower + (bucket.upper - bucket.lower) * fraction;
  const double log_lower = std::log2(std::abs(bucket.lower));
  const double log_upper = std::log2(std::abs(bucket.upper));
  if (bucket.lower > 0) return std::exp2(log_lower + (log_upper - log_lower) * fraction);
  return -std::exp2(log_upper + (log_lower - log_upper) * (1 - fraction));
}

double NativeHistogram::Fraction(double lower, double upper) const {
  if (count == 0 || std::isnan(lower) || std::isnan(upper))
    return std::numeric_limits<double>::quiet_NaN();
  if (lower >= upper) return 0;
  double rank = 0, lower_rank = 0, upper_rank = 0;
  bool lower_set = false, upper_set = false;
  std::vector<HistogramBucket> all;
  ForEachBucket([&](const HistogramBucket& b) { all.push_back(b); });
  for (HistogramBucket b : all) {
    bool zero_bucket = false;
    if (b.lower <= 0 && b.upper >= 0) {
      zero_bucket = true;
      if (negative_buckets.empty() && !positive_buckets.empty()) b.lower = 0;
      if (positive_buckets.empty() && !negative_buckets.empty()) b.upper = 0;
    }
    auto interpolate = [&](double v) {
      if (zero_bucket) return rank + b.count * (v - b.lower) / (b.upper - b.lower);
      const double ll = std::log2(std::abs(b.lower)), lu = std::log2(std::abs(b.upper));
      const double lv = std::log2(std::abs(v));
      const double f = v > 0 ? (lv - ll) / (lu - ll) : 1 - (lv - lu) / (ll - lu);
      return rank + b.count * f;
    };
    if (!lower_set && b.lower >= lower) {
      lower_rank = rank;
      lower_set = true;
    }
    if (!upper_set && b.lower >= upper) {
      upper_rank = rank;
      upper_set = true;
    }
    if (lower_set && upper_set) break;
    if (!lower_set && b.lower < lower && b.upper > lower) {
      lower_rank = interpolate(lower);
      lower_set = true;
    }
    if (!upper_set && b.lower < upper && b.upper > upper) {
      upper_rank = interpolate(upper);
      upper_set = true;
    }
    if (lower_set && upper_set) break;
    rank += b.count;
  }
  if (!lower_set || lower_rank > count) lower_rank = count;
  if (!upper_set || upper_rank > count) upper_rank = count;
  return (upper_rank - lower_rank) / count;
}

void NativeHistogram::EncodeTo(std::string* out) const {
  out->push_back(static_cast<char>(hint));
  PutVarint(*out, ZigZag(schema));
  PutF64(out, zero_threshold);
  PutF64(out, zero_count);
  PutF64(out, count);
  PutF64(out, sum);
  for (const auto* side : {&positive_spans, &negative_spans}) {
    PutVarint(*out, side->size());
    for (const auto& s : *side) {
      PutVarint(*out, ZigZag(s.offset));
      PutVarint(*out, s.length);
    }
  }
  for (const auto* side : {&positive_buckets, &negative_buckets})
    for (double b : *side) PutF64(out, b);
}

bool NativeHistogram::Decode(std::string_view* data, NativeHistogram* out) {
  IndexReader in(*data);
  *out = NativeHistogram{};
  std::string_view hint;
  uint64_t schema = 0;
  if (!in.Bytes(1, &hint) || static_cast<uint8_t>(hint[0]) > 3 || !in.Varint(&schema)) return false;
  out->hint = static_cast<ResetHint>(hint[0]);
  int64_t s = UnZigZag(schema);
  if (s < kMinSchema || s > kMaxSchema) return false;
  out->schema = static_cast<int32_t>(s);
  if (!GetF64(in, &out->zero_threshold) || !GetF64(in, &out->zero_count) ||
      !GetF64(in, &out->count) || !GetF64(in, &out->sum))
    return false;
  size_t lengths[2] = {0, 0};
  std::vector<HistogramSpan>* spans[2] = {&out->positive_spans, &out->negative_spans};
  for (int side = 0; side < 2; ++side) {
    uint64_t n = 0;
    if (!in.Varint(&n) || n > in.remaining()) return false;
    for (uint64_t i = 0; i < n; ++i) {
      uint64_t off = 0, len = 0;
      if (!in.Varint(&off) || !in.Varint(&len) || len > UINT32_MAX) return false;
      spans[side]->push_back(
          HistogramSpan{static_cast<int32_t>(UnZigZag(off)), static_cast<uint32_t>(len)});
      lengths[side] += len;
    }
  }
  std::vector<double>* buckets[2] = {&out->positive_buckets, &out->negative_buckets};
  for (int side = 0; side < 2; ++side) {
    if (lengths[side] > in.remaining() / 8) return false;
    buckets[side]->resize(lengths[side]);
    for (double& b : *buckets[side])
      if (!GetF64(in, &b)) return false;
  }
  data->remove_prefix(data->size() - in.remaining());
  return true;
}

}  // namespace otter::store
