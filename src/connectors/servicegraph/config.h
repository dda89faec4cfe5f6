// Typed config of the servicegraph connector (contrib's servicegraphconnector keys and
// defaults); parsed by ServiceGraphConfigTable().
#pragma once

#include <string>
#include <vector>

#include "component/registry.h"
#include "config/table.h"

namespace otter {

struct ServiceGraphConfig : ComponentConfig {
  // Bounds of the latency histograms; unset = 2ms, 4ms, ... 15s.
  std::vector<config::Duration> latency_histogram_buckets;
  int32_t exponential_histogram_max_size = 0;  // > 0: exponential histograms instead
  std::vector<std::string> dimensions;         // → client_<dim> and server_<dim> labels
  struct Store {
    config::Duration ttl = std::chrono::seconds(2);
    int64_t max_items = 1000;
  } store;
  config::Duration cache_loop = std::chrono::minutes(1);
  config::Duration store_expiration_loop = std::chrono::seconds(2);
  config::Duration metrics_flush_interval = std::chrono::seconds(60);  // 0 = every batch
  config::Duration metrics_timestamp_offset{0};
  std::string database_name_attribute;  // deprecated: prepended to database_name_attributes
  std::vector<std::string> database_name_attributes = {"db.name"};
  std::string metrics_exporter;  // deprecated no-op, as in otelcol

  // The latency bucket bounds in seconds (empty when exponential).
  std::vector<double> Bounds() const;
  std::vector<std::string> DatabaseNameAttributes() const;
  Status Validate() const override;
};

const config::Table<ServiceGraphConfig>& ServiceGraphConfigTable();

}  // namespace otter
