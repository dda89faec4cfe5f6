// The debug exporter's text renderings, modelled on the Go collector's debug exporter: a one-line
// summary per batch (basic), about one line per item (normal), and every field (detailed, the
// Go "otlptext" layout). Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "pdata/batch.h"

namespace otter::debugtext {

// "TracesExporter: 2 resource spans, 10 spans"
std::string Summary(const pdata::TraceBatch& b);
// "MetricsExporter: 1 resource metrics, 3 metrics, 7 data points"
std::string Summary(const pdata::MetricBatch& b);
// "LogsExporter: 1 resource logs, 4 log records"
std::string Summary(const pdata::LogBatch& b);

std::string Normal(const pdata::TraceBatch& b);
std::string Normal(const pdata::MetricBatch& b);
std::string Normal(const pdata::LogBatch& b);

std::string Detailed(const pdata::TraceBatch& b);
std::string Detailed(const pdata::MetricBatch& b);
std::string Detailed(const pdata::LogBatch& b);

// Go's pcommon.Timestamp String(): "2020-02-11 20:26:12.000000321 +0000 UTC".
std::string FormatTimestamp(uint64_t unix_nanos);
// Go's pcommon.Value AsString(): strings raw, doubles shortest, bytes base64, maps/arrays JSON.
std::string ValueAsString(const pdata::AnyValue& v);

}  // namespace otter::debugtext
