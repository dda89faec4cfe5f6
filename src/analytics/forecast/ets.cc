// ETS fitting and forecasting (ets.h).
#include "analytics/forecast/ets.h"

#include <algorithm>
#include <cmath>

#include "analytics/forecast/structure.h"

namespace otter::analytics::forecast {
namespace {

// Below this many points there is too little to validate: the least-squares line over the
// whole range is extrapolated (as predict_linear).
constexpr size_t kMinPointsToValidate = 12;

struct State {
  double level = 0;
  double trend = 0;
  std::vector<double> season;  // empty without a season
  size_t pos = 0;              // season index of the next step
};

State Initial(std::span<const double> y, const EtsParams& p) {
  State s;
  size_t n = y.size();
  size_t m = p.period;
  if (m > 0 && n >= 2 * m) {
    double c1 = 0, c2 = 0;
    for (size_t i = 0; i < m; ++i) {
      c1 += y[i];
      c2 += y[i + m];
    }
    c1 /= static_cast<double>(m);
    c2 /= static_cast<double>(m);
    double slope = p.trend ? (c2 - c1) / static_cast<double>(m) : 0;
    double mid = p.trend ? c1 : (c1 + c2) / 2;
    double center = p.trend ? static_cast<double>(m - 1) / 2 : static_cast<double>(m) - 0.5;
    auto level_at = [&](double i) { return mid + slope * (i - center); };
    s.season.resize(m);
    double mean = 0;
    for (size_t i = 0; i < m; ++i) {
      double a = y[i] - level_at(static_cast<double>(i));
      double b = y[i + m] - level_at(static_cast<double>(i + m));
      s.season[i] = (a + b) / 2;
      mean += s.season[i];
    }
    mean /= static_cast<double>(m);
    for (auto& v : s.season) v -= mean;
    s.trend = slope;
    s.level = level_at(-1) + mean;
    return s;
  }
  // A trend read from a handful of noisy points would take the slow factors ages to unlearn:
  // the first fifth of the range (at least 10 points) sets the initial line.
  size_t k = n < kMinPointsToValidate ? n : std::min<size_t>(n, std::max<size_t>(10, n / 5));
  double intercept, slope;
  FitLine(y.first(k), &intercept, &slope);
  if (p.trend) {
    s.trend = slope;
    s.level = intercept - slope;
  } else {
    double mean = 0;
    for (size_t i = 0; i < k; ++i) mean += y[i];
    s.level = mean / static_cast<double>(k);
  }
  return s;
}

struct RunResult {
  double validation_mae = 0;  // over the origins' forecasts; NaN without origins
  double rmse = 0;            // one-step errors after the warm-up
};

// One pass of the recursions over y with the parameters, forecasting `horizon` steps from
// each origin (an index: the state has seen y[0, origin)).
RunResult Run(std::span<const double> y, const EtsParams& p, std::span<const size_t> origins,
              size_t horizon, size_t warmup, State* state) {
  State s = Initial(y, p);
  size_t n = y.size();
  size_t m = s.season.size();
  double abs_err = 0, sq_err = 0, sq_err_all = 0;
  size_t n_abs = 0, n_sq = 0, next_origin = 0;
  double alpha = p.alpha, beta = p.trend ? p.beta : 0, phi = p.trend ? p.phi : 1;
  double gamma = m > 0 ? std::min(p.gamma, 1 - alpha) : 0;
  for (size_t i = 0; i < n; ++i) {
    if (next_origin < origins.size() && origins[next_origin] == i) {
      ++next_origin;
      double damp = 1, trend_sum = 0;
      size_t end = std::min(n, i + horizon);
      for (size_t j = i; j < end; ++j) {
        damp *= phi;
        trend_sum += damp;
        double f = s.level + trend_sum * s.trend;
        if (m > 0) f += s.season[(s.pos + (j - i)) % m];
        abs_err += std::fabs(y[j] - f);
        ++n_abs;
      }
    }
    double seasonal = m > 0 ? s.season[s.pos] : 0;
    double e = y[i] - (s.level + phi * s.trend + seasonal);
    sq_err_all += e * e;
    if (i >= warmup) {
      sq_err += e * e;
      ++n_sq;
    }
    s.level = s.level + phi * s.trend + alpha * e;
    s.trend = phi * s.trend + beta * e;
    if (m > 0) {
      s.season[s.pos] += gamma * e;
      s.pos = (s.pos + 1) % m;
    }
  }
  RunResult r;
  r.validation_mae = n_abs > 0 ? abs_err / static_cast<double>(n_abs) : std::nan("");
  // A range no longer than the warm-up: the errors of all of it.
  r.rmse = n_sq > 0 ? std::sqrt(sq_err / static_cast<double>(n_sq))
                    : std::sqrt(sq_err_all / static_cast<double>(n));
  if (state != nullptr) *state = std::move(s);
  return r;
}

// Var(h)/σ² = 1 + Σ_{j=1}^{h-1} c_j², c_j = α + β·(φ + … + φ^j) + γ·[m divides j] (additive
// ETS with a damped trend and season), from h = 1 one step at a time.
class ErrorGrowth {
 public:
  explicit ErrorGrowth(const EtsParams& p)
      : alpha_(p.alpha),
        beta_(p.trend ? p.beta : 0),
        phi_(p.trend ? p.phi : 1),
        gamma_(p.period > 0 ? std::min(p.gamma, 1 - p.alpha) : 0),
        period_(p.period) {}
  double factor() const { return sum_; }
  void Next() {
    damp_ *= phi_;
    phi_j_ += damp_;
    ++j_;
    double c = alpha_ + beta_ * phi_j_ + (period_ > 0 && j_ % period_ == 0 ? gamma_ : 0);
    sum_ += c * c;
  }

 private:
  double alpha_, beta_, phi_, gamma_;
  size_t period_;
  size_t j_ = 0;
  double sum_ = 1, damp_ = 1, phi_j_ = 0;
};

}  // namespace

double EtsModel::TrendSum(double h) const {
  if (h <= 0 || trend_ == 0) return 0;
  double phi = params_.phi;
  if (phi >= 1) return trend_ * h;
  return trend_ * phi * (1 - std::pow(phi, h)) / (1 - phi);
}

double EtsModel::SeasonAt(size_t h) const {
  size_t m = season_.size();
  if (m == 0) return 0;
  return season_[(next_ + (h % m) + m - 1) % m];
}

double EtsModel::Mean(double seconds) const {
  double h = std::max(0.0, seconds / step_s_);
  double season = 0;
  if (!season_.empty()) {
    // Between two steps the season is read linearly.
    double lo = std::floor(h);
    double frac = h - lo;
    auto k = static_cast<size_t>(std::fmod(lo, static_cast<double>(season_.size())));
    season = SeasonAt(k) * (1 - frac) + (frac > 0 ? SeasonAt(k + 1) * frac : 0);
  }
  return level_ + TrendSum(h) + season;
}

double EtsModel::StdDev(double seconds) const {
  double h = std::max(1.0, std::ceil(seconds / step_s_ - 1e-9));
  auto steps = static_cast<size_t>(std::min(h, 1e6));
  ErrorGrowth growth(params_);
  for (size_t j = 1; j < steps; ++j) growth.Next();
  return sigma_ * std::sqrt(growth.factor());
}

std::vector<double> EtsModel::QuantilePath(size_t steps, double q) const {
  std::vector<double> out(steps);
  double z = q == 0.5 ? 0 : NormalQuantile(q);
  ErrorGrowth growth(params_);
  for (size_t k = 0; k < steps; ++k) {
    double h = static_cast<double>(k + 1);
    out[k] = level_ + TrendSum(h) + SeasonAt(k + 1) + z * sigma_ * std::sqrt(growth.factor());
    growth.Next();
  }
  return out;
}

double EtsModel::Quantile(double seconds, double q) const {
  if (q == 0.5) return Mean(seconds);
  return Mean(seconds) + NormalQuantile(q) * StdDev(seconds);
}

std::optional<EtsModel> FitEtsRegular(std::span<const double> y_in, double step_s, double last_t_s,
                                      const FitOptions& opts) {
  size_t n = y_in.size();
  if (n < 3 || !(step_s > 0)) return std::nullopt;
  std::vector<double> y(y_in.begin(), y_in.end());
  EtsModel model;
  model.step_s_ = step_s;
  model.last_t_s_ = last_t_s;
  if (opts.adjust_level_shifts && n >= kMinPointsToValidate) {
    auto shifts = FindLevelShifts(y);
    // Three or more are a recurring pattern (a sawtooth, a flapping state), not a new regime.
    if (shifts.size() < 3) {
      double offset = 0;
      size_t next = shifts.size();
      for (size_t i = n; i-- > 0;) {
        while (next > 0 && shifts[next - 1].index > i) offset += shifts[--next].shift;
        y[i] += offset;
      }
      model.level_shifts_ = shifts.size();
    }
  }
  EtsParams best;
  State state;
  if (n < kMinPointsToValidate) {
    best.alpha = 0;
    best.trend = true;
    best.beta = 0;
    RunResult r = Run(y, best, {}, 0, 0, &state);
    model.sigma_ = r.rmse;
  } else {
    size_t period = opts.seasonal ? DetectPeriod(y, step_s) : 0;
    double h = opts.horizon_s > 0 ? std::ceil(opts.horizon_s / step_s) : static_cast<double>(n) / 4;
    auto horizon = static_cast<size_t>(std::clamp(h, 1.0, static_cast<double>(n) / 3));
    size_t warmup = std::max<size_t>(2 * period, 10);
    size_t min_origin = std::max(warmup, n / 4);
    size_t spacing = std::max<size_t>(1, horizon / 2);
    size_t count = std::clamp<size_t>(n / 2 / spacing, 4, 16);
    std::vector<size_t> origins;
    for (size_t k = 0; k < count && n >= horizon + k * spacing; ++k) {
      size_t o = n - horizon - k * spacing;
      if (o < min_origin) break;
      origins.push_back(o);
    }
    std::reverse(origins.begin(), origins.end());
    auto score = [&](const EtsParams& p) {
      RunResult r = Run(y, p, origins, horizon, warmup, nullptr);
      return origins.empty() ? r.rmse : r.validation_mae;
    };
    best.alpha = 0.2;
    best.period = period;
    best.gamma = 0.1;
    double best_score = HUGE_VAL;
    auto consider = [&](const EtsParams& p) {
      double s = score(p);
      if (s < best_score) {
        best_score = s;
        best = p;
      }
    };
    static constexpr double kAlphas[] = {0.01, 0.03, 0.1, 0.2, 0.4, 0.7, 1.0};
    auto sweep_alpha = [&] {
      EtsParams base = best;
      double beta_ratio = base.alpha > 0 ? base.beta / base.alpha : 0;
      for (double a : kAlphas) {
        EtsParams p = base;
        p.alpha = a;
        p.beta = a * beta_ratio;
        consider(p);
      }
    };
    sweep_alpha();
    EtsParams level_only = best;
    double hv = static_cast<double>(horizon);
    // Slow trend smoothing (β = α/100) reads a steady trend through noise; faster follows
    // turns. Each undamped, and damped to half over the horizon or over an eighth of it.
    for (double beta_ratio : {0.01, 0.03, 0.15}) {
      for (double phi : {1.0, std::pow(0.5, 1 / hv), std::pow(0.5, 8 / hv)}) {
        EtsParams p = level_only;
        p.trend = true;
        p.beta = p.alpha * beta_ratio;
        p.phi = phi;
        consider(p);
      }
    }
    if (period > 0) {
      EtsParams seasonal = best;
      for (double g : {0.02, 0.3}) {
        EtsParams p = seasonal;
        p.gamma = g;
        consider(p);
      }
      EtsParams p = seasonal;
      p.period = 0;
      consider(p);
    }
    sweep_alpha();
    RunResult r = Run(y, best, {}, 0, warmup, &state);
    model.sigma_ = r.rmse;
  }
  model.params_ = best;
  if (!best.trend) {
    model.params_.beta = 0;
    model.params_.phi = 1;
  }
  model.level_ = state.level;
  model.trend_ = best.trend ? state.trend : 0;
  model.season_ = std::move(state.season);
  model.next_ = state.pos;
  if (model.season_.empty()) model.params_.period = 0;
  return model;
}

std::optional<EtsModel> FitEts(std::span<const Sample> samples, const FitOptions& opts) {
  std::vector<Sample> pts;
  pts.reserve(samples.size());
  for (const auto& s : samples)
    if (std::isfinite(s.v) && std::isfinite(s.t_s)) pts.push_back(s);
  size_t n = pts.size();
  if (n < 3 || !(pts.back().t_s > pts.front().t_s)) return std::nullopt;
  size_t group = (n + opts.max_points - 1) / std::max<size_t>(opts.max_points, 1);
  std::vector<double> y, t;
  if (group <= 1) {
    y.reserve(n);
    t.reserve(n);
    for (const auto& p : pts) {
      y.push_back(p.v);
      t.push_back(p.t_s);
    }
  } else {
    // Equal groups from the end, so the newest samples are never split off into a stub.
    size_t first = n % group;
    for (size_t i = first; i < n; i += group) {
      double sv = 0, st = 0;
      for (size_t j = i; j < i + group; ++j) {
        sv += pts[j].v;
        st += pts[j].t_s;
      }
      y.push_back(sv / static_cast<double>(group));
      t.push_back(st / static_cast<double>(group));
    }
  }
  if (y.size() < 3) return std::nullopt;
  std::vector<double> diffs;
  diffs.reserve(t.size() - 1);
  for (size_t i = 1; i < t.size(); ++i) diffs.push_back(t[i] - t[i - 1]);
  double step = MedianInPlace(diffs);
  if (!(step > 0)) step = (t.back() - t.front()) / static_cast<double>(t.size() - 1);
  return FitEtsRegular(y, step, t.back(), opts);
}

double NormalQuantile(double q) {
  if (std::isnan(q) || q < 0 || q > 1) return std::nan("");
  if (q == 0) return -HUGE_VAL;
  if (q == 1) return HUGE_VAL;
  static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                                 -2.759285104469687e+02, 1.383577518672690e+02,
                                 -3.066479806614716e+01, 2.506628277459239e+00};
  static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                                 -1.556989798598866e+02, 6.680131188771972e+01,
                                 -1.328068155288572e+01};
  static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                                 -2.400758277161838e+00, -2.549732539343734e+00,
                                 4.374664141464968e+00,  2.938163982698783e+00};
  static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
                                 2.445134137142996e+00, 3.754408661907416e+00};
  constexpr double kLow = 0.02425;
  double x;
  if (q < kLow || q > 1 - kLow) {
    double r = std::sqrt(-2 * std::log(q < kLow ? q : 1 - q));
    x = (((((c[0] * r + c[1]) * r + c[2]) * r + c[3]) * r + c[4]) * r + c[5]) /
        ((((d[0] * r + d[1]) * r + d[2]) * r + d[3]) * r + 1);
    if (q > 1 - kLow) x = -x;
  } else {
    double r = q - 0.5, s = r * r;
    x = (((((a[0] * s + a[1]) * s + a[2]) * s + a[3]) * s + a[4]) * s + a[5]) * r /
        (((((b[0] * s + b[1]) * s + b[2]) * s + b[3]) * s + b[4]) * s + 1);
  }
  // One Halley step against the exact CDF.
  double e = 0.5 * std::erfc(-x / std::sqrt(2.0)) - q;
  double u = e * std::sqrt(2 * M_PI) * std::exp(x * x / 2);
  return x - u / (1 + x * u / 2);
}

}  // namespace otter::analytics::forecast
