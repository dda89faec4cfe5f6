#include "store/native_histogram.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace otter::store {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

pdata::ExponentialHistogramDataPoint Otlp(int32_t scale, int32_t offset,
                                          std::vector<uint64_t> counts, uint64_t zero = 0) {
  pdata::ExponentialHistogramDataPoint p;
  p.scale = scale;
  p.positive.offset = offset;
  p.positive.bucket_counts = counts;
  p.zero_count = zero;
  p.count = zero;
  for (uint64_t c : counts) p.count += c;
  p.sum = 10;
  return p;
}

// Schema 0: bucket 1 is (1, 2], bucket 2 is (2, 4].
NativeHistogram TwoBuckets(double a, double b) {
  NativeHistogram h;
  h.positive_spans = {{1, 2}};
  h.positive_buckets = {a, b};
  h.count = a + b;
  h.sum = 7;
  h.zero_threshold = NativeHistogram::kOtlpZeroThreshold;
  return h;
}

TEST(NativeHistogramTest, FromOtlpShiftsIndicesByOneAndKeepsCounts) {
  auto p = Otlp(0, 0, {1, 0, 0, 0, 2}, 3);
  p.negative.offset = -1;
  p.negative.bucket_counts = {4};
  p.count += 4;
  NativeHistogram h;
  std::string why;
  ASSERT_TRUE(NativeHistogram::FromOtlp(p, &h, &why)) << why;
  EXPECT_EQ(h.schema, 0);
  EXPECT_EQ(h.zero_threshold, 1e-128);
  EXPECT_EQ(h.zero_count, 3);
  EXPECT_EQ(h.count, 10);
  EXPECT_EQ(h.sum, 10);
  // OTLP bucket 0 (1, 2] is Prometheus bucket 1; OTLP 4 (16, 32] is 5; empty ones are left out.
  EXPECT_EQ(h.positive_spans, (std::vector<HistogramSpan>{{1, 1}, {3, 1}}));
  EXPECT_EQ(h.positive_buckets, (std::vector<double>{1, 2}));
  EXPECT_EQ(h.negative_spans, (std::vector<HistogramSpan>{{0, 1}}));
  EXPECT_EQ(h.negative_buckets, (std::vector<double>{4}));
}

TEST(NativeHistogramTest, FromOtlpMergesScalesAbove8AndRefusesBelowMinus4) {
  NativeHistogram h;
  std::string why;
  ASSERT_TRUE(NativeHistogram::FromOtlp(Otlp(10, 0, {1, 1, 1, 1, 1}), &h, &why));
  EXPECT_EQ(h.schema, 8);
  // OTLP buckets 0..3 at scale 10 are bucket 0 at scale 8: Prometheus bucket 1; 4 is 2.
  EXPECT_EQ(h.positive_spans, (std::vector<HistogramSpan>{{1, 2}}));
  EXPECT_EQ(h.positive_buckets, (std::vector<double>{4, 1}));
  EXPECT_FALSE(NativeHistogram::FromOtlp(Otlp(-5, 0, {1}), &h, &why));
  EXPECT_EQ(why, "cannot convert exponential to native histogram. Scale must be >= -4, was -5");

  auto stale = Otlp(0, 0, {1});
  stale.flags = pdata::kNoRecordedValueFlag;
  ASSERT_TRUE(NativeHistogram::FromOtlp(stale, &h, &why));
  EXPECT_TRUE(h.IsStaleMarker());
}

TEST(NativeHistogramTest, BucketBounds) {
  EXPECT_EQ(HistogramBucketBound(0, 0), 1);
  EXPECT_EQ(HistogramBucketBound(1, 0), 2);
  EXPECT_EQ(HistogramBucketBound(-1, 0), 0.5);
  EXPECT_EQ(HistogramBucketBound(1, 1), std::sqrt(2.0));
  EXPECT_EQ(HistogramBucketBound(2, 1), 2);
  EXPECT_EQ(HistogramBucketBound(1, -1), 4);
  EXPECT_EQ(HistogramBucketBound(1024, 0), std::numeric_limits<double>::max());
  EXPECT_EQ(HistogramBucketBound(1025, 0), kInf);
}

TEST(NativeHistogramTest, ReduceResolutionMergesPairs) {
  NativeHistogram h;
  h.schema = 1;
  h.positive_spans = {{1, 4}};
  h.positive_buckets = {1, 2, 3, 4};
  h.negative_spans = {{-1, 2}};
  h.negative_buckets = {5, 6};
  h.ReduceResolution(0);
  EXPECT_EQ(h.schema, 0);
  EXPECT_EQ(h.positive_spans, (std::vector<HistogramSpan>{{1, 2}}));
  EXPECT_EQ(h.positive_buckets, (std::vector<double>{3, 7}));
  // Buckets -1 and 0 at schema 1 are (2^-1, 2^-0.5] and (2^-0.5, 1]: bucket 0 at schema 0.
  EXPECT_EQ(h.negative_spans, (std::vector<HistogramSpan>{{0, 1}}));
  EXPECT_EQ(h.negative_buckets, (std::vector<double>{11}));
}

TEST(NativeHistogramTest, AddAndSubAtTheCoarserSchemaAndLargerZeroThreshold) {
  NativeHistogram a = TwoBuckets(1, 2);
  NativeHistogram b;
  b.schema = 1;
  b.zero_threshold = 1;  // bucket 1 of `a`, (1, 2], straddles nothing: 1 is its lower bound
  b.zero_count = 5;
  b.positive_spans = {{3, 2}};  // (2^1, 2^1.5] and (2^1.5, 4]: bucket 2 at schema 0
  b.positive_buckets = {1, 1};
  b.count = 7;
  b.sum = 3;
  a.Add(b);
  EXPECT_EQ(a.schema, 0);
  EXPECT_EQ(a.zero_threshold, 1);
  EXPECT_EQ(a.zero_count, 5);
  EXPECT_EQ(a.count, 10);
  EXPECT_EQ(a.sum, 10);
  EXPECT_EQ(a.positive_spans, (std::vector<HistogramSpan>{{1, 2}}));
  EXPECT_EQ(a.positive_buckets, (std::vector<double>{1, 4}));
  a.Sub(b);
  EXPECT_EQ(a.count, 3);
  EXPECT_EQ(a.zero_count, 0);
  EXPECT_EQ(a.positive_buckets, (std::vector<double>{1, 2}));
  EXPECT_EQ(a.Mul(2).positive_buckets, (std::vector<double>{2, 4}));
  EXPECT_EQ(a.count, 6);
}

TEST(NativeHistogramTest, DetectReset) {
  NativeHistogram prev = TwoBuckets(1, 2);
  EXPECT_FALSE(TwoBuckets(1, 3).DetectReset(prev));
  EXPECT_FALSE(TwoBuckets(1, 2).DetectReset(prev));
  EXPECT_TRUE(TwoBuckets(0, 4).DetectReset(prev));  // count up, one bucket down
  EXPECT_TRUE(TwoBuckets(1, 1).DetectReset(prev));
  NativeHistogram finer = TwoBuckets(1, 2);
  finer.schema = 1;
  EXPECT_TRUE(finer.DetectReset(prev));
  NativeHistogram coarser = TwoBuckets(5, 0);  // schema -1: bucket 1 is (1, 4]
  coarser.schema = -1;
  coarser.positive_spans = {{1, 1}};
  coarser.positive_buckets = {5};
  EXPECT_FALSE(coarser.DetectReset(prev));
  NativeHistogram hinted = TwoBuckets(1, 3);
  hinted.hint = NativeHistogram::ResetHint::kCounterReset;
  EXPECT_TRUE(hinted.DetectReset(prev));
}

TEST(NativeHistogramTest, BucketsInValueOrderWithBoundaryRules) {
  NativeHistogram h = TwoBuckets(1, 0);
  h.zero_count = 2;
  h.negative_spans = {{0, 2}};
  h.negative_buckets = {3, 4};
  std::vector<std::tuple<int, double, double, double>> got;
  h.ForEachBucket([&](const HistogramBucket& b) {
    got.emplace_back(b.BoundaryRule(), b.lower, b.upper, b.count);
  });
  EXPECT_EQ(got, (std::vector<std::tuple<int, double, double, double>>{
                     {1, -2, -1, 4}, {1, -1, -0.5, 3}, {3, -1e-128, 1e-128, 2}, {0, 1, 2, 1}}));
}

TEST(NativeHistogramTest, QuantileInterpolatesLogLinearlyAndLinearlyInTheZeroBucket) {
  NativeHistogram h = TwoBuckets(2, 2);
  EXPECT_EQ(h.Quantile(0.25), std::exp2(0.5));  // half-way through (1, 2] on a log scale
  EXPECT_EQ(h.Quantile(0.5), 2);
  EXPECT_EQ(h.Quantile(0.75), std::exp2(1.5));
  EXPECT_EQ(h.Quantile(1), 4);
  EXPECT_EQ(h.Quantile(-0.1), -kInf);
  EXPECT_EQ(h.Quantile(1.1), kInf);
  EXPECT_TRUE(std::isnan(h.Quantile(NAN)));
  h.zero_count = 2;
  h.count = 6;
  // Only positive buckets: the zero bucket is taken as [0, threshold].
  EXPECT_EQ(h.Quantile(0.125), 1e-128 * 0.375);
  EXPECT_TRUE(std::isnan(NativeHistogram{}.Quantile(0.5)));
  NativeHistogram neg;  // (-2, -1] holding 4: the mirrored interpolation
  neg.negative_spans = {{1, 1}};
  neg.negative_buckets = {4};
  neg.count = 4;
  // A quarter of the way from -2 towards -1 on a log scale.
  EXPECT_EQ(neg.Quantile(0.25), -std::exp2(0.75));
}

TEST(NativeHistogramTest, FractionIsTheInverseOfQuantile) {
  NativeHistogram h = TwoBuckets(2, 2);
  EXPECT_EQ(h.Fraction(-kInf, 2), 0.5);
  EXPECT_DOUBLE_EQ(h.Fraction(0, std::exp2(0.5)), 0.25);
  EXPECT_EQ(h.Fraction(2, kInf), 0.5);
  EXPECT_EQ(h.Fraction(3, 1), 0);
  EXPECT_TRUE(std::isnan(h.Fraction(NAN, 1)));
}

TEST(NativeHistogramTest, EncodeDecodeRoundTripAndMalformedInput) {
  NativeHistogram h = TwoBuckets(1.5, 2);
  h.schema = -2;
  h.zero_count = 0.25;
  h.negative_spans = {{-3, 1}, {2, 2}};
  h.negative_buckets = {1, 2, 3};
  h.hint = NativeHistogram::ResetHint::kGauge;
  std::string buf;
  h.EncodeTo(&buf);
  buf += "next";
  std::string_view in = buf;
  NativeHistogram back;
  ASSERT_TRUE(NativeHistogram::Decode(&in, &back));
  EXPECT_EQ(back, h);
  EXPECT_EQ(in, "next");
  for (size_t cut = 0; cut + 4 < buf.size(); ++cut) {
    std::string_view part(buf.data(), cut);
    EXPECT_FALSE(NativeHistogram::Decode(&part, &back)) << cut;
  }
}

}  // namespace
}  // namespace otter::store
