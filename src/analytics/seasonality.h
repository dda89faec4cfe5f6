// Seasonal baselines and pattern reports: finds a daily (hour-of-day) or weekly (day-of-week)
// pattern in a series and describes it in one sentence ("peaks at 14:00 UTC daily at 2.1x its
// baseline"). SeasonalBaseline is the streaming form (bounded: 24 + 7 buckets); DescribeSeason
// the offline report `otter analyze series` prints. Not thread-safe; pure functions are.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace otter::analytics {

// Per-bucket exponentially weighted mean and mean absolute deviation, by UTC hour of day and by
// day of week. 31 buckets x 3 doubles: ~760 bytes.
class SeasonalBaseline {
 public:
  struct Bucket {
    double mean = 0;
    double mad = 0;
    double weight = 0;  // samples seen, capped by the horizon
  };
  // `horizon`: samples per bucket the averages span.
  explicit SeasonalBaseline(double horizon = 20) : horizon_(horizon) {}
  void Update(int64_t timestamp_ms, double value);
  const Bucket& Hour(int h) const { return hours_[h]; }
  const Bucket& Weekday(int d) const { return days_[d]; }  // 0 = Monday

 private:
  static void Add(Bucket& b, double v, double horizon);
  double horizon_;
  std::array<Bucket, 24> hours_{};
  std::array<Bucket, 7> days_{};
};

struct SeasonReport {
  enum class Period { kNone, kDaily, kWeekly } period = Period::kNone;
  double strength = 0;    // share of the variance the pattern explains (0..1)
  int peak = 0;           // hour (daily) or weekday 0 = Monday (weekly) with the highest median
  double peak_ratio = 0;  // peak bucket median / median of all samples
  int trough = 0;
  double trough_ratio = 0;
  std::string text;  // the one-sentence description
};

// Describes the strongest of the daily and weekly patterns of `name` over the samples (ms, value).
// Needs two full periods of data; a pattern explaining < 30% of the variance is "none".
SeasonReport DescribeSeason(const std::string& name, const std::vector<int64_t>& timestamps_ms,
                            const std::vector<double>& values);

}  // namespace otter::analytics
