// Typed config of the cardinality_guard processor (metrics): which attributes move off data
// points into exemplars, and the per-metric series limit. Parsed once at start-up.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "component/registry.h"
#include "config/table.h"

namespace otter {

struct CardinalityGuardConfig : ComponentConfig {
  // Attribute keys taken off every data point and kept in an exemplar of that point instead.
  std::vector<std::string> exemplar_attributes;
  // Most exemplars kept on one point when points merge after the move.
  uint32_t max_exemplars_per_data_point = 8;
  // Series (resource + point attributes) allowed per metric name; 0 = no limit.
  uint32_t max_series_per_metric = 0;
  // A series not seen for this long frees its place under the limit.
  config::Duration series_ttl = std::chrono::hours(1);

  Status Validate() const override;
};

const config::Table<CardinalityGuardConfig>& CardinalityGuardConfigTable();

}  // namespace otter
