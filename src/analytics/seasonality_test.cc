#include "analytics/seasonality.h"

#include <gtest/gtest.h>

#include <random>

namespace otter::analytics {
namespace {

constexpr int64_t kHour = 3600 * 1000;
constexpr int64_t kDay = 24 * kHour;
constexpr int64_t kMonday = 4 * kDay;  // 1970-01-05

TEST(SeasonalityTest, DescribesADailyPeak) {
  std::vector<int64_t> ts;
  std::vector<double> vs;
  for (int64_t t = kMonday; t < kMonday + 3 * kDay; t += 5 * 60 * 1000) {
    ts.push_back(t);
    vs.push_back((t % kDay) / kHour == 14 ? 210 : 100);
  }
  SeasonReport r = DescribeSeason("p99 latency", ts, vs);
  EXPECT_EQ(r.period, SeasonReport::Period::kDaily);
  EXPECT_EQ(r.peak, 14);
  EXPECT_EQ(r.text,
            "p99 latency peaks at 14:00 UTC daily at 2.1x its baseline and is lowest at 00:00 "
            "(1.0x); the daily pattern explains 100% of its variance");
}

TEST(SeasonalityTest, DescribesAWeeklyPattern) {
  std::vector<int64_t> ts;
  std::vector<double> vs;
  std::mt19937_64 rng(3);
  std::normal_distribution<double> g(0, 1);
  for (int64_t t = kMonday; t < kMonday + 21 * kDay; t += kHour) {
    ts.push_back(t);
    int64_t weekday = ((t / kDay) + 3) % 7;
    double base = weekday == 0 ? 120 : weekday == 5 ? 40 : weekday == 6 ? 50 : 100;
    vs.push_back(base + g(rng));  // busy Mondays, quiet weekends
  }
  SeasonReport r = DescribeSeason("requests", ts, vs);
  EXPECT_EQ(r.period, SeasonReport::Period::kWeekly);
  EXPECT_EQ(r.trough, 5);
  EXPECT_EQ(r.text.substr(0, 80),
            "requests peaks on Mondays at 1.2x its baseline and is lowest on Saturdays (0.4x)");
}

TEST(SeasonalityTest, NoiseHasNoPattern) {
  std::vector<int64_t> ts;
  std::vector<double> vs;
  std::mt19937_64 rng(5);
  std::normal_distribution<double> g(0, 10);
  for (int64_t t = 0; t < 4 * kDay; t += 10 * 60 * 1000) {
    ts.push_back(t);
    vs.push_back(50 + g(rng));
  }
  SeasonReport r = DescribeSeason("cpu", ts, vs);
  EXPECT_EQ(r.period, SeasonReport::Period::kNone);
  EXPECT_EQ(r.text.substr(0, 36), "cpu: no daily or weekly pattern (bes");
}

TEST(SeasonalityTest, TooShortForAPattern) {
  SeasonReport r = DescribeSeason("x", {0}, {1});
  EXPECT_EQ(r.text, "x: too few samples for a seasonal pattern");
}

TEST(SeasonalityTest, StreamingBaselineBucketsByHourAndWeekday) {
  SeasonalBaseline b(10);
  for (int64_t t = kMonday; t < kMonday + 7 * kDay; t += kHour) {
    b.Update(t, (t % kDay) / kHour == 3 ? 30 : 10);
  }
  EXPECT_DOUBLE_EQ(b.Hour(3).mean, 30);
  EXPECT_DOUBLE_EQ(b.Hour(4).mean, 10);
  EXPECT_EQ(b.Hour(3).weight, 7);
  EXPECT_EQ(b.Weekday(0).weight, 10);  // Monday: 24 samples, capped at the horizon
}

}  // namespace
}  // namespace otter::analytics
