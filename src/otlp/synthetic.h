// Synthetic but realistic telemetry for benchmarks, tests and the load generator: HTTP-server
// spans (~14 attributes and one event each, ~550 bytes on the wire), application log records
// with string bodies, and a mix of gauge / sum / histogram data points. Deterministic for a given
// seed (ids, values and timestamps derive from it), so different seeds give different trace/span
// ids and time ranges. Encode with otlp::EncodeTraces etc. to get request bodies.
// Stateless; safe to call from any thread.
#pragma once

#include <cstdint>

#include "pdata/batch.h"

namespace otter::otlp {

// `base_time_unix_nano` = 0 picks a fixed epoch offset by the seed (reproducible); pass the
// current time to get "live" timestamps.
pdata::TraceBatch MakeSyntheticTraces(int spans, uint64_t seed, uint64_t base_time_unix_nano = 0);
pdata::LogBatch MakeSyntheticLogs(int records, uint64_t seed, uint64_t base_time_unix_nano = 0);
// `points` data points spread over metrics of ~10 points each, cycling gauge (double),
// monotonic cumulative sum (int) and delta histogram (10 buckets, sum/min/max, an exemplar).
pdata::MetricBatch MakeSyntheticMetrics(int points, uint64_t seed,
                                        uint64_t base_time_unix_nano = 0);

}  // namespace otter::otlp
