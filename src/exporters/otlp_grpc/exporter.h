// The `otlp_grpc` exporter: sends each signal as unary OTLP/gRPC Export calls (generic stub, raw
// bytes from otter's own protobuf encoder) behind the exporterhelper queue/retry/timeout. gRPC
// status codes map to retryable / permanent per OTLP-FACTS 2.1; google.rpc.RetryInfo from
// grpc-status-details-bin sets the next retry's delay; a partial success is logged (warning, rate
// limited), not retried, and counts as sent — as in otelcol. The channel and calls are
// GrpcUnaryClient (grpc_client.h), shared with the jaeger exporter.
// Thread-safety: as for every Exporter (Consume from any thread; Start/Shutdown from one).
#pragma once

#include <memory>

#include "component/component.h"
#include "exporters/exporterhelper/sending_queue.h"
#include "exporters/otlp_grpc/config.h"

namespace otter::otlp_grpc_exporter {

// Reads TLS files and creates the channel (it connects lazily, on the first call). `options`
// lets tests inject a fake clock or a short drain timeout.
StatusOr<std::unique_ptr<Exporter>> CreateExporter(const ComponentContext& ctx,
                                                   const OtlpGrpcConfig& config,
                                                   exporterhelper::SenderOptions options = {});

}  // namespace otter::otlp_grpc_exporter
