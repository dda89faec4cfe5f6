#include "processors/anomaly/config.h"

namespace otter {

Status AnomalyConfig::Validate() const {
  if (max_series == 0) return InvalidArgument("max_series must be at least 1");
  if (score_suffix.empty()) return InvalidArgument("score_suffix must not be empty");
  for (size_t i = 0; i < metrics.size(); ++i) {
    if (metrics[i].empty()) {
      return InvalidArgument("metrics[" + std::to_string(i) + "]: empty metric name");
    }
  }
  return Status::Ok();
}

const config::Table<AnomalyConfig>& AnomalyConfigTable() {
  using C = AnomalyConfig;
  static const config::Table<C> table =
      config::Table<C>()
          .Field("metrics", &C::metrics,
                 "metric names to score (gauge and sum data points); empty = all of them")
          .Field("max_series", &C::max_series,
                 "series with a detector (about 3.4 KiB each); points of further series pass "
                 "through unscored and are counted")
          .Field("score_suffix", &C::score_suffix,
                 "the score of metric M is emitted as the gauge M<score_suffix>, same attributes")
          .Field("emit_band", &C::emit_band,
                 "also emit M_anomaly_band_lower and M_anomaly_band_upper gauges")
          .Field("warmup", &C::warmup, "samples a new series learns before it may score");
  return table;
}

}  // namespace otter
