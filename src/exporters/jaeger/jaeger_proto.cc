#include "exporters/jaeger/jaeger_proto.h"

#include <cstdint>
#include <limits>
#include <vector>

#include "otlp/proto_sink.h"
#include "otlp/proto_wire.h"
#include "query/jaeger_json.h"

namespace otter::jaeger_exporter {
namespace {

using otlp::wire::kI64;
using otlp::wire::kLen;
using otlp::wire::kVarint;
using otlp::wire::Tag;
using pdata::AnyValue;

// model.proto's ValueType and SpanRefType.
enum ValueType : uint64_t { kString = 0, kBool = 1, kInt64 = 2, kFloat64 = 3, kBinary = 4 };
enum RefType : uint64_t { kChildOf = 0, kFollowsFrom = 1 };
constexpr uint32_t kSampledFlag = 1;  // Jaeger's and W3C's sampled bit

constexpr int64_t kNanosPerSecond = 1'000'000'000;

// State shared by both passes over one ResourceSpans; the vector is reused span after span.
struct Scratch {
  std::vector<query::jaeger::SpanReference> refs;
};

// google.protobuf.Timestamp / Duration bodies: seconds = 1 (int64), nanos = 2 (int32), both
// with the sign of the whole (Go's time.Duration split, as gogoproto's stdduration writes it).
template <class S>
void EmitSecondsNanos(S& s, int64_t nanos) {
  s.Varint(Tag(1, kVarint), static_cast<uint64_t>(nanos / kNanosPerSecond));
  s.Int32(Tag(2, kVarint), static_cast<int32_t>(nanos % kNanosPerSecond));
}

// Go's end.Sub(start): the signed difference, saturated at the int64 bounds.
int64_t DurationNanos(uint64_t start, uint64_t end) {
  constexpr uint64_t kMax = std::numeric_limits<int64_t>::max();
  if (end >= start) return end - start > kMax ? static_cast<int64_t>(kMax) : end - start;
  uint64_t d = start - end;
  return d > kMax ? std::numeric_limits<int64_t>::min() : -static_cast<int64_t>(d);
}

// A model.KeyValue body: typed values; maps and lists as JSON strings (pcommon's AsString).
template <class S>
void EmitValue(S& s, std::string_view key, const AnyValue& v) {
  s.String(Tag(1, kLen), key);
  switch (v.type) {
    case AnyValue::Type::kEmpty:  // no case in the translator: an empty STRING tag
      break;
    case AnyValue::Type::kString:
      s.String(Tag(3, kLen), v.string_value);
      break;
    case AnyValue::Type::kBool:
      s.Varint(Tag(2, kVarint), kBool);
      s.Varint(Tag(4, kVarint), v.bool_value);
      break;
    case AnyValue::Type::kInt:
      s.Varint(Tag(2, kVarint), kInt64);
      s.Varint(Tag(5, kVarint), static_cast<uint64_t>(v.int_value));
      break;
    case AnyValue::Type::kDouble:
      s.Varint(Tag(2, kVarint), kFloat64);
      s.Double(Tag(6, kI64), v.double_value);
      break;
    case AnyValue::Type::kBytes:
      s.Varint(Tag(2, kVarint), kBinary);
      s.String(Tag(7, kLen), v.string_value);
      break;
    case AnyValue::Type::kArray:
    case AnyValue::Type::kKvList:
      s.String(Tag(3, kLen), query::jaeger::AnyValueAsJson(v));
      break;
  }
}

template <class S>
void EmitTag(S& s, uint32_t tag, std::string_view key, const AnyValue& v) {
  s.Message(tag, [&] { EmitValue(s, key, v); });
}
template <class S>
void EmitStringTag(S& s, uint32_t tag, std::string_view key, std::string_view value) {
  s.Message(tag, [&] {
    s.String(Tag(1, kLen), key);
    s.String(Tag(3, kLen), value);
  });
}
// The non-OTLP mapping's otel.dropped_*_count tags: INT64, only when non-zero.
template <class S>
void EmitCountTag(S& s, uint32_t tag, std::string_view key, uint32_t count) {
  if (count == 0) return;
  s.Message(tag, [&] {
    s.String(Tag(1, kLen), key);
    s.Varint(Tag(2, kVarint), kInt64);
    s.Varint(Tag(5, kVarint), count);
  });
}

// model.Process: service.name as service_name, every other resource attribute a tag.
template <class S>
void EmitProcess(S& s, const pdata::Resource& resource) {
  s.String(Tag(1, kLen), query::jaeger::ServiceNameOf(resource));
  for (const pdata::KeyValue& kv : resource.attributes) {
    if (kv.key != "service.name") EmitTag(s, Tag(2, kLen), kv.key, kv.value);
  }
}

template <class S>
void EmitReference(S& s, const query::jaeger::SpanReference& r) {
  s.Message(Tag(4, kLen), [&] {
    s.IdAlways(Tag(1, kLen), *r.trace_id);
    s.IdAlways(Tag(2, kLen), *r.span_id);
    s.Varint(Tag(3, kVarint), r.child_of ? kChildOf : kFollowsFrom);
  });
}

// Span tags in the translator's order, then the dropped counts.
template <class S>
void EmitSpanTags(S& s, const pdata::InstrumentationScope& scope, const pdata::Span& span) {
  constexpr uint32_t kTags = Tag(8, kLen);
  if (!scope.name.empty()) EmitStringTag(s, kTags, "otel.scope.name", scope.name);
  if (!scope.version.empty()) EmitStringTag(s, kTags, "otel.scope.version", scope.version);
  for (const pdata::KeyValue& kv : span.attributes) EmitTag(s, kTags, kv.key, kv.value);
  std::string_view kind = query::jaeger::SpanKindTag(span.kind);
  if (!kind.empty()) EmitStringTag(s, kTags, "span.kind", kind);
  if (span.status.code == pdata::StatusCode::kError) {
    EmitStringTag(s, kTags, "otel.status_code", "ERROR");
    EmitTag(s, kTags, "error", AnyValue::Bool(true));
  } else if (span.status.code == pdata::StatusCode::kOk) {
    EmitStringTag(s, kTags, "otel.status_code", "OK");
  }
  if (!span.status.message.empty())
    EmitStringTag(s, kTags, "otel.status_description", span.status.message);
  if (!span.trace_state.empty()) EmitStringTag(s, kTags, "w3c.tracestate", span.trace_state);
  EmitCountTag(s, kTags, "otel.dropped_attributes_count", span.dropped_attributes_count);
  EmitCountTag(s, kTags, "otel.dropped_events_count", span.dropped_events_count);
  EmitCountTag(s, kTags, "otel.dropped_links_count", span.dropped_links_count);
}

// An event as a model.Log: its name as the `event` field (unless an attribute has that key),
// then its attributes.
template <class S>
void EmitLog(S& s, const pdata::SpanEvent& e) {
  s.Message(Tag(9, kLen), [&] {
    s.Message(Tag(1, kLen), [&] { EmitSecondsNanos(s, static_cast<int64_t>(e.time_unix_nano)); });
    constexpr uint32_t kFields = Tag(2, kLen);
    if (!e.name.empty() && !pdata::FindAttribute(e.attributes, "event"))
      EmitStringTag(s, kFields, "event", e.name);
    for (const pdata::KeyValue& kv : e.attributes) EmitTag(s, kFields, kv.key, kv.value);
    EmitCountTag(s, kFields, "otel.dropped_attributes_count", e.dropped_attributes_count);
  });
}

template <class S>
void EmitSpan(S& s, Scratch& scratch, const pdata::InstrumentationScope& scope,
              const pdata::Span& span) {
  s.IdAlways(Tag(1, kLen), span.trace_id);
  s.IdAlways(Tag(2, kLen), span.span_id);
  s.String(Tag(3, kLen), span.name);
  query::jaeger::SpanReferences(span, &scratch.refs);
  for (const auto& r : scratch.refs) EmitReference(s, r);
  s.Varint(Tag(5, kVarint), span.flags & kSampledFlag);
  s.Message(Tag(6, kLen),
            [&] { EmitSecondsNanos(s, static_cast<int64_t>(span.start_time_unix_nano)); });
  s.Message(Tag(7, kLen), [&] {
    EmitSecondsNanos(s, DurationNanos(span.start_time_unix_nano, span.end_time_unix_nano));
  });
  EmitSpanTags(s, scope, span);
  for (const pdata::SpanEvent& e : span.events) EmitLog(s, e);
}

// PostSpansRequest { batch = 1: Batch { spans = 1, process = 2 } }.
template <class S>
void EmitRequest(S& s, Scratch& scratch, const pdata::ResourceSpans& rs) {
  s.Message(Tag(1, kLen), [&] {
    for (const pdata::ScopeSpans& ss : rs.scope_spans) {
      for (const pdata::Span& span : ss.spans)
        s.Message(Tag(1, kLen), [&] { EmitSpan(s, scratch, ss.scope, span); });
    }
    s.Message(Tag(2, kLen), [&] { EmitProcess(s, rs.resource); });
  });
}

}  // namespace

size_t EncodePostSpansRequests(const pdata::TraceBatch& batch, std::string* out) {
  Scratch scratch;
  size_t requests = 0;
  for (const pdata::ResourceSpans& rs : batch.resources()) {
    size_t spans = 0;
    for (const pdata::ScopeSpans& ss : rs.scope_spans) spans += ss.spans.size();
    if (spans == 0) continue;
    otlp::wire::EncodeTwoPass(out, spans * 16 + 4, [&](auto& s) { EmitRequest(s, scratch, rs); });
    ++requests;
  }
  return requests;
}

std::string_view FirstRequest(std::string_view encoded) {
  // Each request is exactly one field: tag 1 (LEN) and the Batch's length.
  const uint8_t* p = otlp::wire::AsBytes(encoded.data());
  const uint8_t* end = p + encoded.size();
  size_t len = 0;
  if (encoded.empty() || *p++ != Tag(1, kLen) || !otlp::wire::ReadLength(p, end, &len)) return {};
  return encoded.substr(0, static_cast<size_t>(p - otlp::wire::AsBytes(encoded.data())) + len);
}

}  // namespace otter::jaeger_exporter
