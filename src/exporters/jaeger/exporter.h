// The `jaeger` exporter: translates each trace batch to Jaeger's model (jaeger_proto.h) and
// sends one unary `jaeger.api_v2.CollectorService/PostSpans` call per resource, through the
// gRPC client it shares with otlp_grpc (GrpcUnaryClient), behind the exporterhelper queue, retry
// and timeout. gRPC status codes are retryable or permanent as for OTLP (OTLP-FACTS 2.1); a
// batch whose first requests were accepted resumes after them when retried.
// Thread-safety: as for every Exporter (Consume from any thread; Start/Shutdown from one).
#pragma once

#include <memory>

#include "component/component.h"
#include "exporters/exporterhelper/sending_queue.h"
#include "exporters/jaeger/config.h"

namespace otter::jaeger_exporter {

inline constexpr const char* kPostSpansMethod = "/jaeger.api_v2.CollectorService/PostSpans";

// Reads TLS files and creates the channel (it connects lazily, on the first call). `options`
// lets tests inject a fake clock or a short drain timeout.
StatusOr<std::unique_ptr<Exporter>> CreateExporter(const ComponentContext& ctx,
                                                   const JaegerConfig& config,
                                                   exporterhelper::SenderOptions options = {});

}  // namespace otter::jaeger_exporter
