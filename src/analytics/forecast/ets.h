// Exponential smoothing forecasts (ETS with additive errors: Holt-Winters with a damped trend and
// an optional daily/weekly season), fitted to one series' samples in a time range. Level shifts
// found in the range (structure.h) are taken out of the history before fitting, so a step does not
// read as a trend. Parameters are chosen by rolling-origin validation on the range itself: the
// candidate whose forecasts from several past origins, over the horizon asked for, are closest
// (mean absolute error) wins; that favours damped or flat trends on noisy series, which is what
// keeps forecasts from extrapolating noise. Called by the PromQL functions (promql_functions.h),
// the exhaustion estimate and the NAB evaluation. Pure; thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

namespace otter::analytics::forecast {

struct Sample {
  double t_s = 0;  // seconds (any epoch)
  double v = 0;
};

struct FitOptions {
  // Longer inputs are averaged in equal groups down to at most this many points: bounds the cost
  // (O(max_points) per candidate, about 27 candidates) whatever the scrape interval.
  size_t max_points = 4096;
  // How far ahead the forecast will be read, in seconds (0: a quarter of the range). Sets the
  // validation horizon and the damping candidates.
  double horizon_s = 0;
  // Take level shifts out of the history (changepoints).
  bool adjust_level_shifts = true;
  // Allow a daily/weekly season when the range shows one.
  bool seasonal = true;
};

struct EtsParams {
  double alpha = 0.5;  // level smoothing
  double beta = 0;     // trend smoothing (error-correction form: 0 ≤ beta ≤ alpha)
  double phi = 1;      // trend damping per step (1: undamped)
  double gamma = 0;    // seasonal smoothing
  bool trend = false;
  size_t period = 0;  // season length in steps; 0 = none
};

// A fitted model: the state after the last sample, and how to read it forward.
class EtsModel {
 public:
  // Mean forecast `seconds` after the last (smoothed) sample; seconds may be fractional steps.
  double Mean(double seconds) const;
  // Standard deviation of the forecast error there (additive-error ETS, normal errors).
  double StdDev(double seconds) const;
  // The q-quantile of the forecast there (Mean + z_q·StdDev).
  double Quantile(double seconds, double q) const;
  // The q-quantile at each of the next `steps` steps (index k: k+1 steps after the last
  // sample), in O(steps).
  std::vector<double> QuantilePath(size_t steps, double q) const;

  const EtsParams& params() const { return params_; }
  double step_s() const { return step_s_; }
  double last_t_s() const { return last_t_s_; }
  double level() const { return level_; }
  double trend() const { return trend_; }
  double sigma() const { return sigma_; }
  size_t level_shifts() const { return level_shifts_; }
  // The seasonal offset of the step `h` steps after the last sample (0 without a season).
  double SeasonAt(size_t h) const;
  // Trend contribution after h steps: trend·(φ + φ² + … + φ^h), h real.
  double TrendSum(double h) const;

 private:
  friend std::optional<EtsModel> FitEtsRegular(std::span<const double>, double, double,
                                               const FitOptions&);
  EtsParams params_;
  double step_s_ = 1;
  double last_t_s_ = 0;
  double level_ = 0;
  double trend_ = 0;
  std::vector<double> season_;  // season_[(next_ + h - 1) % m] is the offset h steps ahead
  size_t next_ = 0;
  double sigma_ = 0;
  size_t level_shifts_ = 0;
};

// Fits a model to samples in time order (NaN/Inf values skipped). nullopt with fewer than 3
// usable samples or a zero time span.
std::optional<EtsModel> FitEts(std::span<const Sample> samples, const FitOptions& opts = {});

// The same for values already on a regular grid `step_s` apart, the last at `last_t_s`.
std::optional<EtsModel> FitEtsRegular(std::span<const double> y, double step_s, double last_t_s,
                                      const FitOptions& opts = {});

// The standard normal quantile function (Acklam's rational approximation refined by one Halley
// step; |error| < 1e-12). ±Inf at 0 and 1, NaN outside [0, 1].
double NormalQuantile(double q);

}  // namespace otter::analytics::forecast
