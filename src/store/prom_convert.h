// Converts an OTLP metric batch (pdata) into Prometheus series, samples, exemplars and metadata
// for otter's embedded metrics store, following the OTel→Prometheus compatibility spec as the
// Prometheus OTLP receiver (prometheus/otlptranslator) does. Called by the store's metric
// ingest path for every batch. Stateless functions; safe to call from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "pdata/batch.h"
#include "store/labels.h"
#include "store/prom_naming.h"
#include "store/querier.h"

namespace otter::store {

// One value of a delta point, not yet a sample: the store's DeltaAccumulator adds it to its
// stream's running total (in write order) and appends the result to the series' samples.
struct DeltaValue {
  uint32_t point;      // index into ConvertedMetrics::delta_points
  uint32_t component;  // which of the point's values (a histogram has several)
  double v;
};

// A delta exponential histogram point's value (see DeltaValue).
struct DeltaHistogram {
  uint32_t point;
  NativeHistogram h;
};

struct ConvertedSeries {
  Labels labels;                            // sorted, includes __name__
  std::vector<Sample> samples;              // ascending t_ms (stable: equal t_ms keep input order)
  std::vector<HistogramSample> histograms;  // native histograms, ascending t_ms (stable)
  std::vector<ExemplarData> exemplars;      // ascending t_ms
  std::vector<DeltaValue> deltas;           // of delta points, in point order
  std::vector<DeltaHistogram> delta_histograms;
};

// A delta-temporality point (sum or histogram) of the batch. Its values are in the `deltas` of
// the series it maps to; its stream identity is `stream` (the point's labels with __name__ set to
// the metric family, which is also the series of a sum).
struct DeltaPoint {
  Labels stream;
  uint64_t start_ns = 0;
  uint64_t t_ns = 0;
  uint64_t layout = 0;      // hash of a histogram's bucket bounds (0 for a sum)
  uint32_t components = 0;  // values per point: 1 for a sum; buckets + count (+ sum) otherwise
  bool histogram = false;   // an exponential histogram: its value is a DeltaHistogram
  std::string metric;       // the OTLP metric name, for drop reasons
};

struct MetricFamilyMetadata {
  std::string name;
  MetricMetadata metadata;
};

struct ConvertedMetrics {
  std::vector<ConvertedSeries> series;         // one entry per distinct label set
  std::vector<MetricFamilyMetadata> metadata;  // one per distinct (family, metadata)
  std::vector<DeltaPoint> delta_points;        // in batch order
  size_t dropped_points = 0;                   // OTLP data points that could not be stored
  // Distinct human-readable reasons, at most kMaxDropReasons of them.
  std::vector<std::string> drop_reasons;
};

inline constexpr size_t kMaxDropReasons = 64;

struct ConvertOptions {
  // otel_scope_name / otel_scope_version / otel_scope_schema_url / otel_scope_<attr> labels
  // (only for scopes with a non-empty name, as the translator does).
  bool add_scope_labels = true;
  // One target_info series per resource that has attributes besides service.namespace,
  // service.name and service.instance.id.
  bool target_info = true;
  // target_info gets a sample every lookback_delta/2 between the resource's earliest and latest
  // point, so that it is visible over the whole range (Prometheus's default lookback is 5m).
  int64_t lookback_delta_ms = 5 * 60 * 1000;
  // Unit and type suffixes on metric names ("_seconds", "_total"); off = the sanitised name.
  bool add_metric_suffixes = true;
  // Put in front of every metric name, target_info included (an exporter's `namespace` + "_").
  std::string name_prefix;
};

// Appends the conversion of `batch` to *out. Series already in *out with an equal label set
// receive the new samples (so a caller may convert several batches into one result).
// Delta sums and histograms become DeltaPoints (their series get `deltas`, not samples), for the
// store to accumulate in write order (store/delta_accumulator.h).
// Exponential histograms become native histogram samples of the family's series, as the
// Prometheus OTLP translator makes them (NativeHistogram::FromOtlp).
// Dropped (not stored): unspecified-temporality sums and histograms, exponential histograms with
// a scale below -4, metrics whose name normalises to nothing.
void ConvertMetrics(const pdata::MetricBatch& batch, const ConvertOptions& options,
                    ConvertedMetrics* out);

// Appends a drop reason to out->drop_reasons unless it is there or the list is full (the caller
// counts the points in dropped_points).
void AddDropReason(std::string reason, ConvertedMetrics* out);

}  // namespace otter::store
