// Jaeger's UI JSON model (ui.Trace / ui.Span / ui.Process / ui.KeyValue) written from pdata
// traces, as Jaeger's query service renders OTLP data for its v1 HTTP API: spans go through the
// collector-contrib OTLP→Jaeger translator (synthesised span.kind, otel.status_code, error, ...).
// Also the small Go-compatible parsers the API needs (trace ids, durations, error quoting).
// Called by JaegerApi (jaeger_api.h); all functions are pure and reentrant.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "pdata/batch.h"
#include "query/json_writer.h"

namespace otter::query::jaeger {

// Jaeger's model.TraceID.String(): 16 hex digits when the high 64 bits are zero, else 32.
std::string FormatTraceId(const pdata::TraceId& id);

// model.TraceIDFromString: 1–32 hex digits, left-padded with zeros. Errors are InvalidArgument
// with Go's wording, e.g. `strconv.ParseUint: parsing "xyz": invalid syntax`.
StatusOr<pdata::TraceId> ParseTraceId(std::string_view s);

// Go's time.ParseDuration, in nanoseconds ("1.5s", "300ms", "1h2m"); errors read like Go's
// (`time: invalid duration "x"`, `time: unknown unit "d" in duration "1d"`).
StatusOr<int64_t> ParseGoDuration(std::string_view s);

// Go's strconv.ParseInt(s, 10, bits); errors like `strconv.ParseInt: parsing "x": invalid syntax`.
StatusOr<int64_t> ParseGoInt(std::string_view s, int bits);

// Go's strconv.Quote (enough of it for error messages).
std::string GoQuote(std::string_view s);

// A float64 as Go's encoding/json writes it: shortest round-trip, exponent form below 1e-6 and
// from 1e21 on ("1e+21", "1.5e-7").
std::string FormatGoJsonFloat(double v);

// pcommon.Value.AsString() for a map or slice: JSON with map keys sorted, bytes as base64.
std::string AnyValueAsJson(const pdata::AnyValue& v);

// Writes one ui.Trace object for all spans in `batch` (which holds one trace): spans ordered by
// start time, processes "p1", "p2", ... deduplicated in order of first use.
void WriteUiTrace(const pdata::TraceBatch& batch, JsonWriter& w);

// The service.name of a resource as the translator reads it ("OTLPResourceNoServiceName" when the
// resource has no attributes at all).
std::string_view ServiceNameOf(const pdata::Resource& resource);

}  // namespace otter::query::jaeger
