// OTLP → Jaeger translation, encoded straight to protobuf: one `jaeger.api_v2.PostSpansRequest`
// (collector.proto, model.proto in proto/jaeger/api_v2) per ResourceSpans, as otelcol's
// pkg/translator/jaeger ProtoFromTraces + the jaeger exporter sent them. The rules are in
// docs/exporters/jaeger.md; the encoder is otter's two-pass protobuf writer (otlp/proto_sink.h),
// no protobuf classes. Called by the jaeger exporter's sender threads; pure and reentrant.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "pdata/batch.h"

namespace otter::jaeger_exporter {

// Appends one PostSpansRequest for each ResourceSpans of `batch` that has spans, back to back
// (ResourceSpans without spans carry nothing Jaeger keeps and are skipped). Returns how many.
size_t EncodePostSpansRequests(const pdata::TraceBatch& batch, std::string* out);

// The first request of `encoded` (the output of EncodePostSpansRequests, or what is left of it
// after cutting off whole requests); empty when `encoded` is empty.
std::string_view FirstRequest(std::string_view encoded);

}  // namespace otter::jaeger_exporter
