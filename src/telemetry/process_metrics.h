// Process-level self-metrics (otelcol_process_*): RSS, uptime, CPU seconds — read from /proc at
// scrape time.
#pragma once

#include <cstdint>

#include "telemetry/self_metrics.h"

namespace otter::telemetry {

// Resident set size of this process in bytes (from /proc/self/statm); 0 if unavailable.
uint64_t ProcessRssBytes();
void RegisterProcessMetrics(SelfMetrics& metrics);

}  // namespace otter::telemetry
