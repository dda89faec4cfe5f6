// Jaeger's UI JSON model (ui.Trace / ui.Span / ui.Process / ui.KeyValue) written from pdata
// traces, as Jaeger's query service renders OTLP data for its v1 HTTP API: spans go through the
// collector-contrib OTLP→Jaeger translator (synthesised span.kind, otel.status_code, error, ...).
// Also the small Go-compatible parsers the API needs (trace ids, durations, error quoting).
// Called by JaegerApi (jaeger_api.h); the jaeger exporter shares the translator rules (span
// kind, references, process, JSON for maps and lists). All functions are pure and reentrant.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "pdata/batch.h"
#include "query/go_parse.h"
#include "query/json_writer.h"

namespace otter::query::jaeger {

// Go-compatible parsers (go_parse.h), used unqualified here and by the Jaeger API.
using query::GoQuote;
using query::ParseGoAtoi;
using query::ParseGoBool;
using query::ParseGoDuration;
using query::ParseGoInt;
using query::ParseGoRfc3339Nano;

// Jaeger's model.TraceID.String(): 16 hex digits when the high 64 bits are zero, else 32.
std::string FormatTraceId(const pdata::TraceId& id);

// model.TraceIDFromString: 1–32 hex digits, left-padded with zeros. Errors are InvalidArgument
// with Go's wording, e.g. `strconv.ParseUint: parsing "xyz": invalid syntax`.
StatusOr<pdata::TraceId> ParseTraceId(std::string_view s);

// api_v3's TraceIDFromString: hex as ParseTraceId, else (up to 24 characters) standard or
// URL-safe base64, padded or not, of 8 or 16 bytes. Errors are the hex parser's.
StatusOr<pdata::TraceId> ParseTraceIdHexOrBase64(std::string_view s);

// A float64 as Go's encoding/json writes it: shortest round-trip, exponent form below 1e-6 and
// from 1e21 on ("1e+21", "1.5e-7").
std::string FormatGoJsonFloat(double v);

// pcommon.Value.AsString() for a map or slice: JSON with map keys sorted, bytes as base64.
std::string AnyValueAsJson(const pdata::AnyValue& v);

// The `span.kind` tag value of a span kind ("internal" included, as otelcol's translator
// writes it); empty for an unspecified kind, which gets no tag.
std::string_view SpanKindTag(pdata::SpanKind kind);

// A Jaeger span reference (model.SpanRef) as the translator derives it; pointers into the span.
struct SpanReference {
  bool child_of;  // CHILD_OF, else FOLLOWS_FROM
  const pdata::TraceId* trace_id;
  const pdata::SpanId* span_id;
};
// The span's references into `out` (cleared first): the parent first, as CHILD_OF; then each
// link as FOLLOWS_FROM unless its `opentracing.ref_type` attribute is "child_of". A link to the
// parent itself adds nothing but sets the parent reference's type.
void SpanReferences(const pdata::Span& span, std::vector<SpanReference>* out);

// Writes one ui.Trace object for all spans in `batch` (which holds one trace): spans ordered by
// start time, processes "p1", "p2", ... deduplicated in order of first use.
void WriteUiTrace(const pdata::TraceBatch& batch, JsonWriter& w);

// The service.name of a resource as the translator reads it ("OTLPResourceNoServiceName" when the
// resource has no attributes at all).
std::string_view ServiceNameOf(const pdata::Resource& resource);

}  // namespace otter::query::jaeger
