// Typed config of the probabilistic_sampler processor (otelcol-contrib's
// `probabilistic_sampler`), its config table and validation. Read-only after start-up.
#pragma once

#include <cstdint>
#include <string>

#include "component/registry.h"
#include "config/table.h"

namespace otter {

enum class SamplerMode { kHashSeed, kProportional, kEqualizing };

struct ProbabilisticSamplerConfig : ComponentConfig {
  // Percentage of items kept; a float32 in otelcol (values are rounded to float32 here too).
  // >= 100 keeps everything, 0 nothing.
  double sampling_percentage = 0;
  uint32_t hash_seed = 0;
  // "hash_seed", "proportional", "equalizing"; "" = hash_seed (otelcol's code, whatever its
  // README says).
  std::string mode;
  // Items whose sampling information is missing or inconsistent are dropped (true) or kept.
  bool fail_closed = true;
  // Hex digits of the `th` threshold written by proportional / equalizing modes (1..14).
  uint32_t sampling_precision = 4;
  // Logs only.
  std::string attribute_source = "traceID";  // or "record"
  std::string from_attribute;
  std::string sampling_priority;

  Status Validate() const override;
  SamplerMode EffectiveMode() const;
  float Percentage() const { return static_cast<float>(sampling_percentage); }
};

const config::Table<ProbabilisticSamplerConfig>& ProbabilisticSamplerConfigTable();

}  // namespace otter
