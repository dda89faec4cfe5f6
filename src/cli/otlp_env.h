// Where and how `otter span` / `otter log` export: the OpenTelemetry SDK environment variables
// (OTEL_EXPORTER_OTLP_[TRACES_|LOGS_]{ENDPOINT,PROTOCOL,HEADERS,TIMEOUT,COMPRESSION,CERTIFICATE,
// CLIENT_KEY,CLIENT_CERTIFICATE}, OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, OTEL_SDK_DISABLED)
// read as the SDK specification says, and one blocking OTLP/HTTP POST with retries over the
// otlp_http exporter's HttpClient. Plain functions; thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "net/tls_config.h"

namespace otter::cli {

// The value of an environment variable, or nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
EnvLookup ProcessEnv();  // getenv

enum class OtlpProtocol { kProtobuf, kJson };

struct ExportSettings {
  std::string url;  // the signal's full URL, e.g. http://localhost:4318/v1/traces
  OtlpProtocol protocol = OtlpProtocol::kProtobuf;
  std::vector<std::pair<std::string, std::string>> headers;
  std::chrono::milliseconds timeout{10000};
  bool gzip = false;
  net::TlsClientSettings tls;
  bool disabled = false;  // OTEL_SDK_DISABLED=true: do not export
  // Resource attributes: service.name first, then OTEL_RESOURCE_ATTRIBUTES in order, then
  // telemetry.sdk.* and host.name unless already set.
  std::vector<std::pair<std::string, std::string>> resource;
};

// `signal` is "traces" or "logs". Errors name the variable, e.g.
// "OTEL_EXPORTER_OTLP_PROTOCOL: grpc is not supported here; use http/protobuf or http/json".
StatusOr<ExportSettings> ExportSettingsFromEnv(const EnvLookup& env, std::string_view signal);

// POSTs an encoded Export*ServiceRequest. Retryable answers (429, 502, 503, 504, connection
// errors) are retried with exponential back-off (honouring Retry-After) until settings.timeout
// has passed since the first attempt.
Status PostOtlp(const ExportSettings& settings, std::string body);

}  // namespace otter::cli
