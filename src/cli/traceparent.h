// W3C Trace Context `traceparent` values (https://www.w3.org/TR/trace-context/#traceparent-header):
// parsing what a caller hands over (the TRACEPARENT environment variable of `otter span` and
// `otter log`) and formatting the value a child process inherits. Plain functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "pdata/common.h"

namespace otter::cli {

struct TraceParent {
  pdata::TraceId trace_id;
  pdata::SpanId span_id;  // the caller's span: the parent of what we create
  uint8_t flags = 0;      // bit 0: sampled
  bool sampled() const { return flags & 1; }
};

// Parses a traceparent value as the spec's receiver rules say: version 00 must be exactly
// "00-<32 hex>-<16 hex>-<2 hex>"; a higher version may carry more fields after a '-'; version ff,
// uppercase hex, and all-zero trace or span ids are invalid (nullopt). Surrounding spaces and
// tabs are ignored.
std::optional<TraceParent> ParseTraceParent(std::string_view value);

// "00-<trace id>-<span id>-<flags>" in lowercase hex.
std::string FormatTraceParent(const pdata::TraceId& trace_id, const pdata::SpanId& span_id,
                              uint8_t flags);

// Random ids from the OS's cryptographic source (getrandom), never all-zero.
pdata::TraceId NewTraceId();
pdata::SpanId NewSpanId();

}  // namespace otter::cli
