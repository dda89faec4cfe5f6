// Typed config of the debug exporter (otelcol's `debug`; `logging` is its deprecated alias), its
// config table and validation. Parsed once at start-up; read-only afterwards.
#pragma once

#include <cstdint>

#include "component/registry.h"
#include "config/table.h"

namespace otter {

enum class DebugVerbosity { kBasic, kNormal, kDetailed };

struct DebugConfig : ComponentConfig {
  DebugVerbosity verbosity = DebugVerbosity::kBasic;
  // Per second and per signal, the first `sampling_initial` batches are logged, then every
  // `sampling_thereafter`-th (1 = all; 0 = none after the initial ones), as zap's sampler.
  int32_t sampling_initial = 2;
  int32_t sampling_thereafter = 1;
  // true: write through the collector's logger; false: plain lines on stdout.
  bool use_internal_logger = true;

  Status Validate() const override;
};

const config::Table<DebugConfig>& DebugConfigTable();

}  // namespace otter
