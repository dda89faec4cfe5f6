#include "store/delta_accumulator.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace otter::store {
namespace {

constexpr uint64_t kSec = 1'000'000'000ull;

// A delta monotonic sum "reqs" (series reqs_total{k="v"}) with the given points
// (start, time, value), in seconds.
pdata::MetricBatch DeltaSum(std::vector<std::tuple<uint64_t, uint64_t, double>> points,
                            std::string_view value = "v") {
  pdata::MetricBatch b;
  auto& m = b.resources().emplace_back().scope_metrics.emplace_back().metrics.emplace_back();
  m.name = "reqs";
  m.type = pdata::MetricType::kSum;
  m.is_monotonic = true;
  m.temporality = pdata::AggregationTemporality::kDelta;
  for (auto [start, t, v] : points) {
    auto& p = m.number_points.emplace_back();
    p.start_time_unix_nano = start * kSec;
    p.time_unix_nano = t * kSec;
    p.value_type = pdata::NumberDataPoint::ValueType::kDouble;
    p.as_double = v;
    p.attributes.push_back({"k", pdata::AnyValue::String(value)});
  }
  return b;
}

ConvertedMetrics Accumulated(DeltaAccumulator& acc, const pdata::MetricBatch& batch) {
  ConvertedMetrics out;
  ConvertMetrics(batch, ConvertOptions{}, &out);
  acc.Accumulate(&out);
  return out;
}

std::vector<Sample> SamplesOf(const ConvertedMetrics& out, std::string_view name,
                              std::string_view value = "v") {
  for (const auto& s : out.series) {
    if (GetLabel(s.labels, "__name__") == name && GetLabel(s.labels, "k") == value)
      return s.samples;
  }
  return {};
}

TEST(DeltaAccumulatorTest, ConsecutiveDeltasAddUp) {
  DeltaAccumulator acc;
  auto out = Accumulated(acc, DeltaSum({{10, 20, 3}, {20, 30, 4}, {30, 40, 0.5}}));
  EXPECT_EQ(SamplesOf(out, "reqs_total"),
            (std::vector<Sample>{{20000, 3}, {30000, 7}, {40000, 7.5}}));
  EXPECT_EQ(out.dropped_points, 0u);
  EXPECT_TRUE(out.delta_points.empty());
  // The next write continues the stream.
  out = Accumulated(acc, DeltaSum({{40, 50, 1}}));
  EXPECT_EQ(SamplesOf(out, "reqs_total"), (std::vector<Sample>{{50000, 8.5}}));
  EXPECT_EQ(acc.stream_count(), 1u);
}

TEST(DeltaAccumulatorTest, OutOfOrderAndOlderStartAreDroppedAndCounted) {
  DeltaAccumulator acc;
  Accumulated(acc, DeltaSum({{10, 20, 3}, {20, 30, 4}}));
  // t=30 again (a re-sent point), t=25 (late), and a point that starts before the stream does.
  auto out = Accumulated(acc, DeltaSum({{20, 30, 4}, {20, 25, 1}, {5, 35, 9}, {30, 40, 1}}));
  EXPECT_EQ(SamplesOf(out, "reqs_total"), (std::vector<Sample>{{40000, 8}}));
  EXPECT_EQ(out.dropped_points, 3u);
  EXPECT_EQ(out.drop_reasons,
            (std::vector<std::string>{
                "metric \"reqs\": delta point out of order (not newer than the series' last "
                "point)",
                "metric \"reqs\": delta point starts before its series' start time (two senders "
                "of one series?)"}));
  EXPECT_EQ(acc.dropped_points(), 3u);
}

TEST(DeltaAccumulatorTest, GapsAreSummedOver) {
  DeltaAccumulator acc;
  // Nothing was measured between 30 and 35 (a delta SDK then sends no point): the total goes on.
  auto out = Accumulated(acc, DeltaSum({{10, 20, 3}, {20, 30, 4}, {35, 40, 2}, {40, 50, 1}}));
  EXPECT_EQ(SamplesOf(out, "reqs_total"),
            (std::vector<Sample>{{20000, 3}, {30000, 7}, {40000, 9}, {50000, 10}}));
  EXPECT_EQ(out.dropped_points, 0u);
}

TEST(DeltaAccumulatorTest, StreamsAreSeparateAndLimited) {
  DeltaAccumulator acc(DeltaAccumulator::Options{0, 2});
  Accumulated(acc, DeltaSum({{0, 10, 1}}, "a"));
  Accumulated(acc, DeltaSum({{0, 10, 2}}, "b"));
  auto out = Accumulated(acc, DeltaSum({{0, 10, 5}}, "c"));
  EXPECT_TRUE(out.series.empty());  // the series of a dropped point is not created
  EXPECT_EQ(out.dropped_points, 1u);
  ASSERT_EQ(out.drop_reasons.size(), 1u);
  EXPECT_EQ(out.drop_reasons[0],
            "metric \"reqs\": delta stream limit reached (2 streams): a new delta series is not "
            "converted to cumulative");
  out = Accumulated(acc, DeltaSum({{10, 20, 1}}, "b"));
  EXPECT_EQ(SamplesOf(out, "reqs_total", "b"), (std::vector<Sample>{{20000, 3}}));
}

TEST(DeltaAccumulatorTest, IdleStreamsExpireAfterMaxStaleInDataTime) {
  DeltaAccumulator acc(DeltaAccumulator::Options{60'000, 0});
  Accumulated(acc, DeltaSum({{0, 10, 1}}, "idle"));
  Accumulated(acc, DeltaSum({{0, 10, 1}, {10, 40, 1}, {40, 69, 1}}, "busy"));
  EXPECT_EQ(acc.stream_count(), 2u);
  // 140 s: "idle" was last seen at 10 s, more than 60 s before.
  Accumulated(acc, DeltaSum({{69, 140, 1}}, "busy"));
  EXPECT_EQ(acc.stream_count(), 1u);
  // It comes back as a new stream: its total starts from this point.
  auto out = Accumulated(acc, DeltaSum({{10, 150, 4}}, "idle"));
  EXPECT_EQ(SamplesOf(out, "reqs_total", "idle"), (std::vector<Sample>{{150000, 4}}));
}

TEST(DeltaAccumulatorTest, HistogramBucketsCountAndSumAccumulateAndLayoutChangeResets) {
  auto hist = [](uint64_t start, uint64_t t, std::vector<double> bounds,
                 std::vector<uint64_t> counts, double sum) {
    pdata::MetricBatch b;
    auto& m = b.resources().emplace_back().scope_metrics.emplace_back().metrics.emplace_back();
    m.name = "lat";
    m.type = pdata::MetricType::kHistogram;
    m.temporality = pdata::AggregationTemporality::kDelta;
    auto& p = m.histogram_points.emplace_back();
    p.start_time_unix_nano = start * kSec;
    p.time_unix_nano = t * kSec;
    p.explicit_bounds = std::move(bounds);
    p.bucket_counts = counts;
    for (uint64_t c : counts) p.count += c;
    p.sum = sum;
    return b;
  };
  DeltaAccumulator acc;
  Accumulated(acc, hist(0, 10, {1, 5}, {1, 2, 3}, 20));
  auto out = Accumulated(acc, hist(10, 20, {1, 5}, {4, 0, 1}, 9));
  auto le = [&](std::string_view le) {
    for (const auto& s : out.series)
      if (GetLabel(s.labels, "le") == le) return s.samples;
    return std::vector<Sample>{};
  };
  auto named = [&](std::string_view name) {
    for (const auto& s : out.series)
      if (GetLabel(s.labels, "__name__") == name) return s.samples;
    return std::vector<Sample>{};
  };
  EXPECT_EQ(le("1"), (std::vector<Sample>{{20000, 5}}));      // 1 + 4
  EXPECT_EQ(le("5"), (std::vector<Sample>{{20000, 7}}));      // 3 + 4
  EXPECT_EQ(le("+Inf"), (std::vector<Sample>{{20000, 11}}));  // 6 + 5
  EXPECT_EQ(named("lat_count"), (std::vector<Sample>{{20000, 11}}));
  EXPECT_EQ(named("lat_sum"), (std::vector<Sample>{{20000, 29}}));
  // New bounds: the stream starts over with this point.
  out = Accumulated(acc, hist(20, 30, {2}, {1, 1}, 3));
  EXPECT_EQ(le("2"), (std::vector<Sample>{{30000, 1}}));
  EXPECT_EQ(le("+Inf"), (std::vector<Sample>{{30000, 2}}));
  EXPECT_EQ(named("lat_sum"), (std::vector<Sample>{{30000, 3}}));
}

TEST(DeltaAccumulatorTest, ExponentialHistogramsAddAtTheCoarserScaleAndSurviveASnapshot) {
  auto exp = [](uint64_t start, uint64_t t, int32_t scale, std::vector<uint64_t> counts) {
    pdata::MetricBatch b;
    auto& m = b.resources().emplace_back().scope_metrics.emplace_back().metrics.emplace_back();
    m.name = "size";
    m.type = pdata::MetricType::kExponentialHistogram;
    m.temporality = pdata::AggregationTemporality::kDelta;
    auto& p = m.exp_histogram_points.emplace_back();
    p.start_time_unix_nano = start * kSec;
    p.time_unix_nano = t * kSec;
    p.scale = scale;
    p.positive.bucket_counts = counts;
    for (uint64_t c : counts) p.count += c;
    p.sum = 1;
    return b;
  };
  auto histograms = [](const ConvertedMetrics& out) {
    return out.series.size() == 1 ? out.series[0].histograms : std::vector<HistogramSample>{};
  };
  DeltaAccumulator acc;
  // Scale 1: OTLP buckets 0, 1 are (1, 2^0.5], (2^0.5, 2]: Prometheus bucket 1 at scale 0.
  auto out = Accumulated(acc, exp(0, 10, 1, {1, 2}));
  ASSERT_EQ(histograms(out).size(), 1u);
  EXPECT_EQ(histograms(out)[0].h.schema, 1);
  out = Accumulated(acc, exp(10, 20, 0, {4, 1}));
  const std::vector<HistogramSample> got = histograms(out);
  ASSERT_EQ(got.size(), 1u);
  const NativeHistogram& h = got[0].h;
  EXPECT_EQ(got[0].t_ms, 20000);
  EXPECT_EQ(h.schema, 0);
  EXPECT_EQ(h.count, 8);
  EXPECT_EQ(h.sum, 2);
  EXPECT_EQ(h.positive_spans, (std::vector<HistogramSpan>{{1, 2}}));
  EXPECT_EQ(h.positive_buckets, (std::vector<double>{7, 1}));

  DeltaAccumulator restored;
  ASSERT_TRUE(restored.Restore(acc.Snapshot()).ok());
  out = Accumulated(restored, exp(20, 30, 0, {1}));
  ASSERT_EQ(histograms(out).size(), 1u);
  EXPECT_EQ(histograms(out)[0].h.positive_buckets, (std::vector<double>{8, 1}));
  EXPECT_EQ(histograms(out)[0].h.count, 9);
}

TEST(DeltaAccumulatorTest, SnapshotRestoresTheStateAndDamageIsDetected) {
  DeltaAccumulator acc(DeltaAccumulator::Options{60'000, 0});
  Accumulated(acc, DeltaSum({{10, 20, 3}}, "a"));
  Accumulated(acc, DeltaSum({{10, 20, 0.25}, {20, 30, 1}}, "b"));
  std::string image = acc.Snapshot();

  DeltaAccumulator restored(DeltaAccumulator::Options{60'000, 0});
  ASSERT_TRUE(restored.Restore(image).ok());
  EXPECT_EQ(restored.stream_count(), 2u);
  auto out = Accumulated(restored, DeltaSum({{30, 40, 1}}, "b"));
  EXPECT_EQ(SamplesOf(out, "reqs_total", "b"), (std::vector<Sample>{{40000, 2.25}}));
  out = Accumulated(restored,
                    DeltaSum({{20, 20, 1}}, "a"));  // not newer than the restored last point
  EXPECT_EQ(out.dropped_points, 1u);
  EXPECT_EQ(restored.Snapshot(), [&] {
    Accumulated(acc, DeltaSum({{30, 40, 1}}, "b"));
    return acc.Snapshot();
  }());

  std::string damaged = image;
  damaged[damaged.size() - 3] ^= 0x10;
  EXPECT_EQ(restored.Restore(damaged).code(), StatusCode::kDataLoss);
  EXPECT_EQ(restored.stream_count(), 0u);
  EXPECT_EQ(restored.Restore("OTDELTA").code(), StatusCode::kDataLoss);
  ASSERT_TRUE(restored.Restore(DeltaAccumulator().Snapshot()).ok());
  EXPECT_EQ(restored.stream_count(), 0u);
}

}  // namespace
}  // namespace otter::store
