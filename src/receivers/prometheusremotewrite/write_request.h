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
// A native histogram sample (prometheus.Histogram), its bucket counts made absolute whether
// they came as integer deltas or as float counts.
struct RwHistogram {
  enum ResetHint { kUnknown = 0, kYes = 1, kNo = 2, kGauge = 3 };
  struct Span {
    int32_t offset = 0;  // the first span: the absolute index; later ones: the gap after the last
    uint32_t length = 0;
  };
  bool float_counts = false;  // count_float / zero_count_float / *_counts rather than integers
  double count = 0, sum = 0, zero_threshold = 0, zero_count = 0;
  int32_t schema = 0;
  std::vector<Span> negative_spans, positive_spans;
  std::vector<double> negative_counts, positive_counts;
  int reset_hint = kUnknown;
  int64_t t_ms = 0;
};
struct RwSeries {
  std::vector<RwLabel> labels;
  std::vector<RwSample> samples;
  std::vector<RwExemplar> exemplars;
  std::vector<RwHistogram> histograms;
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
  size_t points = 0;  // data points in the batch
  // Native histogram samples OTLP cannot carry: gauge histograms, non-integer counts, custom
  // bucket schemas.
  size_t skipped_histograms = 0;
  size_t skipped_series = 0;  // series without __name__
};

// One resource per (job, instance): job "ns/name" → service.namespace + service.name, instance →
// service.instance.id, as the Prometheus receiver of otelcol maps them (so that otter's store
// gives back the same job and instance). Each series is a metric named by __name__ whose points
// carry the other labels: a monotonic cumulative sum when its family is known to be a counter,
// else a gauge; a series of native histograms becomes a cumulative exponential histogram
// (schema = scale, Prometheus bucket i = OTLP bucket i-1, a StaleNaN sum = no recorded value).
// Exemplars go to the series' last point (trace_id / span_id labels → ids).
pdata::MetricBatch TranslateWriteRequest(
    const RwRequest& request, const std::map<std::string, FamilyInfo, std::less<>>& families,
    TranslateStats* stats);

}  // namespace otter::prometheusremotewrite
