// Remote Write 1.0 request bodies (prometheus.WriteRequest, OTLP-FACTS 6.6) from the store's
// Prometheus view of a metric batch (store/prom_convert.h): labels, float samples, native
// histograms and exemplars per series, optional metadata. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "store/prom_convert.h"

namespace otter::prometheusremotewrite {

// Serialized WriteRequests (before snappy), each at most `max_bytes` unless one series alone is
// larger (it then goes in a request of its own). Series are written in order; `metadata` goes in
// the first request. A series with neither samples, histograms nor exemplars is skipped.
std::vector<std::string> EncodeWriteRequests(
    const std::vector<store::ConvertedSeries>& series,
    const std::vector<store::MetricFamilyMetadata>& metadata, size_t max_bytes);

// One TimeSeries message (the field's payload, without tag and length).
std::string EncodeTimeSeries(const store::ConvertedSeries& series);

}  // namespace otter::prometheusremotewrite
