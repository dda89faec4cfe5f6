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

struct ConvertedSeries {
  Labels labels;                        // sorted, includes __name__
  std::vector<Sample> samples;          // ascending t_ms (stable: equal t_ms keep input order)
  std::vector<ExemplarData> exemplars;  // ascending t_ms
};

struct MetricFamilyMetadata {
  std::string name;
  MetricMetadata metadata;
};

struct ConvertedMetrics {
  std::vector<ConvertedSeries> series;         // one entry per distinct label set
  std::vector<MetricFamilyMetadata> metadata;  // one per distinct (family, metadata)
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
};

// Appends the conversion of `batch` to *out. Series already in *out with an equal label set
// receive the new samples (so a caller may convert several batches into one result).
// Dropped (not stored): delta or unspecified-temporality sums and histograms, exponential
// histograms (no native histograms in the store yet), metrics whose name normalises to nothing.
void ConvertMetrics(const pdata::MetricBatch& batch, const ConvertOptions& options,
                    ConvertedMetrics* out);

}  // namespace otter::store
