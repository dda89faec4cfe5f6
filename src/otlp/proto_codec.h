// OTLP protobuf wire codec: Export{Trace,Metrics,Logs}ServiceRequest bytes <-> pdata batches,
// plus the small response/status messages receivers and exporters exchange. Hand-written (no
// generated classes): decoding is zero-copy (strings are views into the request bytes, which the
// batch's arena owns) and encoding sizes every message once, then writes the output in one go.
// Called by the OTLP receivers (gRPC and HTTP), exporters, file/Kafka formats and benches.
// All functions are stateless and safe to call concurrently on different data.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "pdata/batch.h"

namespace otter::otlp {

// ---- requests ---------------------------------------------------------------------------------
//
// Decoding is strict about structure and lenient about content, like the Go collector:
//  - malformed protobuf (truncation, bad varints, groups, a known field with the wrong wire type,
//    a packed fixed-width field whose length is not a multiple of the width) is an error;
//  - unknown fields of any non-group wire type are skipped; repeated scalars are accepted packed
//    or unpacked; for a oneof the last member on the wire wins; a repeated occurrence of a
//    singular message field merges into the earlier one (protobuf semantics);
//  - ids must have their exact size (trace 16, span 8 bytes) or be empty; an empty id decodes to
//    the all-zero id ("absent") — see proto_decode.cc for why missing span ids are accepted;
//  - AnyValue nesting (arrays / kvlists) deeper than kMaxAnyValueDepth is an error;
//  - string_value_strindex and key_strindex (profiles only) are ignored: the value is empty;
//  - Resource.entity_refs is not modelled by pdata and is dropped;
//  - strings are not checked for valid UTF-8 (neither does the Go collector).
// Errors are InvalidArgument and name the path, e.g.
//   "resource_spans[0].scope_spans[1].spans[3].trace_id: must be 16 bytes, got 24".

inline constexpr int kMaxAnyValueDepth = 64;

// Takes ownership of `body` (adopted into the new batch's arena; no copy) and decodes it. The
// batch's wire() is the body.
StatusOr<pdata::TraceBatch> DecodeTraces(std::string body);
StatusOr<pdata::MetricBatch> DecodeMetrics(std::string body);
StatusOr<pdata::LogBatch> DecodeLogs(std::string body);

// Decodes `bytes` and appends the resources to `out`. `bytes` must stay alive as long as `out`
// (normally: it lives in out.arenas()). Clears out.wire(). On error `out` is left as it was.
Status DecodeTracesInto(std::string_view bytes, pdata::TraceBatch& out);
Status DecodeMetricsInto(std::string_view bytes, pdata::MetricBatch& out);
Status DecodeLogsInto(std::string_view bytes, pdata::LogBatch& out);

// ---- walking a traces request -------------------------------------------------------------------
//
// For consumers with their own representation of spans (the store's head rows): WalkTraces
// visits a protobuf ExportTraceServiceRequest in wire order without building a batch. It accepts
// exactly what DecodeTraces accepts and presents the same values; views point into `bytes`, and
// the pdata objects passed are valid only during the call. On malformed input it returns false
// and the visitor may have seen part of the request (DecodeTraces gives the error message).
class TraceVisitor {
 public:
  virtual ~TraceVisitor() = default;
  // Before the spans of each ScopeSpans (also one without spans): its resource and scope, with
  // rs.scope_spans and ss.spans empty.
  virtual void Scope(const pdata::ResourceSpans& rs, const pdata::ScopeSpans& ss) = 0;
  // The index-th attribute of the span, event or link being walked.
  virtual void Attribute(const pdata::KeyValue& kv, uint32_t index) = 0;
  // An event or link whose `nattrs` attributes were the Attribute calls just before it
  // (its `attributes` is empty).
  virtual void Event(const pdata::SpanEvent& e, uint32_t nattrs) = 0;
  virtual void Link(const pdata::SpanLink& l, uint32_t nattrs) = 0;
  // A span, after its own `nattrs` attributes, then its events (in order), then its links (in
  // order) were visited; its attributes, events and links vectors are empty.
  virtual void Span(const pdata::Span& s, uint32_t nattrs) = 0;
};
bool WalkTraces(std::string_view bytes, TraceVisitor& visitor);
// The number of spans in a request WalkTraces accepts; nullopt for one it does not.
std::optional<size_t> CountTraces(std::string_view bytes);

// Appends a serialized Export*ServiceRequest (== TracesData / MetricsData / LogsData) to *out.
// Canonical output: fields in field-number order, packed repeated scalars, proto3 default
// scalars omitted, empty ids omitted, optional fields (histogram sum/min/max) present iff set.
// Singular sub-messages are omitted when empty, except KeyValue.value and the members of
// oneofs (AnyValue arrays/kvlists, Metric data), whose presence carries meaning.
void EncodeTraces(const pdata::TraceBatch& batch, std::string* out);
void EncodeMetrics(const pdata::MetricBatch& batch, std::string* out);
void EncodeLogs(const pdata::LogBatch& batch, std::string* out);

// Exact byte count the Encode* functions append.
size_t EncodedTracesSize(const pdata::TraceBatch& batch);
size_t EncodedMetricsSize(const pdata::MetricBatch& batch);
size_t EncodedLogsSize(const pdata::LogBatch& batch);

// ---- responses --------------------------------------------------------------------------------

// Appends an Export{Trace,Metrics,Logs}ServiceResponse (all three share one layout):
// partial_success{rejected_*=1, error_message=2} is omitted when rejected == 0 and the message
// is empty, which means "everything accepted".
void EncodeExportResponse(int64_t rejected, std::string_view error_message, std::string* out);

struct ExportResult {
  bool partial_success = false;  // the partial_success field was present
  int64_t rejected = 0;          // rejected spans / data points / log records
  std::string error_message;
};
StatusOr<ExportResult> DecodeExportResponse(std::string_view bytes);

// Appends a google.rpc.Status{code, message, details}. With `retry_delay`, details holds one
// google.protobuf.Any wrapping google.rpc.RetryInfo{retry_delay}.
void EncodeRpcStatus(int code, std::string_view message, std::string* out,
                     std::optional<std::chrono::milliseconds> retry_delay = std::nullopt);

struct RpcStatus {
  int code = 0;
  std::string message;
  std::optional<std::chrono::milliseconds> retry_delay;  // from a RetryInfo detail, if any
};
// Parses a serialized google.rpc.Status (gRPC `grpc-status-details-bin`, OTLP/HTTP error body).
StatusOr<RpcStatus> DecodeRpcStatus(std::string_view bytes);
// The RetryInfo.retry_delay carried in a serialized google.rpc.Status, if it has one (negative
// delays read as none; malformed input reads as none).
std::optional<std::chrono::milliseconds> DecodeRpcStatusRetryDelay(std::string_view status_bytes);

}  // namespace otter::otlp
