// OTLP/JSON codec: Export*ServiceRequest bodies <-> pdata batches, and the JSON bodies of
// Export*ServiceResponse / google.rpc.Status. Called by the OTLP/HTTP receiver and exporters.
// Decoding is tolerant the way the Go collector is (snake_case keys, enum names, 64-bit ints as
// numbers, null = absent); encoding emits canonical OTLP/JSON (docs: OTLP-FACTS section 4).
// Thread-safety: all functions are reentrant; decoding keeps one simdjson parser per thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "pdata/batch.h"

namespace otter::otlp {

// Spare capacity the decoder needs after the body (simdjson reads ahead). A caller that reads the
// body with body.reserve(content_length + kJsonDecodePadding) saves the decoder a full copy.
inline constexpr size_t kJsonDecodePadding = 64;

// Parses an ExportTraceServiceRequest (or TracesData) JSON body. Strings are copied into the
// returned batch's arena, so `body` may be discarded afterwards. Errors are InvalidArgument with
// the JSON path of the offending value, e.g.
// "resourceSpans[0].scopeSpans[0].spans[2].traceId: must be 32 hex characters (16 bytes), got 48".
StatusOr<pdata::TraceBatch> DecodeTracesJson(std::string body);
StatusOr<pdata::MetricBatch> DecodeMetricsJson(std::string body);
StatusOr<pdata::LogBatch> DecodeLogsJson(std::string body);

// Append the OTLP/JSON request body for the batch to *out (like the protobuf Encode* functions).
void EncodeTracesJson(const pdata::TraceBatch& batch, std::string* out);
void EncodeMetricsJson(const pdata::MetricBatch& batch, std::string* out);
void EncodeLogsJson(const pdata::LogBatch& batch, std::string* out);

// Appends an Export{Trace,Metrics,Logs}ServiceResponse body for batch type B
// (pdata::TraceBatch / MetricBatch / LogBatch): `{}` when rejected == 0 and `error_message` is
// empty, else {"partialSuccess":{"rejectedSpans":"3","errorMessage":"..."}} (rejectedDataPoints,
// rejectedLogRecords for metrics and logs). A message with rejected == 0 is a warning (spec).
template <class B>
void EncodeExportResponseJson(int64_t rejected, std::string_view error_message, std::string* out);

// Appends a google.rpc.Status body: {"code":3,"message":"..."}.
void EncodeRpcStatusJson(int code, std::string_view message, std::string* out);

// Appends `s` as a JSON string literal (quotes included), escaped as RFC 8259 requires; invalid
// UTF-8 bytes become U+FFFD so the output is always valid JSON. The encoders above use it.
void AppendJsonString(std::string& out, std::string_view s);

}  // namespace otter::otlp
