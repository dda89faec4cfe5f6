// The `otlp_http` exporter: POSTs each batch as OTLP/HTTP (protobuf or JSON, compressed per
// config) to <endpoint>/v1/<signal> or the signal's own URL, behind the exporterhelper
// queue/retry/timeout. Responses are judged per OTLP-FACTS 3.1 (response.h); a partial success is
// logged (warning, rate limited), not retried, and counts as sent — as in otelcol.
// Thread-safety: as for every Exporter (Consume from any thread; Start/Shutdown from one).
#pragma once

#include <memory>

#include "component/component.h"
#include "exporters/exporterhelper/sending_queue.h"
#include "exporters/otlp_http/config.h"

namespace otter::otlp_http_exporter {

// Validates, parses the URLs and reads TLS files (errors are start-up errors). `options` lets
// tests inject a fake clock or a short drain timeout.
StatusOr<std::unique_ptr<Exporter>> CreateExporter(const ComponentContext& ctx,
                                                   const OtlpHttpConfig& config,
                                                   exporterhelper::SenderOptions options = {});

}  // namespace otter::otlp_http_exporter
