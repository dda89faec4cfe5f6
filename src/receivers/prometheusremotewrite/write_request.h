// Remote Write 1.0 requests as the prometheusremotewrite receiver reads them: the protobuf
// WriteRequest (OTLP-FACTS 6.6) decoded into views of the request body, and their translation
// to OTLP metrics. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "pdata/batch.h"

namespace otter::prometheusremotewrite {

struct RwLabel {
  std::string_view name, value;
};
struct RwSample {
  double value = 0;
  int64_t t_ms = 0;
};
struct RwExemplar {
  std::vector<RwLabel> labels;
  double value = 0;
  int64_t t_ms = 0;
};
struct RwSeries {
  std::vector<RwLabel> labels;
  std::vector<RwSample> samples;
  std::vector<RwExemplar> exemplars;
  size_t histograms = 0;  // native histogram samples (not translated yet)
};
struct RwMetadata {
  int type = 0;  // UNKNOWN 0, COUNTER 1, GAUGE 2, HISTOGRAM 3, GAUGEHISTOGRAM 4, SUMMARY 5, ...
  std::string_view family, help, unit;
};
struct RwRequest {
  std::vector<RwSeries> series;
  std::vector<RwMetadata> metadata;
};

// Decodes a serialized WriteRequest; views point into `body`. Errors name what is malformed.
StatusOr<RwRequest> DecodeWriteRequest(std::string_view body);

// What the receiver remembers of metric families from metadata requests (Prometheus sends them
// apart from the samples): type and help by family name. Bounded by the caller.
struct FamilyInfo {
  int type = 0;
  std::string help;
};

struct TranslateStats {
  size_t points = 0;              // data points in the batch
  size_t skipped_histograms = 0;  // native histogram samples, not translated
  size_t skipped_series = 0;      // series without __name__
};

// One resource per (job, instance): job "ns/name" → service.namespace + service.name, instance →
// service.instance.id, as the Prometheus receiver of otelcol maps them (so that otter's store
// gives back the same job and instance). Each series is a metric named by __name__ whose points
// carry the other labels: a monotonic cumulative sum when its family is known to be a counter,
// else a gauge. Exemplars go to the series' last point (trace_id / span_id labels → ids).
pdata::MetricBatch TranslateWriteRequest(
    const RwRequest& request, const std::map<std::string, FamilyInfo, std::less<>>& families,
    TranslateStats* stats);

}  // namespace otter::prometheusremotewrite
