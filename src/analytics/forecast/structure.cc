// Level shifts and seasonality detection (structure.h).
#include "analytics/forecast/structure.h"

#include <algorithm>
#include <cmath>

namespace otter::analytics::forecast {

double MedianInPlace(std::span<double> v) {
  if (v.empty()) return std::nan("");
  size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<ptrdiff_t>(mid), v.end());
  double hi = v[mid];
  if (v.size() % 2 == 1) return hi;
  double lo = *std::max_element(v.begin(), v.begin() + static_cast<ptrdiff_t>(mid));
  return (lo + hi) / 2;
}

void FitLine(std::span<const double> y, double* intercept, double* slope) {
  size_t n = y.size();
  if (n == 0) {
    *intercept = *slope = 0;
    return;
  }
  double mx = static_cast<double>(n - 1) / 2, my = 0;
  for (double v : y) my += v;
  my /= static_cast<double>(n);
  double sxy = 0, sxx = 0;
  for (size_t i = 0; i < n; ++i) {
    double dx = static_cast<double>(i) - mx;
    sxy += dx * (y[i] - my);
    sxx += dx * dx;
  }
  *slope = sxx > 0 ? sxy / sxx : 0;
  *intercept = my - *slope * mx;
}

std::vector<LevelShift> FindLevelShifts(std::span<const double> y, double k, size_t window) {
  std::vector<LevelShift> out;
  size_t n = y.size();
  if (n < 2 * window + 1) return out;
  std::vector<double> d(n - 1);
  for (size_t i = 1; i < n; ++i) d[i - 1] = y[i] - y[i - 1];
  std::vector<double> scratch = d;
  double center = MedianInPlace(scratch);
  for (auto& v : scratch) v = std::fabs(v - center);
  double sigma = 1.4826 * MedianInPlace(scratch);
  if (!(sigma > 0)) {
    // Mostly unchanged values (quantised gauges): the mean absolute difference instead.
    double sum = 0;
    for (double v : d) sum += std::fabs(v - center);
    sigma = 1.25 * sum / static_cast<double>(d.size());
    if (!(sigma > 0)) return out;
  }
  std::vector<double> before(window), after(window);
  for (size_t i = window; i + window <= n; ++i) {
    double step = d[i - 1] - center;
    if (!(std::fabs(step) > k * sigma)) continue;
    std::copy(y.begin() + static_cast<ptrdiff_t>(i - window), y.begin() + static_cast<ptrdiff_t>(i),
              before.begin());
    std::copy(y.begin() + static_cast<ptrdiff_t>(i), y.begin() + static_cast<ptrdiff_t>(i + window),
              after.begin());
    double shift = MedianInPlace(after) - MedianInPlace(before);
    if (!(shift * step > 0 && std::fabs(shift) >= 0.5 * std::fabs(step))) continue;
    if (!out.empty() && i - out.back().index < window) {
      if (std::fabs(shift) > std::fabs(out.back().shift)) out.back() = LevelShift{i, shift};
      continue;
    }
    out.push_back(LevelShift{i, shift});
  }
  return out;
}

double DetrendedAutocorrelation(std::span<const double> y, size_t lag) {
  size_t n = y.size();
  if (lag == 0 || lag >= n) return 0;
  double a, b;
  FitLine(y, &a, &b);
  double var = 0, cov = 0;
  auto r = [&](size_t i) { return y[i] - (a + b * static_cast<double>(i)); };
  for (size_t i = 0; i < n; ++i) var += r(i) * r(i);
  for (size_t i = lag; i < n; ++i) cov += r(i) * r(i - lag);
  return var > 0 ? cov / var : 0;
}

size_t DetectPeriod(std::span<const double> y, double step_s, double min_acf) {
  if (!(step_s > 0)) return 0;
  size_t best = 0;
  double best_acf = min_acf;
  for (double period_s : {86400.0, 604800.0}) {
    double m = std::round(period_s / step_s);
    if (m < 3 || 2 * m > static_cast<double>(y.size())) continue;
    auto lag = static_cast<size_t>(m);
    double acf = DetrendedAutocorrelation(y, lag);
    // Weekly data repeats daily too: the longer season must explain clearly more.
    double margin = best == 0 ? 0 : 0.1;
    if (acf >= best_acf + margin) {
      best = lag;
      best_acf = acf;
    }
  }
  return best;
}

}  // namespace otter::analytics::forecast
