// pdata traces: ResourceSpans → ScopeSpans → Span, mirroring OTLP trace.proto.
#pragma once

#include "pdata/common.h"

namespace otter::pdata {

enum class SpanKind : int32_t {
  kUnspecified = 0,
  kInternal = 1,
  kServer = 2,
  kClient = 3,
  kProducer = 4,
  kConsumer = 5
};
enum class StatusCode : int32_t { kUnset = 0, kOk = 1, kError = 2 };

struct SpanEvent {
  uint64_t time_unix_nano = 0;
  std::string_view name;
  Attributes attributes;
  uint32_t dropped_attributes_count = 0;
  bool operator==(const SpanEvent&) const = default;
};

struct SpanLink {
  TraceId trace_id;
  SpanId span_id;
  std::string_view trace_state;
  Attributes attributes;
  uint32_t dropped_attributes_count = 0;
  uint32_t flags = 0;
  bool operator==(const SpanLink&) const = default;
};

struct SpanStatus {
  std::string_view message;
  StatusCode code = StatusCode::kUnset;
  bool operator==(const SpanStatus&) const = default;
};

struct Span {
  TraceId trace_id;
  SpanId span_id;
  std::string_view trace_state;
  SpanId parent_span_id;  // empty() for a root span
  std::string_view name;
  SpanKind kind = SpanKind::kUnspecified;
  uint64_t start_time_unix_nano = 0;
  uint64_t end_time_unix_nano = 0;
  Attributes attributes;
  uint32_t dropped_attributes_count = 0;
  std::vector<SpanEvent> events;
  uint32_t dropped_events_count = 0;
  std::vector<SpanLink> links;
  uint32_t dropped_links_count = 0;
  SpanStatus status;
  uint32_t flags = 0;
  bool operator==(const Span&) const = default;
};

struct ScopeSpans {
  InstrumentationScope scope;
  std::vector<Span> spans;
  std::string_view schema_url;
  bool operator==(const ScopeSpans&) const = default;
};

struct ResourceSpans {
  Resource resource;
  std::vector<ScopeSpans> scope_spans;
  std::string_view schema_url;
  bool operator==(const ResourceSpans&) const = default;

  using Scope = ScopeSpans;
  static constexpr std::vector<ScopeSpans> ResourceSpans::*kScopes = &ResourceSpans::scope_spans;
  static size_t ItemCount(const ScopeSpans& s) { return s.spans.size(); }
};

}  // namespace otter::pdata
