// How the otlp_http exporter reads an OTLP/HTTP answer (OTLP-FACTS 3.1): 2xx is success (its body
// may carry a partial success), 429/502/503/504 are retryable and honour Retry-After (seconds or
// an HTTP-date), every other status is permanent. Error bodies (google.rpc.Status in protobuf or
// JSON, or plain text) become the error message. Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "exporters/otlp_http/http_client.h"
#include "otlp/proto_codec.h"

namespace otter::otlp_http_exporter {

// Retry-After: delay-seconds, or an HTTP-date (IMF-fixdate, RFC 850 or asctime) relative to
// `now` (a date in the past means 0). nullopt when absent or unparsable.
std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value,
                                                         std::chrono::system_clock::time_point now);

// OK for 2xx; otherwise the error to retry or drop, e.g.
// "HTTP 503 Service Unavailable from http://b:4318/v1/traces: overloaded" (+ retry_after()).
Status StatusFromHttpResponse(const HttpClientResponse& r, std::string_view url,
                              std::chrono::system_clock::time_point now);

// The answer of a push API that retries every 5xx (Loki, Prometheus Remote Write): as
// StatusFromHttpResponse, except that any 5xx is retryable (Unavailable).
Status PushStatus(const HttpClientResponse& r, std::string_view url);

// The partial_success of a 2xx body (protobuf, or JSON when Content-Type says so). An empty body
// is full success.
StatusOr<otlp::ExportResult> ParseExportResponse(const HttpClientResponse& r);

}  // namespace otter::otlp_http_exporter
