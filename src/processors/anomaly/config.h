// Typed config of the anomaly processor (metrics): which metrics it scores, how many series it
// keeps detectors for, and what it emits. Parsed once at start-up; read-only afterwards.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "component/registry.h"
#include "config/table.h"

namespace otter {

struct AnomalyConfig : ComponentConfig {
  // Metric names to score (gauge and sum points); empty = every gauge and sum.
  std::vector<std::string> metrics;
  // Series (metric + resource + point attributes) with a detector; further series pass unscored.
  uint32_t max_series = 10000;
  // Name of the emitted score metric: <metric name><suffix>.
  std::string score_suffix = "_anomaly_score";
  // Also emit <name>_anomaly_band_lower / _upper (the expected range) gauges.
  bool emit_band = false;
  // Samples each new series learns before it may score.
  uint32_t warmup = 150;

  Status Validate() const override;
};

const config::Table<AnomalyConfig>& AnomalyConfigTable();

}  // namespace otter
