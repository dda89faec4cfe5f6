// forecast() and time_to_threshold() through the PromQL engine: values, labels, the optional
// quantile, too few samples, argument errors, range queries, and the rotated-logs disk where
// predict_linear cries wolf.
#include "analytics/forecast/promql_functions.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "query/promql/engine.h"
#include "query/promql/testing.h"

namespace otter::query::promql {
namespace {

using testing::FakeMetricQuerier;
using testing::L;

constexpr int64_t kMin = 60 * 1000;

Deadline Far() { return std::chrono::steady_clock::now() + std::chrono::minutes(1); }

class ForecastPromqlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // g{job="a"}: 100 + 2 a minute for an hour (t = 0 .. 59 min).
    db_.AddLinear(L({{"__name__", "g"}, {"job", "a"}}), 0, kMin, 60, 100, 2);
  }
  std::string Q(std::string_view q, int64_t t_ms) {
    auto v = engine_.Instant(q, t_ms, Far());
    if (!v.ok()) return "ERROR " + std::string(v.status().message());
    std::string s;
    if (v->type != ValueType::kVector) return "not a vector";
    for (const auto& e : v->vector)
      s += store::LabelsToString(e.metric) + " => " + FormatPromFloat(e.v) + "\n";
    return s;
  }
  FakeMetricQuerier db_;
  EngineOptions opts_;
  Engine engine_{db_, opts_};
};

TEST_F(ForecastPromqlTest, ForecastAndTimeToThresholdOfALine) {
  // At 59 min the value is 218: 10 minutes on, 238; 300 is 41 minutes (2460 s) away.
  EXPECT_EQ(Q("forecast(g[1h], 600)", 59 * kMin), "{job=\"a\"} => 238\n");
  EXPECT_EQ(Q("forecast(g[1h], 10m)", 59 * kMin), "{job=\"a\"} => 238\n");
  EXPECT_EQ(Q("time_to_threshold(g[1h], 300)", 59 * kMin), "{job=\"a\"} => 2460\n");
  // A line has no error: every quantile is the line.
  EXPECT_EQ(Q("forecast(g[1h], 600, 0.9)", 59 * kMin), "{job=\"a\"} => 238\n");
  EXPECT_EQ(Q("time_to_threshold(g[1h], 300, 0.1)", 59 * kMin), "{job=\"a\"} => 2460\n");
  // As a rule condition.
  EXPECT_EQ(Q("time_to_threshold(g[1h], 300) < 3600", 59 * kMin), "{job=\"a\"} => 2460\n");
  EXPECT_EQ(Q("time_to_threshold(g[1h], 300) < 1800", 59 * kMin), "");
  // Falling: 100 is reached when? Never from above-going data; from 218 towards 0 it is
  // "reached" only going down, which a rising line does not: +Inf.
  EXPECT_EQ(Q("time_to_threshold(g[1h], 0)", 59 * kMin), "{job=\"a\"} => +Inf\n");
}

TEST_F(ForecastPromqlTest, TooFewSamplesAndBadArguments) {
  // (57 min, 59 min]: two samples, no output (as predict_linear needs two, these need three).
  EXPECT_EQ(Q("forecast(g[2m], 60)", 59 * kMin), "");
  EXPECT_EQ(Q("time_to_threshold(g[2m], 300)", 59 * kMin), "");
  EXPECT_EQ(Q("forecast(g[3m], 60)", 59 * kMin), "{job=\"a\"} => 220\n");
  EXPECT_EQ(Q("forecast(g[1h], 600, 1)", 59 * kMin),
            "ERROR invalid quantile. Expected: 0 < q < 1, got: 1");
  EXPECT_EQ(Q("forecast(g[1h])", 59 * kMin),
            "ERROR 1:1: parse error: expected at least 2 argument(s) in call to \"forecast\", "
            "got 1");
  EXPECT_EQ(Q("time_to_threshold(g, 1)", 59 * kMin),
            "ERROR 1:19: parse error: expected type range vector in call to function "
            "\"time_to_threshold\", got instant vector");
}

TEST_F(ForecastPromqlTest, SubqueryArgument) {
  // deriv of the line over a subquery is 2/60 per second everywhere: the forecast is that.
  EXPECT_EQ(Q("forecast(deriv(g[5m])[30m:1m], 3600)", 59 * kMin),
            "{job=\"a\"} => 0.03333333333333333\n");
}

TEST_F(ForecastPromqlTest, RangeQueryMatchesInstantSteps) {
  auto m = engine_.Range("forecast(g[30m], 300)", 40 * kMin, 59 * kMin, kMin, Far());
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ASSERT_EQ(m->size(), 1u);
  ASSERT_EQ((*m)[0].points.size(), 20u);
  for (const auto& p : (*m)[0].points) {
    double want = 100 + 2 * static_cast<double>(p.t_ms / kMin) + 10;
    EXPECT_NEAR(p.v, want, 1e-9) << p.t_ms;
  }
}

TEST_F(ForecastPromqlTest, RotatedLogsDiskPredictLinearCriesWolfTimeToThresholdDoesNot) {
  // Disk usage % rotated at midnight: 40 → 80 over each day, for six days and 18 hours.
  std::vector<store::Sample> disk;
  for (int i = 0; i < 6 * 288 + 216; ++i)
    disk.push_back(store::Sample{i * 5 * kMin, 40 + 40.0 * (i % 288) / 287});
  db_.Add(L({{"__name__", "disk_used_percent"}, {"mountpoint", "/var"}}), disk);
  int64_t now = disk.back().t_ms;
  // The classic rule: full within a day by the last 6 hours' trend, which is the day's
  // 40/287 per 5 minutes: 40 + 40·(215 + 288)/287 = 110.10 tomorrow.
  EXPECT_EQ(Q("predict_linear(disk_used_percent[6h], 86400) > 100", now),
            "{mountpoint=\"/var\"} => 110.10452961672485\n");
  EXPECT_EQ(Q("time_to_threshold(disk_used_percent[7d], 100)", now),
            "{mountpoint=\"/var\"} => +Inf\n");
  EXPECT_EQ(Q("time_to_threshold(disk_used_percent[7d], 100) < 86400", now), "");
}

}  // namespace
}  // namespace otter::query::promql
