// Time to a threshold (exhaustion.h).
#include "analytics/forecast/exhaustion.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "analytics/forecast/structure.h"

namespace otter::analytics::forecast {
namespace {

constexpr double kMaxSteps = 1e5;

// The first time (seconds, absolute) the model's forecast quantile, oriented by `dir`, reaches
// dir·limit within `until_s`; interpolated between steps. +Inf when it does not, unless
// `past_until` and an undamped trend heads for the limit.
double FirstCrossing(const EtsModel& m, double dir, double limit, double q, double until_s,
                     bool past_until) {
  double step = m.step_s();
  double t0 = m.last_t_s();
  // Early times of an upward crossing come from the upper forecast quantiles.
  double fq = dir > 0 ? 1 - q : q;
  double target = dir * limit;
  double prev = dir * m.Mean(0);
  if (prev >= target) return t0;
  double steps = std::ceil(std::max(0.0, until_s - t0) / step);
  auto k_max = static_cast<size_t>(std::min(steps, kMaxSteps));
  std::vector<double> path = m.QuantilePath(k_max, fq);
  for (size_t k = 0; k < k_max; ++k) {
    double v = dir * path[k];
    if (v >= target) {
      double frac = v > prev ? (target - prev) / (v - prev) : 1;
      return t0 + (static_cast<double>(k) + frac) * step;
    }
    prev = v;
  }
  // An undamped trend towards the limit gets there in the end: the median's straight line past
  // the search (also the answer for earlier quantiles, whose crossing is no later). Later
  // quantiles, whose band has not reached the limit in the search, stay +Inf.
  if (past_until && q <= 0.5 && m.params().trend && m.params().phi >= 1 && dir * m.trend() > 0) {
    double h = (target - dir * m.Mean(0)) / (dir * m.trend());
    return t0 + h * step;
  }
  return HUGE_VAL;
}

// Least squares of v against t.
void FitLineXY(std::span<const double> t, std::span<const double> v, double* intercept,
               double* slope, double* resid_sd) {
  size_t n = t.size();
  double mt = 0, mv = 0;
  for (size_t i = 0; i < n; ++i) {
    mt += t[i];
    mv += v[i];
  }
  mt /= static_cast<double>(n);
  mv /= static_cast<double>(n);
  double stv = 0, stt = 0;
  for (size_t i = 0; i < n; ++i) {
    stv += (t[i] - mt) * (v[i] - mv);
    stt += (t[i] - mt) * (t[i] - mt);
  }
  *slope = stt > 0 ? stv / stt : 0;
  *intercept = mv - *slope * mt;
  double ss = 0;
  for (size_t i = 0; i < n; ++i) {
    double r = v[i] - (*intercept + *slope * t[i]);
    ss += r * r;
  }
  *resid_sd = n > 2 ? std::sqrt(ss / static_cast<double>(n - 2)) : 0;
}

}  // namespace

std::optional<Exhaustion> TimeToThreshold(std::span<const Sample> samples, double limit,
                                          double now_s, double q) {
  std::vector<Sample> pts;
  pts.reserve(samples.size());
  for (const auto& s : samples)
    if (std::isfinite(s.v) && std::isfinite(s.t_s)) pts.push_back(s);
  if (pts.size() < 3 || std::isnan(limit) || std::isnan(q)) return std::nullopt;
  double span = pts.back().t_s - pts.front().t_s;
  if (!(span > 0)) return std::nullopt;
  Exhaustion out;
  double last = pts.back().v;
  if (last == limit) return out;
  double dir = last < limit ? 1 : -1;
  double until = now_s + 10 * span;

  // Resets: sudden lasting drops against the direction of travel.
  std::vector<double> oriented(pts.size());
  for (size_t i = 0; i < pts.size(); ++i) oriented[i] = dir * pts[i].v;
  std::vector<size_t> resets;
  for (const auto& s : FindLevelShifts(oriented))
    if (s.shift < 0) resets.push_back(s.index);
  out.resets = resets.size();

  double crossing = HUGE_VAL;
  if (resets.size() >= 2) {
    out.sawtooth = true;
    // Peaks of the cycles before the last reset, and the longest complete cycle.
    std::vector<double> peak_t, peak_v;
    double longest = 0;
    size_t begin = 0;
    for (size_t r : resets) {
      size_t at = begin;
      for (size_t i = begin; i < r; ++i)
        if (oriented[i] >= oriented[at]) at = i;
      peak_t.push_back(pts[at].t_s);
      peak_v.push_back(oriented[at]);
      if (begin > 0) longest = std::max(longest, pts[r].t_s - pts[begin].t_s);
      begin = r;
    }
    double target = dir * limit;
    double a, b, sd;
    FitLineXY(peak_t, peak_v, &a, &b, &sd);
    // The q-quantile of the crossing: early times when the peaks run high.
    double shifted = target - NormalQuantile(1 - q) * sd;
    if (b > 0) crossing = std::max(pts.back().t_s, (shifted - a) / b);
    // The current cycle, until its reset is due (as long as the longest cycle seen); once it
    // is overdue the reset may never come, and the cycle's own forecast runs without bound.
    std::span<const Sample> current(pts.data() + begin, pts.size() - begin);
    double cycle_end = pts[begin].t_s + longest;
    bool overdue = now_s >= cycle_end;
    if (overdue) cycle_end = until;
    FitOptions opts;
    opts.adjust_level_shifts = false;
    opts.horizon_s = std::max(0.0, cycle_end - current.back().t_s);
    if (current.size() >= 3 && cycle_end > current.back().t_s) {
      if (auto m = FitEts(current, opts))
        crossing = std::min(crossing, FirstCrossing(*m, dir, limit, q, cycle_end, overdue));
    }
  } else {
    FitOptions opts;
    opts.horizon_s = span / 3;
    auto m = FitEts(pts, opts);
    if (!m) return std::nullopt;
    crossing = FirstCrossing(*m, dir, limit, q, until, true);
  }
  out.seconds = std::isinf(crossing) ? HUGE_VAL : std::max(0.0, crossing - now_s);
  return out;
}

}  // namespace otter::analytics::forecast
