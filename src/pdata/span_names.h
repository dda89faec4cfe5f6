// Names of span kinds and status codes as OTLP and otelcol spell them: the OTLP enum name
// ("SPAN_KIND_SERVER") and the short form otelcol's pdata prints ("Server"), shared by the
// exporters, processors and connectors that write them. Pure constexpr functions.
#pragma once

#include <string_view>

#include "pdata/trace.h"

namespace otter::pdata {

// The OTLP enum name ("SPAN_KIND_SERVER") and the short form otelcol's pdata prints ("Server").
constexpr std::string_view SpanKindEnumName(SpanKind k) {
  switch (k) {
    case SpanKind::kInternal:
      return "SPAN_KIND_INTERNAL";
    case SpanKind::kServer:
      return "SPAN_KIND_SERVER";
    case SpanKind::kClient:
      return "SPAN_KIND_CLIENT";
    case SpanKind::kProducer:
      return "SPAN_KIND_PRODUCER";
    case SpanKind::kConsumer:
      return "SPAN_KIND_CONSUMER";
    default:
      return "SPAN_KIND_UNSPECIFIED";
  }
}
constexpr std::string_view SpanKindShortName(SpanKind k) {
  switch (k) {
    case SpanKind::kInternal:
      return "Internal";
    case SpanKind::kServer:
      return "Server";
    case SpanKind::kClient:
      return "Client";
    case SpanKind::kProducer:
      return "Producer";
    case SpanKind::kConsumer:
      return "Consumer";
    default:
      return "Unspecified";
  }
}
// "Unset", "Ok", "Error" (otelcol's pdata String()).
constexpr std::string_view StatusCodeShortName(StatusCode c) {
  return c == StatusCode::kOk ? "Ok" : c == StatusCode::kError ? "Error" : "Unset";
}

}  // namespace otter::pdata
