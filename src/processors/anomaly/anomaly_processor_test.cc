#include "processors/anomaly/anomaly_processor.h"

#include <gtest/gtest.h>

#include <cmath>

namespace otter {
namespace {

using pdata::AnyValue;
using pdata::MetricBatch;
using pdata::MetricType;

constexpr uint64_t kStepNs = 60ull * 1000 * 1000 * 1000;

// One resource, one scope, a gauge `latency` with one point per host in `values`.
MetricBatch Batch(uint64_t t, const std::vector<std::pair<std::string, double>>& values,
                  std::string_view metric = "latency") {
  MetricBatch b;
  auto& rm = b.resources().emplace_back();
  rm.resource.attributes.push_back({"service.name", AnyValue::String("svc")});
  auto& m = rm.scope_metrics.emplace_back().metrics.emplace_back();
  m.name = metric;
  m.unit = "ms";
  m.type = MetricType::kGauge;
  for (const auto& [host, v] : values) {
    pdata::NumberDataPoint p;
    p.attributes.push_back({"host", AnyValue::String(b.arenas().Copy(host))});
    p.time_unix_nano = t;
    p.value_type = pdata::NumberDataPoint::ValueType::kDouble;
    p.as_double = v;
    m.number_points.push_back(p);
  }
  return b;
}

double Wave(int i) { return 100 + 20 * std::sin(i / 10.0) + (i % 3); }

TEST(AnomalyProcessorTest, AddsScoreGaugesWithTheSameAttributes) {
  AnomalyConfig cfg;
  cfg.emit_band = true;
  AnomalyScorer scorer(cfg);
  double spike_score = -1, last_quiet = -1;
  for (int i = 0; i < 3000; ++i) {
    double a = i == 2950 ? 400 : Wave(i);
    MetricBatch b = Batch(1 + i * kStepNs, {{"a", a}, {"b", Wave(i)}});
    AnomalyScorer::Stats st = scorer.Apply(b);
    EXPECT_EQ(st.scored_points, 2u);
    const auto& ms = b.resources()[0].scope_metrics[0].metrics;
    ASSERT_EQ(ms.size(), 4u);
    EXPECT_EQ(ms[1].name, "latency_anomaly_score");
    EXPECT_EQ(ms[1].type, MetricType::kGauge);
    EXPECT_EQ(ms[2].name, "latency_anomaly_band_lower");
    EXPECT_EQ(ms[3].name, "latency_anomaly_band_upper");
    EXPECT_EQ(ms[3].unit, "ms");
    ASSERT_EQ(ms[1].number_points.size(), 2u);
    EXPECT_EQ(ms[1].number_points[0].attributes, ms[0].number_points[0].attributes);
    EXPECT_EQ(ms[1].number_points[1].time_unix_nano, 1 + i * kStepNs);
    if (i == 2950) spike_score = ms[1].number_points[0].as_double;
    if (i == 2949) last_quiet = ms[1].number_points[0].as_double;
    if (i >= 1000) {
      EXPECT_LT(ms[1].number_points[1].as_double, 0.5) << i;  // host b is steady
    }
  }
  EXPECT_GE(spike_score, 0.5);
  EXPECT_LT(last_quiet, 0.5);
  EXPECT_EQ(scorer.SeriesCount(), 2u);
}

TEST(AnomalyProcessorTest, OnlyWatchedMetricsAndBoundedSeries) {
  AnomalyConfig cfg;
  cfg.metrics = {"latency"};
  cfg.max_series = 1;
  AnomalyScorer scorer(cfg);
  MetricBatch b = Batch(kStepNs, {{"a", 1}, {"b", 2}});
  AnomalyScorer::Stats st = scorer.Apply(b);
  EXPECT_EQ(st.scored_points, 1u);
  EXPECT_EQ(st.refused_points, 1u);
  MetricBatch other = Batch(kStepNs, {{"a", 1}}, "errors");
  st = scorer.Apply(other);
  EXPECT_EQ(st.scored_points, 0u);
  EXPECT_EQ(other.resources()[0].scope_metrics[0].metrics.size(), 1u);
  // A point not newer than the series' last one is not scored again.
  MetricBatch again = Batch(kStepNs, {{"a", 1}});
  st = scorer.Apply(again);
  EXPECT_EQ(st.stale_points, 1u);
  EXPECT_EQ(again.resources()[0].scope_metrics[0].metrics.size(), 1u);
}

TEST(AnomalyProcessorTest, ValidateNamesTheKey) {
  AnomalyConfig cfg;
  cfg.max_series = 0;
  EXPECT_EQ(cfg.Validate().message(), "max_series must be at least 1");
  cfg.max_series = 1;
  cfg.metrics = {"a", ""};
  EXPECT_EQ(cfg.Validate().message(), "metrics[1]: empty metric name");
}

}  // namespace
}  // namespace otter
