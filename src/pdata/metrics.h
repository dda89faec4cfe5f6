// pdata metrics: ResourceMetrics → ScopeMetrics → Metric → data points, mirroring metrics.proto.
// A Metric holds the point vector matching its type; the others stay empty.
#pragma once

#include <optional>

#include "pdata/common.h"

namespace otter::pdata {

enum class MetricType : uint8_t {
  kEmpty,
  kGauge,
  kSum,
  kHistogram,
  kExponentialHistogram,
  kSummary
};
enum class AggregationTemporality : int32_t { kUnspecified = 0, kDelta = 1, kCumulative = 2 };

constexpr uint32_t kNoRecordedValueFlag = 1;

struct Exemplar {
  Attributes filtered_attributes;
  uint64_t time_unix_nano = 0;
  bool is_int = false;  // which of the oneof members is set
  double as_double = 0;
  int64_t as_int = 0;
  SpanId span_id;
  TraceId trace_id;
  bool operator==(const Exemplar&) const = default;
};

struct NumberDataPoint {
  Attributes attributes;
  uint64_t start_time_unix_nano = 0;
  uint64_t time_unix_nano = 0;
  enum class ValueType : uint8_t { kNone, kDouble, kInt } value_type = ValueType::kNone;
  double as_double = 0;
  int64_t as_int = 0;
  std::vector<Exemplar> exemplars;
  uint32_t flags = 0;
  double ValueAsDouble() const {
    return value_type == ValueType::kInt ? static_cast<double>(as_int) : as_double;
  }
  bool operator==(const NumberDataPoint&) const = default;
};

struct HistogramDataPoint {
  Attributes attributes;
  uint64_t start_time_unix_nano = 0;
  uint64_t time_unix_nano = 0;
  uint64_t count = 0;
  std::optional<double> sum;
  std::vector<uint64_t> bucket_counts;
  std::vector<double> explicit_bounds;
  std::vector<Exemplar> exemplars;
  uint32_t flags = 0;
  std::optional<double> min;
  std::optional<double> max;
  bool operator==(const HistogramDataPoint&) const = default;
};

struct ExponentialBuckets {
  int32_t offset = 0;
  std::vector<uint64_t> bucket_counts;
  bool operator==(const ExponentialBuckets&) const = default;
};

struct ExponentialHistogramDataPoint {
  Attributes attributes;
  uint64_t start_time_unix_nano = 0;
  uint64_t time_unix_nano = 0;
  uint64_t count = 0;
  std::optional<double> sum;
  int32_t scale = 0;
  uint64_t zero_count = 0;
  ExponentialBuckets positive;
  ExponentialBuckets negative;
  uint32_t flags = 0;
  std::vector<Exemplar> exemplars;
  std::optional<double> min;
  std::optional<double> max;
  double zero_threshold = 0;
  bool operator==(const ExponentialHistogramDataPoint&) const = default;
};

struct QuantileValue {
  double quantile = 0;
  double value = 0;
  bool operator==(const QuantileValue&) const = default;
};

struct SummaryDataPoint {
  Attributes attributes;
  uint64_t start_time_unix_nano = 0;
  uint64_t time_unix_nano = 0;
  uint64_t count = 0;
  double sum = 0;
  std::vector<QuantileValue> quantile_values;
  uint32_t flags = 0;
  bool operator==(const SummaryDataPoint&) const = default;
};

struct Metric {
  std::string_view name;
  std::string_view description;
  std::string_view unit;
  MetricType type = MetricType::kEmpty;
  AggregationTemporality temporality = AggregationTemporality::kUnspecified;  // sum/hist/exphist
  bool is_monotonic = false;                                                  // sum only
  std::vector<NumberDataPoint> number_points;                                 // gauge, sum
  std::vector<HistogramDataPoint> histogram_points;                           // histogram
  std::vector<ExponentialHistogramDataPoint> exp_histogram_points;  // exponential_histogram
  std::vector<SummaryDataPoint> summary_points;                     // summary
  Attributes metadata;

  size_t DataPointCount() const {
    return number_points.size() + histogram_points.size() + exp_histogram_points.size() +
           summary_points.size();
  }
  bool operator==(const Metric&) const = default;
};

struct ScopeMetrics {
  InstrumentationScope scope;
  std::vector<Metric> metrics;
  std::string_view schema_url;
  bool operator==(const ScopeMetrics&) const = default;
};

struct ResourceMetrics {
  Resource resource;
  std::vector<ScopeMetrics> scope_metrics;
  std::string_view schema_url;
  bool operator==(const ResourceMetrics&) const = default;

  using Scope = ScopeMetrics;
  static constexpr std::vector<ScopeMetrics> ResourceMetrics::*kScopes =
      &ResourceMetrics::scope_metrics;
  static size_t ItemCount(const ScopeMetrics& s) {
    size_t n = 0;
    for (const auto& m : s.metrics) n += m.DataPointCount();
    return n;
  }
};

}  // namespace otter::pdata
