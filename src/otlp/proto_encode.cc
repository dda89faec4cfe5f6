// OTLP protobuf encoding of pdata batches into Export*ServiceRequest bytes.
//
// Each message's layout is written once, as a template over a sink (otlp/proto_sink.h): the
// Sizer pass records every nested message's size, the Writer pass writes straight into the
// output. Fields are written in field-number order, as protoc does, so our output for a
// protoc-built message is normally byte-identical.
#include <cassert>

#include "otlp/proto_codec.h"
#include "otlp/proto_sink.h"
#include "otlp/proto_wire.h"

namespace otter::otlp {
namespace {

using wire::kI32;
using wire::kI64;
using wire::kLen;
using wire::kVarint;
using wire::Sizer;
using wire::Tag;
using wire::VarintSize;
using wire::Writer;

// ---- common messages ---------------------------------------------------------------------------

template <class S>
void EmitAnyValue(S& s, const pdata::AnyValue& v);

template <class S>
void EmitAttributes(S& s, uint32_t tag, const pdata::Attributes& attrs) {
  for (const pdata::KeyValue& kv : attrs) {
    s.Message(tag, [&] {
      s.String(Tag(1, kLen), kv.key);
      s.Message(Tag(2, kLen), [&] { EmitAnyValue(s, kv.value); });
    });
  }
}

template <class S>
void EmitAnyValue(S& s, const pdata::AnyValue& v) {
  using T = pdata::AnyValue::Type;
  switch (v.type) {
    case T::kEmpty:
      break;
    case T::kString:
      s.StringAlways(Tag(1, kLen), v.string_value);
      break;
    case T::kBool:
      s.VarintAlways(Tag(2, kVarint), v.bool_value ? 1 : 0);
      break;
    case T::kInt:
      s.VarintAlways(Tag(3, kVarint), static_cast<uint64_t>(v.int_value));
      break;
    case T::kDouble:
      s.DoubleAlways(Tag(4, kI64), v.double_value);
      break;
    case T::kArray:
      s.Message(Tag(5, kLen), [&] {
        for (const pdata::AnyValue& e : v.array_value) {
          s.Message(Tag(1, kLen), [&] { EmitAnyValue(s, e); });
        }
      });
      break;
    case T::kKvList:
      s.Message(Tag(6, kLen), [&] { EmitAttributes(s, Tag(1, kLen), v.kvlist_value); });
      break;
    case T::kBytes:
      s.StringAlways(Tag(7, kLen), v.string_value);
      break;
  }
}

template <class S>
void EmitResource(S& s, const pdata::Resource& r) {
  s.MessageIfNonEmpty(Tag(1, kLen), [&] {
    EmitAttributes(s, Tag(1, kLen), r.attributes);
    s.Varint(Tag(2, kVarint), r.dropped_attributes_count);
  });
}

template <class S>
void EmitScope(S& s, const pdata::InstrumentationScope& sc) {
  s.MessageIfNonEmpty(Tag(1, kLen), [&] {
    s.String(Tag(1, kLen), sc.name);
    s.String(Tag(2, kLen), sc.version);
    EmitAttributes(s, Tag(3, kLen), sc.attributes);
    s.Varint(Tag(4, kVarint), sc.dropped_attributes_count);
  });
}

// Request -> Resource* -> Scope* -> items: the shape shared by all three signals.
template <class S, class R, class EmitItems>
void EmitRequest(S& s, const std::vector<R>& resources, EmitItems emit_items) {
  for (const R& r : resources) {
    s.Message(Tag(1, kLen), [&] {
      EmitResource(s, r.resource);
      for (const auto& scope : r.*R::kScopes) {
        s.Message(Tag(2, kLen), [&] {
          EmitScope(s, scope.scope);
          emit_items(scope);
          s.String(Tag(3, kLen), scope.schema_url);
        });
      }
      s.String(Tag(3, kLen), r.schema_url);
    });
  }
}

// ---- traces ------------------------------------------------------------------------------------

template <class S>
void EmitSpan(S& s, const pdata::Span& sp) {
  s.Id(Tag(1, kLen), sp.trace_id);
  s.Id(Tag(2, kLen), sp.span_id);
  s.String(Tag(3, kLen), sp.trace_state);
  s.Id(Tag(4, kLen), sp.parent_span_id);
  s.String(Tag(5, kLen), sp.name);
  s.Int32(Tag(6, kVarint), static_cast<int32_t>(sp.kind));
  s.Fixed64(Tag(7, kI64), sp.start_time_unix_nano);
  s.Fixed64(Tag(8, kI64), sp.end_time_unix_nano);
  EmitAttributes(s, Tag(9, kLen), sp.attributes);
  s.Varint(Tag(10, kVarint), sp.dropped_attributes_count);
  for (const pdata::SpanEvent& e : sp.events) {
    s.Message(Tag(11, kLen), [&] {
      s.Fixed64(Tag(1, kI64), e.time_unix_nano);
      s.String(Tag(2, kLen), e.name);
      EmitAttributes(s, Tag(3, kLen), e.attributes);
      s.Varint(Tag(4, kVarint), e.dropped_attributes_count);
    });
  }
  s.Varint(Tag(12, kVarint), sp.dropped_events_count);
  for (const pdata::SpanLink& l : sp.links) {
    s.Message(Tag(13, kLen), [&] {
      s.Id(Tag(1, kLen), l.trace_id);
      s.Id(Tag(2, kLen), l.span_id);
      s.String(Tag(3, kLen), l.trace_state);
      EmitAttributes(s, Tag(4, kLen), l.attributes);
      s.Varint(Tag(5, kVarint), l.dropped_attributes_count);
      s.Fixed32(Tag(6, kI32), l.flags);
    });
  }
  s.Varint(Tag(14, kVarint), sp.dropped_links_count);
  s.MessageIfNonEmpty(Tag(15, kLen), [&] {
    s.String(Tag(2, kLen), sp.status.message);
    s.Int32(Tag(3, kVarint), static_cast<int32_t>(sp.status.code));
  });
  s.Fixed32(Tag(16, kI32), sp.flags);
}

template <class S>
void EmitTraces(S& s, const pdata::TraceBatch& b) {
  EmitRequest(s, b.resources(), [&](const pdata::ScopeSpans& ss) {
    for (const pdata::Span& sp : ss.spans) s.Message(Tag(2, kLen), [&] { EmitSpan(s, sp); });
  });
}

// ---- metrics -----------------------------------------------------------------------------------

template <class S>
void EmitExemplars(S& s, uint32_t tag, const std::vector<pdata::Exemplar>& exemplars) {
  for (const pdata::Exemplar& e : exemplars) {
    s.Message(tag, [&] {
      s.Fixed64(Tag(2, kI64), e.time_unix_nano);
      // pdata has no "no value" state for exemplars: a double exemplar is always written.
      if (!e.is_int) s.DoubleAlways(Tag(3, kI64), e.as_double);
      s.Id(Tag(4, kLen), e.span_id);
      s.Id(Tag(5, kLen), e.trace_id);
      if (e.is_int) s.Fixed64Always(Tag(6, kI64), static_cast<uint64_t>(e.as_int));
      EmitAttributes(s, Tag(7, kLen), e.filtered_attributes);
    });
  }
}

template <class S>
void EmitOptionalDouble(S& s, uint32_t tag, const std::optional<double>& v) {
  if (v) s.DoubleAlways(tag, *v);
}

template <class S>
void EmitNumberPoints(S& s, const std::vector<pdata::NumberDataPoint>& points) {
  using VT = pdata::NumberDataPoint::ValueType;
  for (const pdata::NumberDataPoint& p : points) {
    s.Message(Tag(1, kLen), [&] {
      s.Fixed64(Tag(2, kI64), p.start_time_unix_nano);
      s.Fixed64(Tag(3, kI64), p.time_unix_nano);
      if (p.value_type == VT::kDouble) s.DoubleAlways(Tag(4, kI64), p.as_double);
      EmitExemplars(s, Tag(5, kLen), p.exemplars);
      if (p.value_type == VT::kInt) s.Fixed64Always(Tag(6, kI64), static_cast<uint64_t>(p.as_int));
      EmitAttributes(s, Tag(7, kLen), p.attributes);
      s.Varint(Tag(8, kVarint), p.flags);
    });
  }
}

template <class S>
void EmitHistogramPoints(S& s, const std::vector<pdata::HistogramDataPoint>& points) {
  for (const pdata::HistogramDataPoint& p : points) {
    s.Message(Tag(1, kLen), [&] {
      s.Fixed64(Tag(2, kI64), p.start_time_unix_nano);
      s.Fixed64(Tag(3, kI64), p.time_unix_nano);
      s.Fixed64(Tag(4, kI64), p.count);
      EmitOptionalDouble(s, Tag(5, kI64), p.sum);
      s.PackedFixed(Tag(6, kLen), p.bucket_counts);
      s.PackedFixed(Tag(7, kLen), p.explicit_bounds);
      EmitExemplars(s, Tag(8, kLen), p.exemplars);
      EmitAttributes(s, Tag(9, kLen), p.attributes);
      s.Varint(Tag(10, kVarint), p.flags);
      EmitOptionalDouble(s, Tag(11, kI64), p.min);
      EmitOptionalDouble(s, Tag(12, kI64), p.max);
    });
  }
}

template <class S>
void EmitBuckets(S& s, uint32_t tag, const pdata::ExponentialBuckets& b) {
  s.MessageIfNonEmpty(tag, [&] {
    s.Varint(Tag(1, kVarint), wire::ZigZagEncode32(b.offset));
    s.PackedVarint(Tag(2, kLen), b.bucket_counts);
  });
}

template <class S>
void EmitExpHistogramPoints(S& s, const std::vector<pdata::ExponentialHistogramDataPoint>& points) {
  for (const pdata::ExponentialHistogramDataPoint& p : points) {
    s.Message(Tag(1, kLen), [&] {
      EmitAttributes(s, Tag(1, kLen), p.attributes);
      s.Fixed64(Tag(2, kI64), p.start_time_unix_nano);
      s.Fixed64(Tag(3, kI64), p.time_unix_nano);
      s.Fixed64(Tag(4, kI64), p.count);
      EmitOptionalDouble(s, Tag(5, kI64), p.sum);
      s.Varint(Tag(6, kVarint), wire::ZigZagEncode32(p.scale));
      s.Fixed64(Tag(7, kI64), p.zero_count);
      EmitBuckets(s, Tag(8, kLen), p.positive);
      EmitBuckets(s, Tag(9, kLen), p.negative);
      s.Varint(Tag(10, kVarint), p.flags);
      EmitExemplars(s, Tag(11, kLen), p.exemplars);
      EmitOptionalDouble(s, Tag(12, kI64), p.min);
      EmitOptionalDouble(s, Tag(13, kI64), p.max);
      s.Double(Tag(14, kI64), p.zero_threshold);
    });
  }
}

template <class S>
void EmitSummaryPoints(S& s, const std::vector<pdata::SummaryDataPoint>& points) {
  for (const pdata::SummaryDataPoint& p : points) {
    s.Message(Tag(1, kLen), [&] {
      s.Fixed64(Tag(2, kI64), p.start_time_unix_nano);
      s.Fixed64(Tag(3, kI64), p.time_unix_nano);
      s.Fixed64(Tag(4, kI64), p.count);
      s.Double(Tag(5, kI64), p.sum);
      for (const pdata::QuantileValue& q : p.quantile_values) {
        s.Message(Tag(6, kLen), [&] {
          s.Double(Tag(1, kI64), q.quantile);
          s.Double(Tag(2, kI64), q.value);
        });
      }
      EmitAttributes(s, Tag(7, kLen), p.attributes);
      s.Varint(Tag(8, kVarint), p.flags);
    });
  }
}

template <class S>
void EmitMetric(S& s, const pdata::Metric& m) {
  using MT = pdata::MetricType;
  s.String(Tag(1, kLen), m.name);
  s.String(Tag(2, kLen), m.description);
  s.String(Tag(3, kLen), m.unit);
  auto temporality = [&] { s.Int32(Tag(2, kVarint), static_cast<int32_t>(m.temporality)); };
  switch (m.type) {
    case MT::kEmpty:
      break;
    case MT::kGauge:
      s.Message(Tag(5, kLen), [&] { EmitNumberPoints(s, m.number_points); });
      break;
    case MT::kSum:
      s.Message(Tag(7, kLen), [&] {
        EmitNumberPoints(s, m.number_points);
        temporality();
        s.Varint(Tag(3, kVarint), m.is_monotonic ? 1 : 0);
      });
      break;
    case MT::kHistogram:
      s.Message(Tag(9, kLen), [&] {
        EmitHistogramPoints(s, m.histogram_points);
        temporality();
      });
      break;
    case MT::kExponentialHistogram:
      s.Message(Tag(10, kLen), [&] {
        EmitExpHistogramPoints(s, m.exp_histogram_points);
        temporality();
      });
      break;
    case MT::kSummary:
      s.Message(Tag(11, kLen), [&] { EmitSummaryPoints(s, m.summary_points); });
      break;
  }
  EmitAttributes(s, Tag(12, kLen), m.metadata);
}

template <class S>
void EmitMetrics(S& s, const pdata::MetricBatch& b) {
  EmitRequest(s, b.resources(), [&](const pdata::ScopeMetrics& sm) {
    for (const pdata::Metric& m : sm.metrics) s.Message(Tag(2, kLen), [&] { EmitMetric(s, m); });
  });
}

// ---- logs --------------------------------------------------------------------------------------

template <class S>
void EmitLogRecord(S& s, const pdata::LogRecord& r) {
  s.Fixed64(Tag(1, kI64), r.time_unix_nano);
  s.Int32(Tag(2, kVarint), r.severity_number);
  s.String(Tag(3, kLen), r.severity_text);
  s.MessageIfNonEmpty(Tag(5, kLen), [&] { EmitAnyValue(s, r.body); });
  EmitAttributes(s, Tag(6, kLen), r.attributes);
  s.Varint(Tag(7, kVarint), r.dropped_attributes_count);
  s.Fixed32(Tag(8, kI32), r.flags);
  s.Id(Tag(9, kLen), r.trace_id);
  s.Id(Tag(10, kLen), r.span_id);
  s.Fixed64(Tag(11, kI64), r.observed_time_unix_nano);
  s.String(Tag(12, kLen), r.event_name);
}

template <class S>
void EmitLogs(S& s, const pdata::LogBatch& b) {
  EmitRequest(s, b.resources(), [&](const pdata::ScopeLogs& sl) {
    for (const pdata::LogRecord& r : sl.log_records) {
      s.Message(Tag(2, kLen), [&] { EmitLogRecord(s, r); });
    }
  });
}

// ---- driver ------------------------------------------------------------------------------------

template <class Batch, class Emit>
void Encode(const Batch& batch, std::string* out, Emit emit) {
  wire::EncodeTwoPass(out, batch.ItemCount() * 24 + 16, [&](auto& s) { emit(s, batch); });
}

template <class Batch, class Emit>
size_t EncodedSize(const Batch& batch, Emit emit) {
  std::vector<uint32_t> cache;
  Sizer sizer(&cache);
  emit(sizer, batch);
  return sizer.size();
}

constexpr auto kTraces = [](auto& s, const pdata::TraceBatch& b) { EmitTraces(s, b); };
constexpr auto kMetrics = [](auto& s, const pdata::MetricBatch& b) { EmitMetrics(s, b); };
constexpr auto kLogs = [](auto& s, const pdata::LogBatch& b) { EmitLogs(s, b); };

}  // namespace

void EncodeTraces(const pdata::TraceBatch& batch, std::string* out) { Encode(batch, out, kTraces); }
void EncodeMetrics(const pdata::MetricBatch& batch, std::string* out) {
  Encode(batch, out, kMetrics);
}
void EncodeLogs(const pdata::LogBatch& batch, std::string* out) { Encode(batch, out, kLogs); }

size_t EncodedTracesSize(const pdata::TraceBatch& batch) { return EncodedSize(batch, kTraces); }
size_t EncodedMetricsSize(const pdata::MetricBatch& batch) { return EncodedSize(batch, kMetrics); }
size_t EncodedLogsSize(const pdata::LogBatch& batch) { return EncodedSize(batch, kLogs); }

}  // namespace otter::otlp
