#include "analytics/seasonality.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace otter::analytics {
namespace {

constexpr int64_t kHourMs = 3600 * 1000;
constexpr int64_t kDayMs = 24 * kHourMs;

int HourOf(int64_t t) { return static_cast<int>(((t % kDayMs) + kDayMs) % kDayMs / kHourMs); }
// 1970-01-01 was a Thursday (3 with Monday = 0).
int WeekdayOf(int64_t t) {
  int64_t days = t >= 0 ? t / kDayMs : (t - kDayMs + 1) / kDayMs;
  return static_cast<int>(((days + 3) % 7 + 7) % 7);
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + mid, v.end());
  double m = v[mid];
  if (v.size() % 2 == 0) m = (m + *std::max_element(v.begin(), v.begin() + mid)) / 2;
  return m;
}

struct Fit {
  double strength = 0;
  std::vector<double> medians;
};

// Share of variance explained by per-bucket medians.
Fit FitBuckets(const std::vector<int64_t>& ts, const std::vector<double>& vs, int buckets,
               int (*bucket_of)(int64_t)) {
  std::vector<std::vector<double>> by(buckets);
  for (size_t i = 0; i < ts.size(); ++i) {
    if (!std::isnan(vs[i])) by[bucket_of(ts[i])].push_back(vs[i]);
  }
  Fit f;
  f.medians.resize(buckets);
  for (int b = 0; b < buckets; ++b) {
    if (by[b].empty()) return f;  // a bucket never seen: no pattern claimed
    f.medians[b] = Median(by[b]);
  }
  double mean = 0;
  size_t n = 0;
  for (double v : vs)
    if (!std::isnan(v)) mean += v, ++n;
  if (n == 0) return f;
  mean /= n;
  double total = 0, resid = 0;
  for (size_t i = 0; i < ts.size(); ++i) {
    if (std::isnan(vs[i])) continue;
    total += (vs[i] - mean) * (vs[i] - mean);
    double r = vs[i] - f.medians[bucket_of(ts[i])];
    resid += r * r;
  }
  f.strength = total > 0 ? std::max(0.0, 1 - resid / total) : 0;
  return f;
}

}  // namespace

void SeasonalBaseline::Add(Bucket& b, double v, double horizon) {
  b.weight = std::min(b.weight + 1, horizon);
  double a = 1 / b.weight;
  double d = v - b.mean;
  b.mean += a * d;
  b.mad += a * (std::abs(d) - b.mad);
}

void SeasonalBaseline::Update(int64_t t, double v) {
  if (std::isnan(v)) return;
  Add(hours_[HourOf(t)], v, horizon_);
  Add(days_[WeekdayOf(t)], v, horizon_);
}

SeasonReport DescribeSeason(const std::string& name, const std::vector<int64_t>& ts,
                            const std::vector<double>& vs) {
  SeasonReport r;
  char buf[256];
  if (ts.size() < 2 || ts.size() != vs.size()) {
    r.text = name + ": too few samples for a seasonal pattern";
    return r;
  }
  const int64_t span = ts.back() - ts.front();
  Fit daily, weekly;
  if (span >= 2 * kDayMs) daily = FitBuckets(ts, vs, 24, HourOf);
  if (span >= 14 * kDayMs) weekly = FitBuckets(ts, vs, 7, WeekdayOf);
  // A weekly pattern must explain clearly more than the daily one to be the one reported.
  bool use_weekly = weekly.strength > daily.strength + 0.1;
  const Fit& f = use_weekly ? weekly : daily;
  r.strength = f.strength;
  if (f.strength < 0.3) {
    std::snprintf(buf, sizeof buf, "%s: no daily or weekly pattern (best explains %.0f%%)",
                  name.c_str(), 100 * std::max(daily.strength, weekly.strength));
    r.text = buf;
    return r;
  }
  r.period = use_weekly ? SeasonReport::Period::kWeekly : SeasonReport::Period::kDaily;
  std::vector<double> clean;
  for (double v : vs)
    if (!std::isnan(v)) clean.push_back(v);
  double base = Median(clean);
  r.peak =
      static_cast<int>(std::max_element(f.medians.begin(), f.medians.end()) - f.medians.begin());
  r.trough =
      static_cast<int>(std::min_element(f.medians.begin(), f.medians.end()) - f.medians.begin());
  double denom = base != 0 ? base : 1;
  r.peak_ratio = f.medians[r.peak] / denom;
  r.trough_ratio = f.medians[r.trough] / denom;
  static const char* kDays[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                "Friday", "Saturday", "Sunday"};
  if (use_weekly) {
    std::snprintf(buf, sizeof buf,
                  "%s peaks on %ss at %.1fx its baseline and is lowest on %ss (%.1fx); the weekly "
                  "pattern explains %.0f%% of its variance",
                  name.c_str(), kDays[r.peak], r.peak_ratio, kDays[r.trough], r.trough_ratio,
                  100 * r.strength);
  } else {
    std::snprintf(buf, sizeof buf,
                  "%s peaks at %02d:00 UTC daily at %.1fx its baseline and is lowest at %02d:00 "
                  "(%.1fx); the daily pattern explains %.0f%% of its variance",
                  name.c_str(), r.peak, r.peak_ratio, r.trough, r.trough_ratio, 100 * r.strength);
  }
  r.text = buf;
  return r;
}

}  // namespace otter::analytics
