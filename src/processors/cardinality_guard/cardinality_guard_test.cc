#include "processors/cardinality_guard/cardinality_guard.h"

#include <gtest/gtest.h>

#include "exporters/exporterhelper/fake_clock.h"

namespace otter {
namespace {

using pdata::AnyValue;
using pdata::MetricBatch;
using pdata::MetricType;

// One resource (service.name=svc), one scope; metrics appended by the helpers below.
struct BatchBuilder {
  MetricBatch batch;
  BatchBuilder() {
    auto& rm = batch.resources().emplace_back();
    rm.resource.attributes.push_back({"service.name", AnyValue::String("svc")});
    rm.scope_metrics.emplace_back();
  }
  pdata::Metric& Metric(std::string_view name, MetricType type) {
    auto& m = batch.resources()[0].scope_metrics[0].metrics.emplace_back();
    m.name = name;
    m.type = type;
    if (type == MetricType::kSum) {
      m.temporality = pdata::AggregationTemporality::kCumulative;
      m.is_monotonic = true;
    }
    return m;
  }
  static pdata::NumberDataPoint IntPoint(int64_t v, pdata::Attributes attrs, uint64_t t = 1000) {
    pdata::NumberDataPoint p;
    p.attributes = std::move(attrs);
    p.time_unix_nano = t;
    p.start_time_unix_nano = 10;
    p.value_type = pdata::NumberDataPoint::ValueType::kInt;
    p.as_int = v;
    return p;
  }
  const pdata::Metric& Get(size_t i) { return batch.resources()[0].scope_metrics[0].metrics[i]; }
};

CardinalityGuardConfig Config(std::vector<std::string> keys, uint32_t max_series = 0) {
  CardinalityGuardConfig c;
  c.exemplar_attributes = std::move(keys);
  c.max_series_per_metric = max_series;
  return c;
}

TEST(CardinalityGuardTest, MovesTraceIdAndUserIdIntoExemplarsAndMergesSums) {
  exporterhelper::FakeClock clock;
  CardinalityGuard guard(Config({"trace_id", "user.id"}), clock);
  BatchBuilder b;
  auto& m = b.Metric("requests", MetricType::kSum);
  const char* tid1 = "0102030405060708090a0b0c0d0e0f10";
  m.number_points.push_back(BatchBuilder::IntPoint(3, {{"route", AnyValue::String("/a")},
                                                       {"trace_id", AnyValue::String(tid1)},
                                                       {"user.id", AnyValue::String("u1")}}));
  m.number_points.push_back(BatchBuilder::IntPoint(
      4, {{"user.id", AnyValue::String("u2")}, {"route", AnyValue::String("/a")}}));
  m.number_points.push_back(BatchBuilder::IntPoint(5, {{"route", AnyValue::String("/b")}}));
  m.number_points[1].start_time_unix_nano = 5;  // u2's stream began earlier

  CardinalityGuard::Stats s = guard.Apply(b.batch);
  EXPECT_EQ(s.moved_points, 2u);
  EXPECT_EQ(s.merged_points, 1u);
  const auto& pts = b.Get(0).number_points;
  ASSERT_EQ(pts.size(), 2u);
  EXPECT_EQ(pts[0].attributes, (pdata::Attributes{{"route", AnyValue::String("/a")}}));
  EXPECT_EQ(pts[0].as_int, 7);
  EXPECT_EQ(pts[0].start_time_unix_nano, 5u);
  ASSERT_EQ(pts[0].exemplars.size(), 2u);
  EXPECT_EQ(pts[0].exemplars[0].trace_id.Hex(), tid1);
  EXPECT_TRUE(pts[0].exemplars[0].is_int);
  EXPECT_EQ(pts[0].exemplars[0].as_int, 3);
  EXPECT_EQ(pts[0].exemplars[0].time_unix_nano, 1000u);
  EXPECT_EQ(pts[0].exemplars[0].filtered_attributes,
            (pdata::Attributes{{"user.id", AnyValue::String("u1")}}));
  EXPECT_TRUE(pts[0].exemplars[1].trace_id.empty());
  EXPECT_EQ(pts[0].exemplars[1].as_int, 4);
  EXPECT_EQ(pts[1].attributes, (pdata::Attributes{{"route", AnyValue::String("/b")}}));
  EXPECT_EQ(pts[1].as_int, 5);
  EXPECT_TRUE(pts[1].exemplars.empty());
}

TEST(CardinalityGuardTest, GaugesKeepTheLastValueAndDifferentTimesStaySeparate) {
  exporterhelper::FakeClock clock;
  CardinalityGuard guard(Config({"pod"}), clock);
  BatchBuilder b;
  auto& m = b.Metric("temp", MetricType::kGauge);
  m.number_points.push_back(BatchBuilder::IntPoint(1, {{"pod", AnyValue::String("a")}}, 1000));
  m.number_points.push_back(BatchBuilder::IntPoint(2, {{"pod", AnyValue::String("b")}}, 1000));
  m.number_points.push_back(BatchBuilder::IntPoint(9, {{"pod", AnyValue::String("c")}}, 2000));
  guard.Apply(b.batch);
  const auto& pts = b.Get(0).number_points;
  ASSERT_EQ(pts.size(), 2u);
  EXPECT_EQ(pts[0].as_int, 2);
  EXPECT_EQ(pts[0].time_unix_nano, 1000u);
  EXPECT_EQ(pts[1].as_int, 9);
  EXPECT_EQ(pts[1].time_unix_nano, 2000u);
}

TEST(CardinalityGuardTest, HistogramsMergeBucketsOnlyWithEqualBounds) {
  exporterhelper::FakeClock clock;
  CardinalityGuard guard(Config({"user.id"}), clock);
  BatchBuilder b;
  auto& m = b.Metric("latency", MetricType::kHistogram);
  auto point = [](std::string_view user, std::vector<double> bounds, std::vector<uint64_t> counts,
                  double sum, double min, double max) {
    pdata::HistogramDataPoint p;
    p.attributes = {{"user.id", AnyValue::String(user)}};
    p.time_unix_nano = 1000;
    p.explicit_bounds = std::move(bounds);
    p.bucket_counts = std::move(counts);
    for (uint64_t c : p.bucket_counts) p.count += c;
    p.sum = sum;
    p.min = min;
    p.max = max;
    return p;
  };
  m.histogram_points.push_back(point("u1", {1, 5}, {1, 2, 0}, 6, 0.5, 4));
  m.histogram_points.push_back(point("u2", {1, 5}, {0, 1, 3}, 22, 2, 8));
  m.histogram_points.push_back(point("u3", {1, 10}, {1, 0, 0}, 0.25, 0.25, 0.25));
  CardinalityGuard::Stats s = guard.Apply(b.batch);
  EXPECT_EQ(s.merged_points, 1u);
  const auto& pts = b.Get(0).histogram_points;
  ASSERT_EQ(pts.size(), 2u);
  EXPECT_EQ(pts[0].bucket_counts, (std::vector<uint64_t>{1, 3, 3}));
  EXPECT_EQ(pts[0].count, 7u);
  EXPECT_EQ(pts[0].sum, 28.0);
  EXPECT_EQ(pts[0].min, 0.5);
  EXPECT_EQ(pts[0].max, 8.0);
  ASSERT_EQ(pts[0].exemplars.size(), 2u);
  EXPECT_EQ(pts[0].exemplars[0].as_double, 2.0);  // the mean of u1's point
  EXPECT_EQ(pts[1].explicit_bounds, (std::vector<double>{1, 10}));
}

TEST(CardinalityGuardTest, ExponentialBucketsAlignByOffset) {
  exporterhelper::FakeClock clock;
  CardinalityGuard guard(Config({"k"}), clock);
  BatchBuilder b;
  auto& m = b.Metric("size", MetricType::kExponentialHistogram);
  auto point = [](std::string_view k, int32_t offset, std::vector<uint64_t> counts) {
    pdata::ExponentialHistogramDataPoint p;
    p.attributes = {{"k", AnyValue::String(k)}};
    p.time_unix_nano = 5;
    p.scale = 2;
    p.positive.offset = offset;
    p.positive.bucket_counts = std::move(counts);
    for (uint64_t c : p.positive.bucket_counts) p.count += c;
    p.zero_count = 1;
    p.count += 1;
    return p;
  };
  m.exp_histogram_points.push_back(point("a", 3, {1, 1}));
  m.exp_histogram_points.push_back(point("b", 1, {2, 0, 0, 5}));
  guard.Apply(b.batch);
  const auto& pts = b.Get(0).exp_histogram_points;
  ASSERT_EQ(pts.size(), 1u);
  EXPECT_EQ(pts[0].positive.offset, 1);
  EXPECT_EQ(pts[0].positive.bucket_counts, (std::vector<uint64_t>{2, 0, 1, 6}));
  EXPECT_EQ(pts[0].zero_count, 2u);
  EXPECT_EQ(pts[0].count, 11u);
}

TEST(CardinalityGuardTest, SeriesOverTheLimitGoToTheOverflowSeriesUntilTheirTtlEnds) {
  exporterhelper::FakeClock clock;
  CardinalityGuardConfig cfg = Config({}, 2);
  cfg.series_ttl = std::chrono::minutes(10);
  CardinalityGuard guard(cfg, clock);
  auto send = [&](std::vector<std::string> users) {
    BatchBuilder b;
    auto& m = b.Metric("logins", MetricType::kSum);
    for (const auto& u : users)
      m.number_points.push_back(
          BatchBuilder::IntPoint(1, {{"user", AnyValue::String(b.batch.arenas().Copy(u))}}));
    CardinalityGuard::Stats s = guard.Apply(b.batch);
    std::vector<std::string> got;
    for (const auto& p : b.Get(0).number_points)
      got.push_back(p.attributes[0].key == kOverflowAttribute
                        ? "overflow=" + std::to_string(p.as_int)
                        : std::string(p.attributes[0].value.string_value));
    return std::make_pair(got, s);
  };
  auto [got, s] = send({"a", "b", "c", "d"});
  EXPECT_EQ(got, (std::vector<std::string>{"a", "b", "overflow=2"}));
  EXPECT_EQ(s.overflow_points, 2u);
  EXPECT_EQ(s.first_overflow, "logins");
  EXPECT_EQ(guard.SeriesCount("logins"), 2u);

  clock.Advance(std::chrono::minutes(6));
  EXPECT_EQ(send({"a"}).first, (std::vector<std::string>{"a"}));  // a stays fresh, b ages
  clock.Advance(std::chrono::minutes(6));
  EXPECT_EQ(send({"c", "b"}).first, (std::vector<std::string>{"c", "overflow=1"}));
  EXPECT_EQ(guard.SeriesCount("logins"), 2u);
}

TEST(CardinalityGuardTest, SummariesOverTheLimitAreDropped) {
  exporterhelper::FakeClock clock;
  CardinalityGuard guard(Config({"user"}, 1), clock);
  BatchBuilder b;
  auto& m = b.Metric("rpc", MetricType::kSummary);
  for (const char* u : {"a", "b"}) {
    pdata::SummaryDataPoint p;
    p.attributes = {{"user", AnyValue::String(u)}};
    m.summary_points.push_back(p);
  }
  b.Metric("other", MetricType::kSummary);                    // had no points: kept as it was
  auto& all_dropped = b.Metric("rpc", MetricType::kSummary);  // a second entry: all dropped
  all_dropped.summary_points.push_back({});
  all_dropped.summary_points[0].attributes = {{"user", AnyValue::String("c")}};
  CardinalityGuard::Stats s = guard.Apply(b.batch);
  EXPECT_EQ(s.dropped_points, 2u);
  EXPECT_EQ(s.moved_points, 0u);  // summaries have no exemplars: their attributes stay
  ASSERT_EQ(b.batch.resources()[0].scope_metrics[0].metrics.size(), 2u);
  ASSERT_EQ(b.Get(0).summary_points.size(), 1u);
  EXPECT_EQ(b.Get(0).summary_points[0].attributes[0].value.string_value, "a");
}

TEST(CardinalityGuardTest, ConfigErrorsNameTheKey) {
  CardinalityGuardConfig empty;
  EXPECT_EQ(empty.Validate().message(),
            "exemplar_attributes or max_series_per_metric must be set (the processor would do "
            "nothing)");
  EXPECT_EQ(Config({"a", "b", "a"}).Validate().message(),
            "exemplar_attributes[2]: \"a\" is listed twice");
  CardinalityGuardConfig ttl = Config({}, 5);
  ttl.series_ttl = config::Duration(0);
  EXPECT_EQ(ttl.Validate().message(), "series_ttl must be greater than zero");
}

}  // namespace
}  // namespace otter
