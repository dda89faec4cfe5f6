// ETS forecasts, level shifts, seasonality and time-to-threshold on synthetic series with known
// answers: a straight line, a pure daily season, a log-rotation sawtooth, noise around a flat
// level, a level shift.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "analytics/forecast/ets.h"
#include "analytics/forecast/exhaustion.h"
#include "analytics/forecast/structure.h"

namespace otter::analytics::forecast {
namespace {

constexpr double kDay = 86400;

std::vector<Sample> Line(size_t n, double step_s, double start, double slope_per_step) {
  std::vector<Sample> out;
  for (size_t i = 0; i < n; ++i)
    out.push_back(Sample{static_cast<double>(i) * step_s, start + slope_per_step * i});
  return out;
}

// Deterministic uniform noise in [-1, 1) (a 64-bit LCG), so expectations do not depend on the
// standard library's distributions.
class Noise {
 public:
  double Next() {
    state_ = state_ * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<double>(state_ >> 11) / 4503599627370496.0 - 1;
  }

 private:
  uint64_t state_ = 42;
};

// Disk usage rotated every day at midnight (5-minute samples): from 40 up to peak(day) over the
// day, then back to 40.
std::vector<Sample> Sawtooth(int days, double hours_into_last, double (*peak)(int)) {
  std::vector<Sample> out;
  const int per_day = 288;
  int total = days * per_day + static_cast<int>(hours_into_last * 12);
  for (int i = 0; i < total; ++i) {
    int day = i / per_day, k = i % per_day;
    double v = 40 + (peak(day) - 40) * k / (per_day - 1);
    out.push_back(Sample{i * 300.0, v});
  }
  return out;
}

TEST(ForecastStructure, LevelShiftsIgnoreSpikesAndFindSteps) {
  std::vector<double> y(100, 10);
  y[30] = 90;  // a lone spike
  for (size_t i = 60; i < 100; ++i) y[i] = 25;
  for (size_t i = 0; i < y.size(); ++i) y[i] += (i % 2) * 0.5;  // some texture
  auto shifts = FindLevelShifts(y);
  ASSERT_EQ(shifts.size(), 1u);
  EXPECT_EQ(shifts[0].index, 60u);
  EXPECT_DOUBLE_EQ(shifts[0].shift, 15);
}

TEST(ForecastStructure, DailyPeriodDetectedWeeklyNeedsTwoWeeks) {
  std::vector<double> y;
  for (int i = 0; i < 96; ++i) y.push_back(50 + 10 * std::sin(2 * M_PI * i / 24));
  EXPECT_EQ(DetectPeriod(y, 3600), 24u);
  // One and a half days: not two periods.
  EXPECT_EQ(DetectPeriod(std::span<const double>(y).first(36), 3600), 0u);
  std::vector<double> flat(96, 3);
  EXPECT_EQ(DetectPeriod(flat, 3600), 0u);
}

TEST(ForecastStructure, WeeklyPeriodWinsWhenWeekendsDiffer) {
  // Hourly for three weeks: a daily wave on weekdays, a low flat weekend.
  std::vector<double> y;
  for (int i = 0; i < 21 * 24; ++i) {
    bool weekend = (i / 24) % 7 >= 5;
    y.push_back(weekend ? 10 : 50 + 10 * std::sin(2 * M_PI * i / 24));
  }
  EXPECT_EQ(DetectPeriod(y, 3600), 168u);
  // Fifteen days hold two weeks (2 × 168 = 336 ≤ 360): still weekly.
  EXPECT_EQ(DetectPeriod(std::span<const double>(y).first(360), 3600), 168u);
  // Under two weeks only the daily period can be seen.
  EXPECT_EQ(DetectPeriod(std::span<const double>(y).first(300), 3600), 24u);
}

TEST(ForecastStructure, NormalQuantile) {
  EXPECT_NEAR(NormalQuantile(0.5), 0, 1e-15);
  EXPECT_NEAR(NormalQuantile(0.9), 1.2815515655446004, 1e-12);
  EXPECT_NEAR(NormalQuantile(0.1), -1.2815515655446004, 1e-12);
  EXPECT_NEAR(NormalQuantile(0.975), 1.959963984540054, 1e-12);
  EXPECT_NEAR(NormalQuantile(0.001), -3.090232306167813, 1e-11);
  EXPECT_EQ(NormalQuantile(1), HUGE_VAL);
  EXPECT_TRUE(std::isnan(NormalQuantile(1.5)));
}

TEST(EtsForecast, StraightLineIsExtrapolatedExactly) {
  // 100 + 2 per minute for an hour: 10 minutes after the last sample (218) it is 238.
  auto s = Line(60, 60, 100, 2);
  auto m = FitEts(s);
  ASSERT_TRUE(m.has_value());
  EXPECT_TRUE(m->params().trend);
  EXPECT_EQ(m->params().phi, 1);
  EXPECT_EQ(m->params().period, 0u);
  EXPECT_DOUBLE_EQ(m->step_s(), 60);
  EXPECT_NEAR(m->Mean(600), 238, 1e-9);
  EXPECT_NEAR(m->Mean(90), 221, 1e-9);  // between steps: linear
  EXPECT_NEAR(m->sigma(), 0, 1e-9);
}

TEST(EtsForecast, FewSamplesFollowTheLeastSquaresLine) {
  // 3 samples 1, 2, 6 a minute apart: slope 2.5/min through (1 min, 3): at 4 min, 10.5.
  std::vector<Sample> s = {{0, 1}, {60, 2}, {120, 6}};
  auto m = FitEts(s);
  ASSERT_TRUE(m.has_value());
  EXPECT_NEAR(m->Mean(120), 10.5, 1e-12);
  std::vector<Sample> two = {{0, 1}, {60, 2}};
  EXPECT_FALSE(FitEts(two).has_value());
}

TEST(EtsForecast, DailySeasonRepeats) {
  // Hourly for four days: tomorrow at the same hour is today's value.
  std::vector<Sample> s;
  for (int i = 0; i < 96; ++i)
    s.push_back(Sample{i * 3600.0, 50 + 10 * std::sin(2 * M_PI * i / 24)});
  auto m = FitEts(s);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->params().period, 24u);
  for (int h : {1, 6, 13, 24, 30}) {
    double want = 50 + 10 * std::sin(2 * M_PI * (95 + h) / 24);
    EXPECT_NEAR(m->Mean(h * 3600.0), want, 1e-9) << h;
  }
}

TEST(EtsForecast, NoisyFlatSeriesForecastsItsLevel) {
  Noise noise;
  std::vector<Sample> s;
  for (int i = 0; i < 864; ++i) s.push_back(Sample{i * 300.0, 50 + 5 * noise.Next()});
  auto m = FitEts(s);
  ASSERT_TRUE(m.has_value());
  for (double ahead : {3600.0, kDay, 7 * kDay}) {
    EXPECT_NEAR(m->Mean(ahead), 50, 1) << ahead;
  }
  // Uniform noise of half-width 5 has standard deviation 5/√3 = 2.89: the one-step error is
  // about that, and an 80% interval spans ±1.28 of them and more.
  EXPECT_NEAR(m->sigma(), 2.89, 0.3);
  double lo = m->Quantile(kDay, 0.1), hi = m->Quantile(kDay, 0.9);
  EXPECT_NEAR(hi - m->Mean(kDay), 1.2815515655446004 * m->StdDev(kDay), 1e-9);
  EXPECT_NEAR(m->Mean(kDay) - lo, hi - m->Mean(kDay), 1e-9);
  EXPECT_GE(m->StdDev(kDay), m->sigma());
}

TEST(EtsForecast, LevelShiftIsNotATrend) {
  // Two days at 50, then 70 for a day (5-minute samples, small noise).
  Noise noise;
  std::vector<Sample> s;
  for (int i = 0; i < 864; ++i)
    s.push_back(Sample{i * 300.0, (i < 576 ? 50 : 70) + 0.5 * noise.Next()});
  auto m = FitEts(s);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->level_shifts(), 1u);
  EXPECT_NEAR(m->Mean(kDay), 70, 0.5);
  EXPECT_NEAR(m->Mean(7 * kDay), 70, 1);
}

TEST(EtsForecast, InputIsAveragedDownToMaxPoints) {
  auto s = Line(10000, 15, 0, 1);
  FitOptions opts;
  opts.max_points = 1000;
  auto m = FitEts(s, opts);
  ASSERT_TRUE(m.has_value());
  EXPECT_DOUBLE_EQ(m->step_s(), 150);  // groups of 10 samples
  // The last group's mean sits at sample 9994.5 (value 9994.5); 1500 s later is 100 steps on.
  EXPECT_NEAR(m->last_t_s(), 9994.5 * 15, 1e-6);
  EXPECT_NEAR(m->Mean(1500), 9994.5 + 100, 1e-6);
}

TEST(TimeToThreshold, StraightLineUpAndDown) {
  // 100 + 2/min, last sample 218 at 59 min: 300 is 41 minutes after it.
  auto up = Line(60, 60, 100, 2);
  auto e = TimeToThreshold(up, 300, 59 * 60);
  ASSERT_TRUE(e.has_value());
  EXPECT_NEAR(e->seconds, 41 * 60, 1e-6);
  EXPECT_FALSE(e->sawtooth);
  // Evaluated 5 minutes later (no new samples): 36 minutes.
  EXPECT_NEAR(TimeToThreshold(up, 300, 64 * 60)->seconds, 36 * 60, 1e-6);
  // Free bytes falling 5 per minute from 1000; 705 left at 59 min → 0 in 141 minutes.
  auto down = Line(60, 60, 1000, -5);
  EXPECT_NEAR(TimeToThreshold(down, 0, 59 * 60)->seconds, 141 * 60, 1e-6);
  // At the limit: 0.
  EXPECT_EQ(TimeToThreshold(up, 218, 59 * 60)->seconds, 0);
  std::vector<Sample> two = {{0, 1}, {60, 2}};
  EXPECT_FALSE(TimeToThreshold(two, 10, 60).has_value());
}

TEST(TimeToThreshold, FarLinearGrowthBeyondTheSearchIsStillFound) {
  // 1 per hour for a day, limit a year away: the search covers 10 days, then the straight line.
  auto s = Line(25, 3600, 0, 1);
  EXPECT_NEAR(TimeToThreshold(s, 24 + 8760, 24 * 3600)->seconds, 8760 * 3600.0, 1e-3);
}

TEST(TimeToThreshold, NoisyFlatSeriesNeverFills) {
  Noise noise;
  std::vector<Sample> s;
  for (int i = 0; i < 864; ++i) s.push_back(Sample{i * 300.0, 50 + 5 * noise.Next()});
  double now = 863 * 300.0;
  EXPECT_EQ(TimeToThreshold(s, 100, now)->seconds, HUGE_VAL);
  // Level shift up to 70 a day ago (predict_linear over the range sees a steep trend).
  std::vector<Sample> stepped;
  for (int i = 0; i < 864; ++i)
    stepped.push_back(Sample{i * 300.0, (i < 576 ? 50 : 70) + 0.5 * noise.Next()});
  EXPECT_EQ(TimeToThreshold(stepped, 100, now)->seconds, HUGE_VAL);
}

double FlatPeak(int) { return 80; }
double GrowingPeak(int day) { return 60 + 2 * day; }

TEST(TimeToThreshold, RotatedLogsDoNotCryWolf) {
  // Six days of daily rotation, now 18:00 on the seventh at 70 (growing 40/day, as
  // predict_linear over the last hours sees it: 100 in 18 h). Resets come every 24 h and the
  // peaks stay at 80: never.
  auto s = Sawtooth(6, 18, FlatPeak);
  double now = s.back().t_s;
  auto e = TimeToThreshold(s, 100, now);
  ASSERT_TRUE(e.has_value());
  EXPECT_TRUE(e->sawtooth);
  EXPECT_EQ(e->resets, 6u);
  EXPECT_EQ(e->seconds, HUGE_VAL);
  // A limit of 82, above the peaks, is not reached before the rotation either.
  EXPECT_EQ(TimeToThreshold(s, 82, now)->seconds, HUGE_VAL);
  // One the current cycle reaches before its reset: the last sample (step 215 of the day) is
  // 40 + 40·215/287; 75 is step 35·287/40 = 251.125, 36.125 steps of 5 minutes later.
  EXPECT_NEAR(TimeToThreshold(s, 75, now)->seconds, 36.125 * 300, 1e-6);
  // The same day, when the rotation is overdue (no reset by 25:00): the cycle's own line,
  // 100 at step 35·... 60·287/40 = 430.5 of the day, counts.
  auto late = Sawtooth(6, 25, FlatPeak);
  for (size_t i = 6 * 288; i < late.size(); ++i)
    late[i].v = 40 + 40.0 * static_cast<double>(i - 6 * 288) / 287;
  EXPECT_NEAR(TimeToThreshold(late, 100, late.back().t_s)->seconds, (430.5 - 299) * 300, 1e-6);
}

TEST(TimeToThreshold, RotatedLogsWithGrowingPeaksFillWhenThePeaksDo) {
  // Peaks 60, 62, 64, ... (2 a day): the day-20 peak, 100, is reached at its last sample.
  auto s = Sawtooth(7, 6, GrowingPeak);
  double now = s.back().t_s;
  auto e = TimeToThreshold(s, 100, now);
  ASSERT_TRUE(e.has_value());
  EXPECT_TRUE(e->sawtooth);
  EXPECT_NEAR(e->seconds, 20 * kDay + 287 * 300 - now, 1e-3);
}

TEST(TimeToThreshold, NoisyRotationAtIrregularTimesDoesNotCryWolf) {
  // Rotation when the log reaches ~30 MB, growth varying by the hour, noise ±0.5: usage swings
  // between ~45 and ~75 at irregular times for a week. Now mid-cycle at its steepest.
  Noise noise;
  std::vector<Sample> s;
  double v = 45;
  for (int i = 0; i < 7 * 288; ++i) {
    double rate = 0.08 + 0.06 * std::sin(i / 40.0);
    v += rate;
    if (v > 75) v = 45;
    s.push_back(Sample{i * 300.0, v + 0.5 * noise.Next()});
  }
  auto e = TimeToThreshold(s, 100, s.back().t_s);
  ASSERT_TRUE(e.has_value());
  EXPECT_TRUE(e->sawtooth);
  EXPECT_EQ(e->resets, 5u);  // cycles of ~375 steps
  EXPECT_EQ(e->seconds, HUGE_VAL);
  EXPECT_EQ(TimeToThreshold(s, 100, s.back().t_s, 0.1)->seconds, HUGE_VAL);
}

TEST(TimeToThreshold, NoisySteadyFillIsFoundWithAnInterval) {
  // 1% a day from 50 with ±0.5 noise for a week: 90 is ~33 days after the last sample (57).
  Noise noise;
  std::vector<Sample> s;
  for (int i = 0; i < 7 * 288; ++i)
    s.push_back(Sample{i * 300.0, 50 + i / 288.0 + 0.5 * noise.Next()});
  double now = s.back().t_s;
  double median = TimeToThreshold(s, 90, now)->seconds / kDay;
  double early = TimeToThreshold(s, 90, now, 0.1)->seconds / kDay;
  double late = TimeToThreshold(s, 90, now, 0.9)->seconds / kDay;
  EXPECT_NEAR(median, 33, 3);
  EXPECT_LT(early, median);
  EXPECT_GT(early, 15);
  // ETS lets the trend itself drift (by β·error a step), so over a month the lower band widens
  // faster than the trend climbs: the late bound is beyond the 70-day search.
  EXPECT_EQ(late, HUGE_VAL);
}

TEST(TimeToThreshold, OddInputsGiveAnswersNotCrashes) {
  Noise noise;
  for (int trial = 0; trial < 100; ++trial) {
    std::vector<Sample> s;
    int n = 3 + trial * 7 % 400;
    double t = 0;
    for (int i = 0; i < n; ++i) {
      t += trial % 5 == 0 ? 0 : 1 + 100 * (noise.Next() + 1);  // some with one timestamp
      double v = trial % 3 == 0 ? std::round(noise.Next() * 3) : 1e6 * noise.Next();
      if (i % 17 == 5) v = trial % 2 == 0 ? std::nan("") : HUGE_VAL;
      s.push_back(Sample{t, v});
    }
    for (double limit : {-HUGE_VAL, 0.0, 1e5, HUGE_VAL}) {
      auto e = TimeToThreshold(s, limit, t, 0.1 + 0.1 * (trial % 9));
      if (trial % 5 == 0) {
        EXPECT_FALSE(e.has_value());
        continue;
      }
      ASSERT_TRUE(e.has_value()) << trial;
      EXPECT_GE(e->seconds, 0) << trial;
    }
    auto m = FitEts(s);
    if (trial % 5 == 0) continue;
    ASSERT_TRUE(m.has_value());
    for (double ahead : {-5.0, 0.0, 1e3, 1e9})
      EXPECT_TRUE(std::isfinite(m->Quantile(ahead, 0.2))) << trial << " " << ahead;
  }
}

}  // namespace
}  // namespace otter::analytics::forecast
