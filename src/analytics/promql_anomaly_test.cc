// The PromQL functions anomaly_score, anomaly_band_upper and anomaly_band_lower (otter
// extensions, docs/analytics.md) through the engine.
#include <gtest/gtest.h>

#include <cmath>

#include "query/promql/engine.h"
#include "query/promql/testing.h"

namespace otter::query::promql {
namespace {

using testing::L;

constexpr int64_t kMin = 60 * 1000;

Deadline Far() { return std::chrono::steady_clock::now() + std::chrono::minutes(1); }

class PromqlAnomalyTest : public ::testing::Test {
 protected:
  PromqlAnomalyTest() {
    std::vector<store::Sample> steady, spiky;
    for (int i = 0; i < 3000; ++i) {
      double v = 100 + 10 * std::sin(i / 20.0);
      steady.push_back({i * kMin, v});
      spiky.push_back({i * kMin, i == 2999 ? 400 : v});
    }
    db_.Add(L({{"__name__", "latency"}, {"host", "a"}}), steady);
    db_.Add(L({{"__name__", "latency"}, {"host", "b"}}), spiky);
  }
  testing::FakeMetricQuerier db_;
  Engine engine_{db_, EngineOptions{}};
};

TEST_F(PromqlAnomalyTest, ScoreIsHighOnlyForTheSeriesEndingInASpike) {
  auto v = engine_.Instant("anomaly_score(latency[50h])", 2999 * kMin, Far());
  ASSERT_TRUE(v.ok()) << v.status().message();
  ASSERT_EQ(v->vector.size(), 2u);
  EXPECT_EQ(store::LabelsToString(v->vector[0].metric), "{host=\"a\"}");  // name dropped
  EXPECT_LT(v->vector[0].v, 0.5);
  EXPECT_GE(v->vector[1].v, 0.5);
}

TEST_F(PromqlAnomalyTest, BandHoldsTheSteadyValueAndNotTheSpike) {
  auto up = engine_.Instant("anomaly_band_upper(latency[50h])", 2999 * kMin, Far());
  auto lo = engine_.Instant("anomaly_band_lower(latency[50h])", 2999 * kMin, Far());
  ASSERT_TRUE(up.ok() && lo.ok());
  double steady = 100 + 10 * std::sin(2999 / 20.0);
  EXPECT_LT(lo->vector[0].v, steady);
  EXPECT_GT(up->vector[0].v, steady);
  EXPECT_LT(up->vector[1].v, 400);
  // Usable in comparisons like any range function: only host b is outside its band.
  auto out = engine_.Instant("latency > anomaly_band_upper(latency[50h])", 2999 * kMin, Far());
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out->vector.size(), 1u);
  EXPECT_EQ(store::LabelsToString(out->vector[0].metric), "{__name__=\"latency\", host=\"b\"}");
}

TEST_F(PromqlAnomalyTest, WantsARange) {
  auto v = engine_.Instant("anomaly_score(latency)", 2999 * kMin, Far());
  EXPECT_FALSE(v.ok());
}

}  // namespace
}  // namespace otter::query::promql
