// Typed config of the spanmetrics connector (otelcol contrib's spanmetricsconnector keys and
// defaults); parsed by SpanMetricsConfigTable().
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "component/registry.h"
#include "config/table.h"

namespace otter {

// A dimension read from span attributes, then resource attributes; `default_value` when both
// lack it (without one, the dimension is left out).
struct MetricDimension {
  std::string name;
  std::optional<std::string> default_value;
};
// Parses a list of {name, default} maps (spanmetrics' and servicegraph's `dimensions` form).
void ParseDimensions(const config::Node& n, std::vector<MetricDimension>& out,
                     config::Diagnostics& d);

struct SpanMetricsConfig : ComponentConfig {
  std::vector<MetricDimension> dimensions;
  std::vector<std::string> exclude_dimensions;
  std::string aggregation_temporality = "AGGREGATION_TEMPORALITY_CUMULATIVE";
  std::string namespace_ = "traces.span.metrics";
  config::Duration metrics_flush_interval = std::chrono::seconds(60);
  config::Duration metrics_expiration{0};     // 0 = never
  int64_t aggregation_cardinality_limit = 0;  // per resource; 0 = no limit
  int64_t dimensions_cache_size = 0;          // deprecated: the limit when the above is 0
  int64_t resource_metrics_cache_size = 1000;
  std::vector<std::string> resource_metrics_key_attributes;
  int64_t metric_timestamp_cache_size = 1000;  // accepted; otter needs no such cache
  struct Histogram {
    bool disable = false;
    std::string unit = "ms";
    std::optional<std::vector<config::Duration>> explicit_buckets;  // explicit.buckets
    bool exponential = false;                                       // exponential: {...} given
    int32_t exponential_max_size = 160;
  } histogram;
  struct Exemplars {
    bool enabled = false;
    int64_t max_per_data_point = 5;
  } exemplars;
  struct Events {
    bool enabled = false;
    std::vector<MetricDimension> dimensions;
  } events;

  bool delta() const { return aggregation_temporality == "AGGREGATION_TEMPORALITY_DELTA"; }
  // The explicit bucket bounds in the histogram unit.
  std::vector<double> Bounds() const;
  Status Validate() const override;
};

const config::Table<SpanMetricsConfig>& SpanMetricsConfigTable();

}  // namespace otter
