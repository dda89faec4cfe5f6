#include "analytics/detector.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace otter::analytics {
namespace {

constexpr size_t kDocumentedBytes = 5016;  // docs/analytics.md, "Memory per series"
constexpr int64_t kStep = 300000;          // 5 minutes, NAB's most common interval

// A daily sine (288 samples a day) with gaussian noise; deterministic.
std::vector<double> Daily(size_t n, double noise, uint64_t seed = 1) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> g(0, noise);
  std::vector<double> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = 100 + 30 * std::sin(2 * M_PI * i / 288.0) + g(rng);
  return v;
}

// The NAB-tuned statistics take a few thousand samples to settle; these tests give the detector
// a 600-sample warmup (about two days at 5 minutes) and two weeks of data, like a NAB file.
DetectorOptions Warm() {
  DetectorOptions o;
  o.warmup = 600;
  return o;
}

std::vector<AnomalyResult> Detect(const std::vector<double>& v, DetectorOptions o = Warm()) {
  SeriesDetector d(o);
  std::vector<AnomalyResult> out;
  for (size_t i = 0; i < v.size(); ++i) out.push_back(d.Update(int64_t(i) * kStep, v[i]));
  return out;
}

// Indices whose score reaches `level`.
std::vector<size_t> Alarms(const std::vector<AnomalyResult>& r, double level = 0.5) {
  std::vector<size_t> out;
  for (size_t i = 0; i < r.size(); ++i)
    if (r[i].score >= level) out.push_back(i);
  return out;
}

TEST(DetectorTest, WarmupScoresZero) {
  DetectorOptions o;
  o.warmup = 50;
  auto r = Detect(Daily(100, 1), o);
  for (size_t i = 0; i < 50; ++i) {
    EXPECT_EQ(r[i].score, 0) << i;
    EXPECT_EQ(r[i].reason, AnomalyReason::kWarmup) << i;
  }
  EXPECT_NE(r[50].reason, AnomalyReason::kWarmup);
}

// A young series (its score statistics not settled) still flags a value far outside its range,
// even right after an alarm; a value just outside the range is no gross outlier.
TEST(DetectorTest, GrossOutlierScoresAtOnceOnAYoungSeries) {
  auto young = [](const DetectorOptions& o, double spike) {
    SeriesDetector d(o);
    double lo = 1e9, hi = -1e9;
    for (int i = 0; i < 119; ++i) {
      double v = 100 + 10 * std::sin(i / 5.0) + i % 3;
      lo = std::min(lo, v);
      hi = std::max(hi, v);
      d.Update(i * kStep, v);
    }
    AnomalyResult r = d.Update(119 * kStep, spike);
    return std::pair{r, (spike - hi) / (hi - lo)};  // the excess in ranges
  };
  DetectorOptions o;
  o.warmup = 64;
  for (double spike : {900.0, 150.0}) {
    auto [r, ranges] = young(o, spike);
    EXPECT_EQ(r.reason, AnomalyReason::kOutOfRange) << spike;
    EXPECT_NEAR(r.score, std::min(1.0, 0.5 * ranges), 1e-9) << spike << " is " << ranges;
  }
  auto [near, ranges] = young(o, 125);  // within one range of the extremes: no gross outlier
  EXPECT_LT(ranges, 1);
  EXPECT_LT(near.score, 0.5);
  o.extreme_range = 0;  // disabled: the short average dilutes the spike
  EXPECT_LT(young(o, 900).first.score, 0.5);
}

// Right after a short warmup the score statistics have seen few samples; a quiet series must not
// look anomalous because of that (it did: up to 0.72 in its first 50 scored samples).
TEST(DetectorTest, YoungSeriesStaysQuietAfterAShortWarmup) {
  auto max_score = [](const DetectorOptions& o) {
    SeriesDetector d(o);
    double mx = 0;
    for (int i = 0; i < 3000; ++i)
      mx = std::max(mx, d.Update(i * kStep, 100 + 10 * std::sin(i / 5.0) + i % 3).score);
    return mx;
  };
  DetectorOptions o;
  o.warmup = 64;
  EXPECT_LT(max_score(o), 0.45);
  o.young_stats = 0;  // statistics used as they are: the first scored samples alarm
  EXPECT_GE(max_score(o), 0.5);
}

// A day whose pattern comes six hours late stays within the range and the usual levels; the
// seasonal residual (against the same phase of earlier days) finds it within the hour.
TEST(DetectorTest, SeasonalResidualFindsADayOutOfPhase) {
  auto v = Daily(288 * 14, 2);
  const size_t at = 288 * 12;
  std::mt19937_64 rng(7);
  std::normal_distribution<double> g(0, 2);
  for (size_t i = at; i < at + 288; ++i)
    v[i] = 100 + 30 * std::sin(2 * M_PI * i / 288.0 - M_PI / 2) + g(rng);
  auto r = Detect(v);
  auto alarms = Alarms(r);
  ASSERT_FALSE(alarms.empty());
  EXPECT_GE(alarms.front(), at);
  EXPECT_LT(alarms.back(), at + 12);  // one incident: all within its first hour
  EXPECT_EQ(r[alarms[0]].reason, AnomalyReason::kSeasonal);
  DetectorOptions o = Warm();
  o.w_resid = 0;  // without it nothing alarms
  EXPECT_EQ(Alarms(Detect(v, o)), std::vector<size_t>{});
}

TEST(DetectorTest, SteadySeasonalSeriesNeverAlarmsOverTwoWeeks) {
  auto r = Detect(Daily(288 * 14, 2));
  EXPECT_EQ(Alarms(r), std::vector<size_t>{});
}

TEST(DetectorTest, SpikeAlarmsAtOnceAndOnce) {
  auto v = Daily(288 * 14, 2);
  const size_t at = 288 * 12;
  v[at] += 150;       // far above anything seen
  v[at + 10] += 150;  // a second spike soon after: suppressed
  auto r = Detect(v);
  EXPECT_EQ(Alarms(r), std::vector<size_t>{at});
  EXPECT_EQ(r[at].reason, AnomalyReason::kOutOfRange);
  EXPECT_LT(r[at + 10].score, 0.5);
  EXPECT_GT(r[at + 10].score, 0);
}

TEST(DetectorTest, LevelShiftAlarmsAtOnceThenTheBaselineFollows) {
  auto v = Daily(288 * 14, 2);
  const size_t at = 288 * 10;
  for (size_t i = at; i < v.size(); ++i) v[i] -= 45;  // a drop below the usual range
  auto r = Detect(v);
  auto alarms = Alarms(r);
  ASSERT_FALSE(alarms.empty());
  EXPECT_GE(alarms[0], at);
  EXPECT_LE(alarms[0], at + 12);  // within an hour
  // The new level's first day brings new lows (the range check), then it is quiet again.
  EXPECT_LE(alarms.size(), 3u);
  EXPECT_LT(alarms.back(), at + 288);
  // The band follows the new level: three days later the expected value is near it.
  const AnomalyResult& late = r[288 * 13];
  EXPECT_NEAR(late.expected, v[288 * 13], 20);
  EXPECT_LT(late.lower, v[288 * 13]);
  EXPECT_GT(late.upper, v[288 * 13]);
}

TEST(DetectorTest, BandSurvivesStepsLargerThanTheQuietSpread) {
  // A flat stretch teaches a near-zero spread; then the series alternates between two levels 10%
  // of its range apart. The spread must learn from the steps (it used to restart the baseline
  // at every sample and keep a zero-width band).
  std::vector<double> v(4000, 50);
  for (size_t i = 1000; i < v.size(); ++i) v[i] = 50 + (i % 2 ? 10 : 0);
  v[0] = 0;  // the range is 0..100
  v[1] = 100;
  auto r = Detect(v);
  const AnomalyResult& late = r[3999];
  EXPECT_GT(late.upper - late.lower, 10);
  EXPECT_LT(late.lower, 50);
  EXPECT_GT(late.upper, 60);
  // After the change itself, the alternation is the new normal.
  for (size_t i = 1500; i < v.size(); ++i) ASSERT_LT(r[i].score, 0.5) << i;
}

TEST(DetectorTest, LearningHintSetsWarmupAndScalesSuppression) {
  auto v = Daily(288 * 14, 2);
  const size_t at = 288 * 12;
  v[at] += 150;
  v[at + 60] += 150;  // a second spike 60 samples later
  DetectorOptions o = Warm();
  o.suppress_learn = 0.1;
  o.learn_hint = 700;  // suppression max(40, 70) samples: the second spike is damped
  auto r = Detect(v, o);
  for (size_t i = 0; i < 700; ++i) ASSERT_EQ(r[i].reason, AnomalyReason::kWarmup) << i;
  EXPECT_EQ(Alarms(r), std::vector<size_t>{at});
  o.learn_hint = 0;  // no hint: 40 samples, and the second spike alarms again
  auto plain = Alarms(Detect(v, o));
  ASSERT_GE(plain.size(), 2u);
  EXPECT_EQ(plain[0], at);
  EXPECT_GE(plain[1], at + 60);
  EXPECT_LE(plain[1], at + 64);
}

TEST(DetectorTest, NanIsSkipped) {
  SeriesDetector d{DetectorOptions{}};
  for (int i = 0; i < 200; ++i) d.Update(i * kStep, 5);
  AnomalyResult r = d.Update(200 * kStep, std::numeric_limits<double>::quiet_NaN());
  EXPECT_EQ(r.score, 0);
  EXPECT_EQ(r.reason, AnomalyReason::kNone);
  EXPECT_EQ(r.expected, 5);
}

TEST(DetectorTest, RangeHintScalesTheLevels) {
  // With the hint, the first samples already quantise on the final scale; without it the
  // detector learns the range. Both stay quiet on a steady series.
  DetectorOptions o = Warm();
  o.has_range_hint = true;
  o.min_hint = 60;
  o.max_hint = 140;
  EXPECT_EQ(Alarms(Detect(Daily(288 * 14, 2), o)), std::vector<size_t>{});
}

TEST(DetectorTest, BytesPerSeriesIsBoundedAndDocumented) {
  DetectorOptions o;
  // docs/analytics.md quotes this figure for the default options.
  EXPECT_EQ(SeriesDetector::BytesPerSeries(o), kDocumentedBytes);
  o.table_bits = 16;
  EXPECT_GT(SeriesDetector::BytesPerSeries(o), 262144u);
}

TEST(DetectorTest, ReasonNames) {
  EXPECT_EQ(AnomalyReasonName(AnomalyReason::kNovelPattern), "novel_pattern");
  EXPECT_EQ(AnomalyReasonName(AnomalyReason::kLevelShift), "level_shift");
  EXPECT_EQ(AnomalyReasonName(AnomalyReason::kOutOfRange), "out_of_range");
}

TEST(DetectorTest, ScoreRangeUsesTheLastSample) {
  auto v = Daily(3000, 1);
  v.back() += 200;
  AnomalyResult r = ScoreRange(
      v.size(), [&](size_t i) { return std::pair<int64_t, double>(int64_t(i) * kStep, v[i]); });
  EXPECT_GE(r.score, 0.5);
  EXPECT_LT(r.upper, v.back());
}

}  // namespace
}  // namespace otter::analytics
