// OTLP protobuf decoding of ExportMetricsServiceRequest (== MetricsData) into pdata metrics.
#include "otlp/proto_decode_internal.h"

namespace otter::otlp::internal {
namespace {

using wire::kI64;
using wire::kLen;
using wire::kVarint;
using wire::Tag;
using Ptr = ProtoDecoder::Ptr;

constexpr FieldInfo kRequestFields[] = {{1, kLen, "resource_metrics"}};
constexpr FieldInfo kResourceMetricsFields[] = {
    {1, kLen, "resource"}, {2, kLen, "scope_metrics"}, {3, kLen, "schema_url"}};
constexpr FieldInfo kScopeMetricsFields[] = {
    {1, kLen, "scope"}, {2, kLen, "metrics"}, {3, kLen, "schema_url"}};
constexpr FieldInfo kMetricFields[] = {
    {1, kLen, "name"},
    {2, kLen, "description"},
    {3, kLen, "unit"},
    {5, kLen, "gauge"},
    {7, kLen, "sum"},
    {9, kLen, "histogram"},
    {10, kLen, "exponential_histogram"},
    {11, kLen, "summary"},
    {12, kLen, "metadata"},
};
constexpr FieldInfo kPointsFields[] = {{1, kLen, "data_points"},
                                       {2, kVarint, "aggregation_temporality"},
                                       {3, kVarint, "is_monotonic"}};
constexpr FieldInfo kNumberPointFields[] = {
    {2, kI64, "start_time_unix_nano"},
    {3, kI64, "time_unix_nano"},
    {4, kI64, "as_double"},
    {5, kLen, "exemplars"},
    {6, kI64, "as_int"},
    {7, kLen, "attributes"},
    {8, kVarint, "flags"},
};
constexpr FieldInfo kHistogramPointFields[] = {
    {2, kI64, "start_time_unix_nano"},
    {3, kI64, "time_unix_nano"},
    {4, kI64, "count"},
    {5, kI64, "sum"},
    {6, kLen, "bucket_counts"},
    {7, kLen, "explicit_bounds"},
    {8, kLen, "exemplars"},
    {9, kLen, "attributes"},
    {10, kVarint, "flags"},
    {11, kI64, "min"},
    {12, kI64, "max"},
};
constexpr FieldInfo kExpHistogramPointFields[] = {
    {1, kLen, "attributes"},
    {2, kI64, "start_time_unix_nano"},
    {3, kI64, "time_unix_nano"},
    {4, kI64, "count"},
    {5, kI64, "sum"},
    {6, kVarint, "scale"},
    {7, kI64, "zero_count"},
    {8, kLen, "positive"},
    {9, kLen, "negative"},
    {10, kVarint, "flags"},
    {11, kLen, "exemplars"},
    {12, kI64, "min"},
    {13, kI64, "max"},
    {14, kI64, "zero_threshold"},
};
constexpr FieldInfo kBucketsFields[] = {{1, kVarint, "offset"}, {2, kLen, "bucket_counts"}};
constexpr FieldInfo kSummaryPointFields[] = {
    {2, kI64, "start_time_unix_nano"},
    {3, kI64, "time_unix_nano"},
    {4, kI64, "count"},
    {5, kI64, "sum"},
    {6, kLen, "quantile_values"},
    {7, kLen, "attributes"},
    {8, kVarint, "flags"},
};
constexpr FieldInfo kQuantileFields[] = {{1, kI64, "quantile"}, {2, kI64, "value"}};
constexpr FieldInfo kExemplarFields[] = {
    {2, kI64, "time_unix_nano"}, {3, kI64, "as_double"}, {4, kLen, "span_id"},
    {5, kLen, "trace_id"},       {6, kI64, "as_int"},    {7, kLen, "filtered_attributes"},
};

// Appends a decoded element of a repeated message field; on error reports "<field>[i]".
template <class T, class Fn>
bool Element(ProtoDecoder& d, Ptr& p, Ptr end, std::vector<T>& v, const char* field, Fn decode) {
  Ptr sub_end;
  if (!d.Sub(p, end, &sub_end)) return false;
  T& el = v.emplace_back();
  if (!decode(d, p, sub_end, el)) return d.In(field, v.size() - 1);
  p = sub_end;
  return true;
}

bool DecodeExemplar(ProtoDecoder& d, Ptr p, Ptr end, pdata::Exemplar& e) {
  while (p < end) {
    uint32_t tag;
    if (!d.ReadTag(p, end, &tag)) return false;
    switch (tag) {
      case Tag(7, kLen):
        if (!d.Attribute(p, end, e.filtered_attributes, "filtered_attributes")) return false;
        break;
      case Tag(2, kI64):
        if (!d.Fixed64(p, end, &e.time_unix_nano)) return false;
        break;
      case Tag(3, kI64):
        if (!d.Double(p, end, &e.as_double)) return false;
        e.is_int = false;
        e.as_int = 0;
        break;
      case Tag(6, kI64): {
        uint64_t v;
        if (!d.Fixed64(p, end, &v)) return false;
        e.is_int = true;
        e.as_int = static_cast<int64_t>(v);
        e.as_double = 0;
        break;
      }
      case Tag(4, kLen):
        if (!d.Id(p, end, e.span_id, "span_id")) return false;
        break;
      case Tag(5, kLen):
        if (!d.Id(p, end, e.trace_id, "trace_id")) return false;
        break;
      default:
        if (!d.Other(p, end, tag, kExemplarFields)) return false;
    }
  }
  return true;
}

bool DecodeNumberPoint(ProtoDecoder& d, Ptr p, Ptr end, pdata::NumberDataPoint& dp) {
  dp.attributes.reserve(dp.attributes.size() + ProtoDecoder::CountTag(p, end, Tag(7, kLen)));
  while (p < end) {
    uint32_t tag;
    if (!d.ReadTag(p, end, &tag)) return false;
    switch (tag) {
      case Tag(7, kLen):
        if (!d.Attribute(p, end, dp.attributes, "attributes")) return false;
        break;
      case Tag(2, kI64):
        if (!d.Fixed64(p, end, &dp.start_time_unix_nano)) return false;
        break;
      case Tag(3, kI64):
        if (!d.Fixed64(p, end, &dp.time_unix_nano)) return false;
        break;
      case Tag(4, kI64):
        if (!d.Double(p, end, &dp.as_double)) return false;
        dp.value_type = pdata::NumberDataPoint::ValueType::kDouble;
        dp.as_int = 0;
        break;
      case Tag(6, kI64): {
        uint64_t v;
        if (!d.Fixed64(p, end, &v)) return false;
        dp.value_type = pdata::NumberDataPoint::ValueType::kInt;
        dp.as_int = static_cast<int64_t>(v);
        dp.as_double = 0;
        break;
      }
      case Tag(5, kLen):
        if (!Element(d, p, end, dp.exemplars, "exemplars", DecodeExemplar)) return false;
        break;
      case Tag(8, kVarint):
        if (!d.U32(p, end, &dp.flags)) return false;
        break;
      default:
        if (!d.Other(p, end, tag, kNumberPointFields)) return false;
    }
  }
  return true;
}

bool OptionalDouble(ProtoDecoder& d, Ptr& p, Ptr end, std::optional<double>& out) {
  double v;
  if (!d.Double(p, end, &v)) return false;
  out = v;
  return true;
}

bool DecodeHistogramPoint(ProtoDecoder& d, Ptr p, Ptr end, pdata::HistogramDataPoint& dp) {
  dp.attributes.reserve(dp.attributes.size() + ProtoDecoder::CountTag(p, end, Tag(9, kLen)));
  while (p < end) {
    uint32_t tag;
    if (!d.ReadTag(p, end, &tag)) return false;
    switch (tag) {
      case Tag(9, kLen):
        if (!d.Attribute(p, end, dp.attributes, "attributes")) return false;
        break;
      case Tag(2, kI64):
        if (!d.Fixed64(p, end, &dp.start_time_unix_nano)) return false;
        break;
      case Tag(3, kI64):
        if (!d.Fixed64(p, end, &dp.time_unix_nano)) return false;
        break;
      case Tag(4, kI64):
        if (!d.Fixed64(p, end, &dp.count)) return false;
        break;
      case Tag(5, kI64):
        if (!OptionalDouble(d, p, end, dp.sum)) return false;
        break;
      case Tag(6, kLen):
      case Tag(6, kI64):
        if (!d.PackedFixed64(p, end, tag, dp.bucket_counts, "bucket_counts")) return false;
        break;
      case Tag(7, kLen):
      case Tag(7, kI64):
        if (!d.PackedDouble(p, end, tag, dp.explicit_bounds, "explicit_bounds")) return false;
        break;
      case Tag(8, kLen):
        if (!Element(d, p, end, dp.exemplars, "exemplars", DecodeExemplar)) return false;
        break;
      case Tag(10, kVarint):
        if (!d.U32(p, end, &dp.flags)) return false;
        break;
      case Tag(11, kI64):
        if (!OptionalDouble(d, p, end, dp.min)) return false;
        break;
      case Tag(12, kI64):
        if (!OptionalDouble(d, p, end, dp.max)) return false;
        break;
      default:
        if (!d.Other(p, end, tag, kHistogramPointFields)) return false;
    }
  }
  return true;
}

bool DecodeBuckets(ProtoDecoder& d, Ptr p, Ptr end, pdata::ExponentialBuckets& b) {
  while (p < end) {
    uint32_t tag;
    if (!d.ReadTag(p, end, &tag)) return false;
    switch (tag) {
      case Tag(1, kVarint): {
        uint32_t v;
        if (!d.U32(p, end, &v)) return false;
        b.offset = wire::ZigZagDecode32(v);
        break;
      }
      case Tag(2, kLen):
      case Tag(2, kVarint):
        if (!d.PackedVarint(p, end, tag, b.bucket_counts)) return d.In("bucket_counts");
        break;
      default:
        if (!d.Other(p, end, tag, kBucketsFields)) return false;
    }
  }
  return true;
}

bool DecodeExpHistogramPoint(ProtoDecoder& d, Ptr p, Ptr end,
                             pdata::ExponentialHistogramDataPoint& dp) {
  while (p < end) {
    uint32_t tag;
    if (!d.ReadTag(p, end, &tag)) return false;
    switch (tag) {
      case Tag(1, kLen):
        if (!d.Attribute(p, end, dp.attributes, "attributes")) return false;
        break;
      case Tag(2, kI64):
        if (!d.Fixed64(p, end, &dp.start_time_unix_nano)) return false;
        break;
      case Tag(3, kI64):
        if (!d.Fixed64(p, end, &dp.time_unix_nano)) return false;
        break;
      case Tag(4, kI64):
        if (!d.Fixed64(p, end, &dp.count)) return false;
        break;
      case Tag(5, kI64):
        if (!OptionalDouble(d, p, end, dp.sum)) return false;
        break;
      case Tag(6, kVarint): {
        uint32_t v;
        if (!d.U32(p, end, &v)) return false;
        dp.scale = wire::ZigZagDecode32(v);
        break;
      }
      case Tag(7, kI64):
        if (!d.Fixed64(p, end, &dp.zero_count)) return false;
        break;
      case Tag(8, kLen):
      case Tag(9, kLen): {
        Ptr sub_end;
        if (!d.Sub(p, end, &sub_end)) return false;
        bool positive = tag == Tag(8, kLen);
        if (!DecodeBuckets(d, p, sub_end, positive ? dp.positive : dp.negative)) {
          return d.In(positive ? "positive" : "negative");
        }
        p = sub_end;
        break;
      }
      case Tag(10, kVarint):
        if (!d.U32(p, end, &dp.flags)) return false;
        break;
      case Tag(11, kLen):
        if (!Element(d, p, end, dp.exemplars, "exemplars", DecodeExemplar)) return false;
        break;
      case Tag(12, kI64):
        if (!OptionalDouble(d, p, end, dp.min)) return false;
        break;
      case Tag(13, kI64):
        if (!OptionalDouble(d, p, end, dp.max)) return false;
        break;
      case Tag(14, kI64):
        if (!d.Double(p, end, &dp.zero_threshold)) return false;
        break;
      default:
        if (!d.Other(p, end, tag, kExpHistogramPointFields)) return false;
    }
  }
  return true;
}

bool DecodeQuantile(ProtoDecoder& d, Ptr p, Ptr end, pdata::QuantileValue& q) {
  while (p < end) {
    uint32_t tag;
    if (!d.ReadTag(p, end, &tag)) return false;
    switch (tag) {
      case Tag(1, kI64):
        if (!d.Double(p, end, &q.quantile)) return false;
        break;
      case Tag(2, kI64):
        if (!d.Double(p, end, &q.value)) return false;
        break;
      default:
        if (!d.Other(p, end, tag, kQuantileFields)) return false;
    }
  }
  return true;
}

bool DecodeSummaryPoint(ProtoDecoder& d, Ptr p, Ptr end, pdata::SummaryDataPoint& dp) {
  while (p < end) {
    uint32_t tag;
    if (!d.ReadTag(p, end, &tag)) return false;
    switch (tag) {
      case Tag(7, kLen):
        if (!d.Attribute(p, end, dp.attributes, "attributes")) return false;
        break;
      case Tag(2, kI64):
        if (!d.Fixed64(p, end, &dp.start_time_unix_nano)) return false;
        break;
      case Tag(3, kI64):
        if (!d.Fixed64(p, end, &dp.time_unix_nano)) return false;
        break;
      case Tag(4, kI64):
        if (!d.Fixed64(p, end, &dp.count)) return false;
        break;
      case Tag(5, kI64):
        if (!d.Double(p, end, &dp.sum)) return false;
        break;
      case Tag(6, kLen):
        if (!Element(d, p, end, dp.quantile_values, "quantile_values", DecodeQuantile)) {
          return false;
        }
        break;
      case Tag(8, kVarint):
        if (!d.U32(p, end, &dp.flags)) return false;
        break;
      default:
        if (!d.Other(p, end, tag, kSummaryPointFields)) return false;
    }
  }
  return true;
}

// Oneof `data`: a different member replaces the previous one; the same member again merges.
void Become(pdata::Metric& m, pdata::MetricType t) {
  if (m.type == t) return;
  m.number_points.clear();
  m.histogram_points.clear();
  m.exp_histogram_points.clear();
  m.summary_points.clear();
  m.temporality = pdata::AggregationTemporality::kUnspecified;
  m.is_monotonic = false;
  m.type = t;
}

// Gauge / Sum / Histogram / ExponentialHistogram / Summary: data_points = 1, plus (where the
// kind has them) aggregation_temporality = 2 and is_monotonic = 3.
template <class Point, class Fn>
bool DecodePoints(ProtoDecoder& d, Ptr p, Ptr end, pdata::Metric& m, std::vector<Point>& points,
                  Fn decode_point, bool has_temporality, bool has_monotonic) {
  points.reserve(points.size() + ProtoDecoder::CountTag(p, end, Tag(1, kLen)));
  while (p < end) {
    uint32_t tag;
    if (!d.ReadTag(p, end, &tag)) return false;
    if (tag == Tag(1, kLen)) {
      if (!Element(d, p, end, points, "data_points", decode_point)) return false;
    } else if (tag == Tag(2, kVarint) && has_temporality) {
      int32_t t;
      if (!d.I32(p, end, &t)) return false;
      m.temporality = static_cast<pdata::AggregationTemporality>(t);
    } else if (tag == Tag(3, kVarint) && has_monotonic) {
      uint64_t v;
      if (!d.Varint(p, end, &v)) return false;
      m.is_monotonic = v != 0;
    } else {
      size_t known = has_monotonic ? 3 : has_temporality ? 2 : 1;
      if (!d.Other(p, end, tag, kPointsFields, known)) return false;
    }
  }
  return true;
}

bool DecodeMetric(ProtoDecoder& d, Ptr p, Ptr end, pdata::Metric& m) {
  using MT = pdata::MetricType;
  while (p < end) {
    uint32_t tag;
    if (!d.ReadTag(p, end, &tag)) return false;
    Ptr sub_end;
    switch (tag) {
      case Tag(1, kLen):
        if (!d.Str(p, end, &m.name)) return false;
        break;
      case Tag(2, kLen):
        if (!d.Str(p, end, &m.description)) return false;
        break;
      case Tag(3, kLen):
        if (!d.Str(p, end, &m.unit)) return false;
        break;
      case Tag(5, kLen):
        if (!d.Sub(p, end, &sub_end)) return false;
        Become(m, MT::kGauge);
        if (!DecodePoints(d, p, sub_end, m, m.number_points, DecodeNumberPoint, false, false)) {
          return d.In("gauge");
        }
        p = sub_end;
        break;
      case Tag(7, kLen):
        if (!d.Sub(p, end, &sub_end)) return false;
        Become(m, MT::kSum);
        if (!DecodePoints(d, p, sub_end, m, m.number_points, DecodeNumberPoint, true, true)) {
          return d.In("sum");
        }
        p = sub_end;
        break;
      case Tag(9, kLen):
        if (!d.Sub(p, end, &sub_end)) return false;
        Become(m, MT::kHistogram);
        if (!DecodePoints(d, p, sub_end, m, m.histogram_points, DecodeHistogramPoint, true,
                          false)) {
          return d.In("histogram");
        }
        p = sub_end;
        break;
      case Tag(10, kLen):
        if (!d.Sub(p, end, &sub_end)) return false;
        Become(m, MT::kExponentialHistogram);
        if (!DecodePoints(d, p, sub_end, m, m.exp_histogram_points, DecodeExpHistogramPoint, true,
                          false)) {
          return d.In("exponential_histogram");
        }
        p = sub_end;
        break;
      case Tag(11, kLen):
        if (!d.Sub(p, end, &sub_end)) return false;
        Become(m, MT::kSummary);
        if (!DecodePoints(d, p, sub_end, m, m.summary_points, DecodeSummaryPoint, false, false)) {
          return d.In("summary");
        }
        p = sub_end;
        break;
      case Tag(12, kLen):
        if (!d.Attribute(p, end, m.metadata, "metadata")) return false;
        break;
      default:
        if (!d.Other(p, end, tag, kMetricFields)) return false;
    }
  }
  return true;
}

bool DecodeScopeMetrics(ProtoDecoder& d, Ptr p, Ptr end, pdata::ScopeMetrics& sm) {
  sm.metrics.reserve(sm.metrics.size() + ProtoDecoder::CountTag(p, end, Tag(2, kLen)));
  while (p < end) {
    uint32_t tag;
    if (!d.ReadTag(p, end, &tag)) return false;
    switch (tag) {
      case Tag(1, kLen): {
        Ptr sub_end;
        if (!d.Sub(p, end, &sub_end)) return false;
        if (!d.Scope(p, sub_end, sm.scope)) return d.In("scope");
        p = sub_end;
        break;
      }
      case Tag(2, kLen):
        if (!Element(d, p, end, sm.metrics, "metrics", DecodeMetric)) return false;
        break;
      case Tag(3, kLen):
        if (!d.Str(p, end, &sm.schema_url)) return false;
        break;
      default:
        if (!d.Other(p, end, tag, kScopeMetricsFields)) return false;
    }
  }
  return true;
}

bool DecodeResourceMetrics(ProtoDecoder& d, Ptr p, Ptr end, pdata::ResourceMetrics& rm) {
  rm.scope_metrics.reserve(rm.scope_metrics.size() + ProtoDecoder::CountTag(p, end, Tag(2, kLen)));
  while (p < end) {
    uint32_t tag;
    if (!d.ReadTag(p, end, &tag)) return false;
    switch (tag) {
      case Tag(1, kLen): {
        Ptr sub_end;
        if (!d.Sub(p, end, &sub_end)) return false;
        if (!d.Resource(p, sub_end, rm.resource)) return d.In("resource");
        p = sub_end;
        break;
      }
      case Tag(2, kLen):
        if (!Element(d, p, end, rm.scope_metrics, "scope_metrics", DecodeScopeMetrics)) {
          return false;
        }
        break;
      case Tag(3, kLen):
        if (!d.Str(p, end, &rm.schema_url)) return false;
        break;
      default:
        if (!d.Other(p, end, tag, kResourceMetricsFields)) return false;
    }
  }
  return true;
}

}  // namespace

bool ProtoDecoder::MetricsRequest(Ptr p, Ptr end, std::vector<pdata::ResourceMetrics>& out) {
  size_t base = out.size();
  out.reserve(base + CountTag(p, end, Tag(1, kLen)));
  return EachResource(p, end, kRequestFields, [&](Ptr b, Ptr e) {
    return DecodeResourceMetrics(*this, b, e, out.emplace_back()) ||
           In("resource_metrics", out.size() - 1 - base);
  });
}

}  // namespace otter::otlp::internal
