// Typed config of the tail_sampling processor (otelcol-contrib's `tail_sampling`): timing,
// limits, decision caches and the policy list (kept as validated config nodes; the processor
// builds its evaluators from them, see policy.h). Read-only after start-up.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include "component/registry.h"
#include "config/node.h"
#include "config/table.h"

namespace otter {

struct DecisionCacheConfig {
  uint64_t sampled_cache_size = 0;      // trace ids remembered as sampled (0 = off)
  uint64_t non_sampled_cache_size = 0;  // trace ids remembered as not sampled (0 = off)
};

struct TailSamplingConfig : ComponentConfig {
  config::Duration decision_wait = std::chrono::seconds(30);
  uint64_t num_traces = 50000;
  uint64_t expected_new_traces_per_sec = 0;
  DecisionCacheConfig decision_cache;
  bool sample_on_first_match = false;
  bool drop_pending_traces_on_shutdown = false;
  // otter extension: bound on the estimated bytes of held spans; the oldest traces are evicted
  // (counted) above it, as above num_traces.
  uint64_t max_memory_mib = 256;
  std::vector<config::Node> policies;  // each validated by BuildPolicy

  Status Validate() const override;
  uint64_t MaxBytes() const { return max_memory_mib << 20; }
};

const config::Table<TailSamplingConfig>& TailSamplingConfigTable();

}  // namespace otter
