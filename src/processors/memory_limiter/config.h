// Typed config of the memory_limiter processor (otelcol's `memory_limiter`), its config table and
// validation. Parsed once at start-up; read-only afterwards.
#pragma once

#include <chrono>
#include <cstdint>

#include "component/registry.h"
#include "config/table.h"

namespace otter {

struct MemoryLimiterConfig : ComponentConfig {
  // Time between memory measurements; required (> 0).
  config::Duration check_interval{0};
  // Hard limit in MiB; wins over limit_percentage when both are set.
  uint32_t limit_mib = 0;
  // Expected growth between two checks; soft limit = limit − spike. 0 = 20% of the limit.
  uint32_t spike_limit_mib = 0;
  // Hard limit as % of total memory (cgroup limit, else MemTotal).
  uint32_t limit_percentage = 0;
  // Spike as % of total memory; 0 = 20% of the limit.
  uint32_t spike_limit_percentage = 0;
  // Minimum time between malloc_trim calls when above the soft / the hard limit (otelcol forces a
  // GC at these points; otter returns free heap memory to the OS).
  config::Duration min_gc_interval_when_soft_limited = std::chrono::seconds(10);
  config::Duration min_gc_interval_when_hard_limited{0};

  Status Validate() const override;
};

const config::Table<MemoryLimiterConfig>& MemoryLimiterConfigTable();

}  // namespace otter
