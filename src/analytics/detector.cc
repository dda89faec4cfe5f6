#include "analytics/detector.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <vector>

namespace otter::analytics {

std::string_view AnomalyReasonName(AnomalyReason r) {
  switch (r) {
    case AnomalyReason::kNone:
      return "none";
    case AnomalyReason::kWarmup:
      return "warmup";
    case AnomalyReason::kOutOfRange:
      return "out_of_range";
    case AnomalyReason::kNovelPattern:
      return "novel_pattern";
    case AnomalyReason::kDeviation:
      return "deviation";
    case AnomalyReason::kLevelShift:
      return "level_shift";
    case AnomalyReason::kSeasonal:
      return "seasonal";
  }
  return "none";
}

namespace {

// range, novelty, deviation, shift, season (AnomalyReason order - 2), then step novelty and the
// seasonal residual.
constexpr int kChecks = 7;
constexpr uint32_t kMaxShort = 32;
constexpr uint32_t kMaxContext = 16;
constexpr uint32_t kMaxBuckets = 1024;

// Upper tail of the standard normal.
double NormalTail(double z) { return 0.5 * std::erfc(z / std::sqrt(2.0)); }

// Turns a stream of raw scores in [0,1] into "how unusual is the recent average": the short
// average is compared with the long-run mean and spread of short averages (both exponential).
struct TailEstimator {
  std::array<float, kMaxShort> ring{};
  double sum = 0;
  double mean = 0;
  double var = 0;
  uint32_t pos = 0;
  double count = 0;
  double decay = 1;  // (1 - alpha)^count: the weight the averages still lack

  // Returns -log10 of the tail probability of the current short average.
  double Update(double raw, uint32_t window, double alpha, double floor_sd, bool running,
                double young_share) {
    sum += raw - ring[pos];
    ring[pos] = static_cast<float>(raw);
    pos = pos + 1 == window ? 0 : pos + 1;
    double avg = sum / window;
    // Young statistics (started at 0, they hold only the share 1 - decay of their weight) are
    // scaled up to the share they have at `young_share`; older ones are used as they are.
    const double w = 1 - decay;
    const double c = w < young_share ? young_share / std::max(w, 1e-12) : 1.0;
    const double m = mean * c;
    double sd = std::max(std::sqrt(var * c), floor_sd);
    double z = (avg - m) / sd;
    double d = avg - mean;
    decay *= 1 - alpha;
    // Until `horizon` samples are in, the statistics are plain running ones (the mean and
    // variance of the samples so far) rather than an exponential average started at 0.
    if (count < 1e9) ++count;
    double a = std::max(alpha, 1.0 / count);
    if (!running) a = alpha;
    mean += a * d;
    var = (1 - a) * (var + a * d * d);
    if (z <= 0) return 0;
    double tail = NormalTail(z);
    return tail < 1e-30 ? 30.0 : -std::log10(tail);
  }
};

// A robust additive Holt-Winters baseline for one period: a slow level plus the offset of the
// sample's phase bucket; errors are clipped before they update it (an incident does not become
// the norm).
struct SeasonalModel {
  static constexpr float kUnseen = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> offsets;  // empty: off; kUnseen: a phase not seen yet
  double period_ms = 0;
  double level = 0, scale = 0;
  bool started = false;

  void Init(double period_s, uint32_t buckets) {
    period_ms = period_s * 1000;
    if (period_ms >= 1 && buckets > 0) offsets.assign(buckets, kUnseen);
  }

  // Returns the residual in robust sigmas (-1: the phase is new) and learns the sample.
  double Update(int64_t ts, double v, double eps, double interval_ms, const DetectorOptions& o) {
    const int64_t p = static_cast<int64_t>(period_ms);
    int64_t phase = ts % p;
    if (phase < 0) phase += p;
    size_t b = static_cast<size_t>(static_cast<double>(phase) / period_ms * offsets.size());
    b = std::min(b, offsets.size() - 1);
    if (!started) level = v, started = true;
    if (std::isnan(offsets[b])) {
      // The first sample of a phase sets its offset; there is no residual yet.
      offsets[b] = static_cast<float>(v - level);
      return -1;
    }
    const double e = v - (level + offsets[b]);
    const double sigma = std::max(1.25 * scale, eps);
    const double lim = o.resid_clip * sigma;
    const double ec = std::clamp(e, -lim, lim);
    // The level moves over resid_level periods (in samples at the interval learned so far).
    const double per = interval_ms > 0 ? period_ms / interval_ms : 288;
    const double al = 1.0 / std::max(1.0, o.resid_level * per);
    level += al * ec;
    offsets[b] += static_cast<float>(o.resid_gamma * (1 - al) * ec);
    scale += (std::min(std::abs(e), o.resid_scale_clip * lim) - scale) / o.resid_scale_horizon;
    return std::abs(e) / sigma;
  }
};

}  // namespace

struct SeriesDetector::State {
  DetectorOptions o;
  uint64_t n = 0;
  double seen_lo = 0, seen_hi = 0;  // range of every sample so far
  // Baseline: exponential mean and mean absolute deviation; CUSUM sums in robust sigmas.
  double mean = 0, mad = 0;
  double smoothed = 0;  // input of the novelty check
  double cusum_pos = 0, cusum_neg = 0;
  uint64_t since_alarm = std::numeric_limits<uint32_t>::max();
  double alarm_score = 0;  // score of the last alarm
  // Seasonal check: the sampling interval (learned during warmup) and a ring of the levels of
  // the last day, allocated when the warmup ends if a day is at most max_period samples.
  double interval_ms = 0;
  int64_t last_ts = 0;
  std::vector<uint8_t> day;
  uint32_t day_pos = 0;
  uint64_t day_filled = 0;
  std::array<uint8_t, kMaxContext> symbols{};  // ring of the last `context` levels
  uint32_t sym_pos = 0;
  std::array<uint8_t, kMaxContext> steps{};  // ring of the last quantised steps
  uint32_t step_pos = 0;
  double prev_smoothed = 0;
  std::array<TailEstimator, kChecks> tails{};
  std::vector<uint32_t> table;  // open-addressed context hashes, 0 = empty
  uint32_t table_used = 0;
  // Seasonal residual: one model per period (the second one optional).
  std::array<SeasonalModel, 2> resid;
  double young_share = 0;  // the statistics' weight share at young_stats samples

  explicit State(const DetectorOptions& opts) : o(opts) {
    o.context = std::clamp<uint32_t>(o.context, 2, kMaxContext);
    o.short_window = std::clamp<uint32_t>(o.short_window, 1, kMaxShort);
    o.levels = std::clamp<uint32_t>(o.levels, 2, 255);
    o.table_bits = std::clamp<uint32_t>(o.table_bits, 4, 24);
    table.assign(size_t{1} << o.table_bits, 0);
    o.resid_buckets = std::clamp<uint32_t>(o.resid_buckets, 1, kMaxBuckets);
    o.resid_buckets2 = std::min<uint32_t>(o.resid_buckets2, kMaxBuckets);
    if (o.w_resid > 0) {
      resid[0].Init(o.resid_period_s, o.resid_buckets);
      if (o.resid_buckets2 > 0) resid[1].Init(o.resid_period2_s, o.resid_buckets2);
    }
    if (o.young_stats > 0)
      young_share = 1 - std::pow(1 - 1 / o.stats_horizon, static_cast<double>(o.young_stats));
    if (o.learn_hint > 0) {
      o.warmup = std::max(o.warmup, o.learn_hint);
      o.suppress = std::max<uint32_t>(o.suppress,
                                      static_cast<uint32_t>(o.suppress_learn * o.learn_hint + 0.5));
    }
  }

  // Inserts a hash; returns true if it was new.
  bool Novel(uint32_t h) {
    h |= 1;  // never 0 (the empty marker)
    const uint32_t mask = static_cast<uint32_t>(table.size() - 1);
    uint32_t i = (h * 2654435761u) >> (32 - o.table_bits);
    for (int probe = 0; probe < 8; ++probe, i = (i + 1) & mask) {
      if (table[i] == h) return false;
      if (table[i] == 0) {
        // Stop learning at 3/4 full: the table stays a bounded memory of common contexts.
        if (table_used < table.size() * 3 / 4) {
          table[i] = h;
          ++table_used;
        }
        return true;
      }
    }
    return true;
  }

  uint8_t Level(double v) const {
    double lo = o.has_range_hint ? o.min_hint : seen_lo;
    double hi = o.has_range_hint ? o.max_hint : seen_hi;
    double span = hi - lo;
    if (!(span > 0)) return 0;
    double x = (v - lo) / span * o.levels;
    return static_cast<uint8_t>(std::clamp(x, 0.0, static_cast<double>(o.levels - 1)));
  }

  // Fraction of the context orders 2..context that end at this sample and were never seen.
  double Novelty(uint8_t level) {
    if (o.dedup && n > 1 && symbols[(sym_pos + kMaxContext - 1) % kMaxContext] == level) return 0;
    return Contexts(symbols, sym_pos, level, 2166136261u);
  }
  // The same over the sequence of quantised steps (the shape, whatever the level).
  double StepNovelty(uint8_t step) {
    return Contexts(steps, step_pos, step, 0x811c9dc5u ^ 0x5bd1e995u);
  }

  double Contexts(std::array<uint8_t, kMaxContext>& ring, uint32_t& pos, uint8_t sym,
                  uint32_t seed) {
    ring[pos] = sym;
    uint32_t h = seed;
    uint32_t novel = 0;
    const uint32_t k = o.context;
    for (uint32_t j = 0; j < k; ++j) {
      uint8_t s = ring[(pos + kMaxContext - j) % kMaxContext];
      h = (h ^ s) * 16777619u;
      if (j >= 1 && Novel(h ^ (j * 0x9e3779b9u))) ++novel;
    }
    pos = (pos + 1) % kMaxContext;
    return static_cast<double>(novel) / (k - 1);
  }
};

SeriesDetector::SeriesDetector(const DetectorOptions& options)
    : s_(std::make_unique<State>(options)) {}
SeriesDetector::~SeriesDetector() = default;
SeriesDetector::SeriesDetector(SeriesDetector&&) noexcept = default;
SeriesDetector& SeriesDetector::operator=(SeriesDetector&&) noexcept = default;

size_t SeriesDetector::BytesPerSeries(const DetectorOptions& options) {
  uint32_t bits = std::clamp<uint32_t>(options.table_bits, 4, 24);
  return sizeof(SeriesDetector) + sizeof(State) + (size_t{4} << bits) +
         (options.w_season > 0 ? options.max_period : 0) +
         (options.w_resid > 0
              ? sizeof(float) * (std::clamp<uint32_t>(options.resid_buckets, 1, kMaxBuckets) +
                                 std::min<uint32_t>(options.resid_buckets2, kMaxBuckets))
              : 0);
}

AnomalyResult SeriesDetector::Update(int64_t timestamp_ms, double v) {
  State& s = *s_;
  const DetectorOptions& o = s.o;
  AnomalyResult out;
  if (std::isnan(v)) {
    out.expected = s.mean;
    out.lower = out.upper = s.mean;
    return out;
  }
  if (s.n == 0) {
    s.seen_lo = s.seen_hi = v;
    s.mean = s.smoothed = v;
  }
  ++s.n;
  const double span = o.has_range_hint ? o.max_hint - o.min_hint : s.seen_hi - s.seen_lo;
  const double eps = std::max(std::abs(span) * 1e-3, 1e-12);

  // 1. Range: how far beyond everything seen so far, in units of the range.
  double r_range = 0;
  // With a range hint the step is measured against the headroom left to the known extreme.
  // Without one, the excess e (in units of the range) scores e / (e + range_room): graded, so
  // that the small new extremes of a noisy series do not look like a far spike.
  const double excess = v > s.seen_hi ? v - s.seen_hi : v < s.seen_lo ? s.seen_lo - v : 0;
  if (excess > 0 && o.has_range_hint) {
    double room = v > s.seen_hi ? o.max_hint - s.seen_hi : s.seen_lo - o.min_hint;
    r_range = std::min(1.0, 0.5 + 0.5 * excess / (room + eps));
  } else if (excess > 0) {
    double e = excess / (span + eps);
    r_range = o.range_room > 0 ? 0.5 + 0.5 * e / (e + o.range_room) : 1.0;
  }
  double extreme = 0;
  if (o.extreme_range > 0 && excess > 0 && s.seen_hi > s.seen_lo) {
    double e = excess / (s.seen_hi - s.seen_lo) / o.extreme_range;
    if (e >= 1) extreme = std::min(1.0, 0.5 * e);
  }
  s.seen_lo = std::min(s.seen_lo, v);
  s.seen_hi = std::max(s.seen_hi, v);

  // 2. Novelty of the recent sequence of levels.
  s.smoothed += (v - s.smoothed) / std::max(1.0, o.smooth);
  const uint8_t level = s.Level(s.smoothed);
  double r_novel = s.Novelty(level);
  double r_step = 0;
  if (o.w_step > 0) {
    const int half = static_cast<int>(o.step_levels);
    double dx = span > 0 ? (s.smoothed - s.prev_smoothed) / span * o.levels : 0;
    int q = static_cast<int>(std::lround(std::clamp(dx, -double(half), double(half))));
    r_step = s.StepNovelty(static_cast<uint8_t>(q + half));
  }
  s.prev_smoothed = s.smoothed;

  // 5. Season: the level against the level one day earlier.
  double r_season = 0;
  if (s.n > 1 && timestamp_ms > s.last_ts) {
    double dt = static_cast<double>(timestamp_ms - s.last_ts);
    s.interval_ms = s.interval_ms == 0 ? dt : s.interval_ms + (dt - s.interval_ms) / 16;
  }
  s.last_ts = timestamp_ms;
  if (s.n == o.warmup && s.interval_ms > 0 && o.w_season > 0) {
    double period = 86400000.0 / s.interval_ms;
    if (period >= 4 && period <= o.max_period) s.day.assign(static_cast<size_t>(period + 0.5), 0);
  }
  if (!s.day.empty()) {
    if (s.day_filled >= s.day.size()) {
      // A one-level difference is quantisation noise.
      int diff = std::abs(int{level} - int{s.day[s.day_pos]});
      r_season = std::max(0, diff - 1) / double(o.levels - 1);
    }
    s.day[s.day_pos] = level;
    s.day_pos = s.day_pos + 1 == s.day.size() ? 0 : s.day_pos + 1;
    ++s.day_filled;
  }

  // 3. Deviation from the exponential baseline, in robust sigmas.
  const double sigma = std::max(1.25 * s.mad, eps);
  const double z = (v - s.mean) / sigma;
  double r_dev = std::abs(z) / (std::abs(z) + 3.0);
  out.expected = s.mean;
  out.lower = s.mean - 4 * sigma;
  out.upper = s.mean + 4 * sigma;

  // 4. Level shift: two-sided CUSUM on the same residual; a decision resets the baseline.
  s.cusum_pos = std::max(0.0, s.cusum_pos + z - o.cusum_k);
  s.cusum_neg = std::max(0.0, s.cusum_neg - z - o.cusum_k);
  double c = std::max(s.cusum_pos, s.cusum_neg);
  double r_shift = std::min(1.0, c / o.cusum_h);
  const double ab = 1.0 / o.baseline_horizon;
  const double d = v - s.mean;
  // The spread learns from every sample, resets included: a series whose steps are large
  // against a spread learned on a quiet stretch would otherwise reset at every sample.
  s.mad += ab * (std::abs(d) - s.mad);
  if (c > o.cusum_h) {
    // A level shift: the baseline restarts at the new level.
    s.mean = v;
    s.cusum_pos = s.cusum_neg = 0;
  } else {
    s.mean += ab * d;
  }

  // 6. Seasonal residual against level + the offset of this sample's phase of the period.
  double r_resid = 0;
  if (!s.resid[0].offsets.empty()) {
    // With a second period the residual is the smaller one: unusual for both patterns.
    // A phase the second model has not seen yet does not count.
    double z_r = s.resid[0].Update(timestamp_ms, v, eps, s.interval_ms, o);
    if (!s.resid[1].offsets.empty()) {
      double z2 = s.resid[1].Update(timestamp_ms, v, eps, s.interval_ms, o);
      if (z2 >= 0) z_r = z_r < 0 ? z2 : std::min(z_r, z2);
    }
    r_resid = z_r > 0 ? z_r / (z_r + 3.0) : 0;
    if (o.resid_gate > 0) {
      // Only as far as the seasonal models explain more than the plain baseline does.
      double rs = s.resid[0].scale;
      if (!s.resid[1].offsets.empty()) rs = std::min(rs, s.resid[1].scale);
      double gain = s.mad > 0 ? 1 - rs / s.mad : 0;
      r_resid *= std::clamp(gain / o.resid_gate, 0.0, 1.0);
    }
  }

  const double as = 1.0 / o.stats_horizon;
  const double raws[kChecks] = {r_range, r_novel, r_dev, r_shift, r_season, r_step, r_resid};
  const double weights[kChecks] = {o.has_range_hint ? o.w_range : o.w_range_learned,
                                   o.w_novelty,
                                   o.w_deviation,
                                   o.w_shift,
                                   o.w_season,
                                   o.w_step,
                                   o.w_resid};
  double best = 0, sum = 0;
  int best_i = -1;
  for (int i = 0; i < kChecks; ++i) {
    if (weights[i] == 0) continue;  // a check that is off never contributes
    double lt = s.tails[i].Update(raws[i], o.short_window, as, o.tail_floor, o.running_stats,
                                  s.young_share) *
                weights[i];
    sum += lt;
    if (lt > best) {
      best = lt;
      best_i = i;
    }
  }
  best += o.combine_sum * (sum - best);
  if (s.n <= o.warmup) {
    out.reason = AnomalyReason::kWarmup;
    return out;
  }
  double score = std::min(1.0, best / 10.0);  // tail 1e-5 -> 0.5, 1e-10 -> 1
  // A gross outlier at least as strong as the last alarm is a new incident, not its echo.
  const bool gross = extreme > score && extreme >= s.alarm_score;
  if (extreme > score) {
    score = extreme;
    best_i = 0;
  }
  ++s.since_alarm;
  if (s.since_alarm <= o.suppress && !gross && score < s.alarm_score + o.override_margin) {
    score *= o.suppress_factor;
  } else if (score >= o.alarm_level) {
    s.since_alarm = 0;
    s.alarm_score = score;
  }
  out.score = score;
  out.reason = best_i < 0 || score == 0 ? AnomalyReason::kNone
               : best_i == 5            ? AnomalyReason::kNovelPattern
               : best_i == 6            ? AnomalyReason::kSeasonal
                                        : static_cast<AnomalyReason>(best_i + 2);
  return out;
}

}  // namespace otter::analytics
