// Splitting an OTLP protobuf traces or logs request at a span / log record boundary without
// decoding it,
// for stages that only move data (the batch processor in front of a consumer that takes
// undecoded batches). Concatenating two requests' bytes already merges them (protobuf appends
// repeated fields), so merge needs no function; a split rewrites only the length prefixes of the
// ResourceSpans and ScopeSpans it cuts through. Resource, scope, schema URLs and unknown fields
// of a cut message are repeated on both sides, so each part decodes to exactly its spans with
// their context, as pdata::Batch::SplitOff would give.
#pragma once

#include <cstddef>
#include <string>

#include "pdata/batch.h"

namespace otter::otlp {

// Appends the protobuf Export*ServiceRequest of `batch` to *out: its wire() as it is when it has
// one (an undecoded batch, or a decoded one no stage has changed), else its encoding
// (otlp::Encode*). The way out for stages that forward what they were given.
void AppendRequest(const pdata::TraceBatch& batch, std::string* out);
void AppendRequest(const pdata::MetricBatch& batch, std::string* out);
void AppendRequest(const pdata::LogBatch& batch, std::string* out);

// Moves the first `max_spans` (> 0) spans of the request in *body (whole ResourceSpans and
// ScopeSpans where they fit) into the returned request; *body keeps the rest. *body must be a
// request that otlp::CountTraces accepts (a receiver validated it); returns empty and leaves *body
// unchanged when it is not.
std::string SplitOffTraces(std::string* body, size_t max_spans);
// The same for an ExportLogsServiceRequest (its layout is the traces request's: resource_logs 1,
// ResourceLogs.scope_logs 2, ScopeLogs.log_records 2), split after `max_records` log records.
std::string SplitOffLogs(std::string* body, size_t max_records);

}  // namespace otter::otlp
