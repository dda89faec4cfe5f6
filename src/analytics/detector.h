// Streaming per-series anomaly detector: one SeriesDetector per time series, fed one sample at a
// time (Update), O(1) work per sample and a fixed, documented state size (BytesPerSeries).
// An ensemble of checks (range, novelty, level shift, seasonal residual, ...), each turned into
// a tail probability, combined and de-duplicated (an alarm suppresses the next ones for a while
// so it fires early and once). docs/analytics.md describes the method. Not thread-safe: a
// detector belongs to whoever owns its series.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

namespace otter::analytics {

// Why a sample scored high: the check that contributed most.
enum class AnomalyReason : uint8_t {
  kNone = 0,
  kWarmup,        // still learning; score is 0
  kOutOfRange,    // beyond the range (or learned quantiles) seen so far
  kNovelPattern,  // a sequence of levels never seen before
  kDeviation,     // far from the recent baseline (seasonal when a period was found)
  kLevelShift,    // a sustained change of level (CUSUM); baselines were reset
  kSeasonal,      // unlike the same phase of earlier days and weeks
};
std::string_view AnomalyReasonName(AnomalyReason r);

struct AnomalyResult {
  double score = 0;     // in [0, 1]; ~0.5 means a 1e-5 tail probability
  double expected = 0;  // the baseline's expected value for this sample
  double lower = 0;     // band: values inside are not anomalous for the deviation check
  double upper = 0;
  AnomalyReason reason = AnomalyReason::kNone;
};

// One configuration for every series. The defaults are the NAB-chosen values (BENCHMARKS.md).
struct DetectorOptions {
  // Range hint: when both are finite the detector scales values with them (NAB's "harness parity"
  // mode gives each file's min/max); otherwise it learns the range as it goes.
  double min_hint = 0;
  double max_hint = 0;
  bool has_range_hint = false;
  // Without a range hint, a value beyond the range seen so far scores its excess relative to
  // range_room times that range (smaller: a small new extreme is already a strong signal).
  double range_room = 0.2;
  // A value beyond the range seen so far by more than extreme_range times that range is a gross
  // outlier: it scores at least 0.5 at once, rising to 1 at twice that excess, without waiting
  // for the short average of the checks (a young series' single spike is otherwise diluted).
  // 0 disables.
  double extreme_range = 1.0;
  // Weight of the range check when the range is learned (no hint); w_range applies with a hint.
  double w_range_learned = 1.25;
  // Learning-period hint (samples): how long the caller lets the detector learn before its
  // scores count (NAB's harness gives every detector the file's probation period). When > 0 the
  // warmup lasts that long and the suppression after an alarm lasts at least suppress_learn times
  // it, so time scales follow the series' own length. 0: unknown (strict streaming).
  uint32_t learn_hint = 0;
  double suppress_learn = 0.2;
  // Samples with score forced to 0 while the baselines fill.
  uint32_t warmup = 150;
  // Quantisation levels for the novelty check and its context length (samples).
  uint32_t levels = 10;
  uint32_t context = 4;
  // Exponential smoothing (samples) of the values the novelty check quantises (1 = none).
  double smooth = 1;
  // 1: a level equal to the previous one adds no context (flat stretches teach nothing).
  uint32_t dedup = 0;
  // log2 of the context table capacity (entries of 4 bytes); the table stops learning when full.
  uint32_t table_bits = 9;
  // Exponential-average horizons (samples) of the baseline and of the score statistics.
  double baseline_horizon = 128;
  double stats_horizon = 1600;
  // 1: the score statistics are running averages until stats_horizon samples are in (a young
  // series is judged against its own short history, not against an average started at 0).
  uint32_t running_stats = 0;
  // Short averaging window of raw scores before the tail probability (samples, <= 32).
  uint32_t short_window = 8;
  // Samples after an alarm during which further alarms are damped.
  uint32_t suppress = 40;
  // Score level that counts as an alarm for the suppression, and the factor applied to scores
  // while an alarm is being suppressed.
  double alarm_level = 0.6;
  double suppress_factor = 0.25;
  // A score this much above the last alarm's breaks through the suppression (a second,
  // stronger incident still alarms).
  double override_margin = 2;
  // Smallest spread assumed for the short averages of raw scores (keeps a quiet check from
  // turning its first blip into certainty).
  double tail_floor = 0.02;
  // 0: the combined evidence is the strongest check's; 1: the checks' evidence adds up.
  double combine_sum = 0;
  // CUSUM drift and decision threshold in robust-sigma units.
  double cusum_k = 1.0;
  double cusum_h = 48.0;
  // Weight of each check in the combination (0 disables it).
  double w_range = 0;
  double w_novelty = 1.0;
  double w_deviation = 0;
  double w_shift = 0.75;
  double w_season = 0;
  // Novelty of the sequence of steps (each quantised to -step_levels..step_levels levels).
  double w_step = 0;
  uint32_t step_levels = 3;
  // The seasonal check compares each level with the one a day earlier; it needs the sampling
  // interval to divide a day into at most this many samples (a ring of 1 byte per sample,
  // allocated only when w_season > 0).
  uint32_t max_period = 1440;
  // Seasonal residual: a robust additive Holt-Winters baseline, level + offset of the value's
  // phase in a period of resid_period_s seconds (the UTC day) cut into resid_buckets buckets; the
  // residual in robust sigmas scores like the deviation check. Errors are clipped at resid_clip
  // sigmas before they update the baseline (an incident does not become the norm), the offsets
  // learn at resid_gamma per sample of their bucket and the level over resid_level periods.
  // Buckets of 4 bytes, allocated only when w_resid > 0.
  double w_resid = 1;
  uint32_t resid_buckets = 96;
  double resid_period_s = 86400;
  double resid_gamma = 0.2;
  double resid_level = 1;
  double resid_clip = 3;
  // The residual's spread: mean absolute error (errors capped at resid_scale_clip times the
  // clipping limit) over resid_scale_horizon samples.
  double resid_scale_clip = 2;
  double resid_scale_horizon = 128;
  // An optional second period (e.g. the week, 604800 s): the residual is then the smaller of the
  // two, so a value must be unusual for both patterns. 0 buckets: off.
  double resid_period2_s = 604800;
  uint32_t resid_buckets2 = 168;
  // > 0: the residual counts only as far as the seasonal models explain the series better than
  // the deviation check's baseline: scaled by (1 - their spread / its spread) / resid_gate,
  // capped at 1 (noisy series without a pattern do not get a second deviation check).
  double resid_gate = 0.5;
  // Young score statistics: the exponential averages start at 0, so after n samples they hold
  // only the share w(n) = 1 - (1 - 1/stats_horizon)^n of their weight and a quiet young series
  // looks unusual. Until young_stats samples are in, they are scaled up to the share they have
  // then (w(young_stats) / w(n)); later they are used as they are (the NAB-chosen behaviour).
  // 0: off.
  uint32_t young_stats = 300;
};

class SeriesDetector {
 public:
  explicit SeriesDetector(const DetectorOptions& options);
  ~SeriesDetector();
  SeriesDetector(SeriesDetector&&) noexcept;
  SeriesDetector& operator=(SeriesDetector&&) noexcept;

  // Feeds one sample (timestamps in ms, non-decreasing; NaN values are skipped and score 0).
  AnomalyResult Update(int64_t timestamp_ms, double value);

  // Bytes of state per series for these options (object, state, context table and, with the
  // seasonal check on, the largest seasonal ring): an upper bound that is never exceeded.
  static size_t BytesPerSeries(const DetectorOptions& options);

 private:
  struct State;
  std::unique_ptr<State> s_;
};

// Runs a fresh detector over `n` samples, sample(i) -> {timestamp_ms, value}, and returns the
// last sample's result. The PromQL functions anomaly_score / anomaly_band_upper /
// anomaly_band_lower use it on a range. Default options, except that the warmup and the score
// statistics' horizon shrink to a quarter of the samples when the range is short, so that a range
// of a few hundred samples can already score its last one.
template <class SampleAt>
AnomalyResult ScoreRange(size_t n, SampleAt sample) {
  DetectorOptions o;
  if (o.warmup > n / 4) o.warmup = static_cast<uint32_t>(n / 4);
  if (o.stats_horizon > n / 4.0) o.stats_horizon = std::max(10.0, n / 4.0);
  SeriesDetector d(o);
  AnomalyResult r;
  for (size_t i = 0; i < n; ++i) {
    auto [t, v] = sample(i);
    r = d.Update(t, v);
  }
  return r;
}

}  // namespace otter::analytics
