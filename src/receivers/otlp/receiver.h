// The `otlp` receiver: OTLP/gRPC (grpc_frontend) and OTLP/HTTP (http_frontend) in one component,
// one instance per receiver id serving every signal that has a pipeline.
//
// Behaviour (Go collector otlpreceiver as the reference):
//  - a signal without a pipeline is not served: HTTP 404 on its path, gRPC UNIMPLEMENTED;
//  - HTTP: POST only (405 + Allow: POST), Content-Type application/x-protobuf or application/json
//    (parameters allowed; else 415), Content-Encoding from compression_algorithms (else 400),
//    body over max_request_body_size on the wire or after decompression → 413, undecodable → 400
//    with a google.rpc.Status naming the field, in the request's encoding;
//  - the answer waits for the pipeline: OK → 200 / gRPC OK with an empty Export*ServiceResponse;
//    errors as ToWire() in ingest.h (503/429 with Retry-After; gRPC UNAVAILABLE with RetryInfo);
//  - self-metrics otelcol_receiver_{accepted,refused}_{spans,metric_points,log_records}
//    {receiver, transport}; per-item limits (`limits:`, otlp/item_limits.h) change what exceeds
//    them and count it in otter_receiver_*_total{receiver}.
// Deviations from the Go collector: over-limit bodies answer 413 (Go: 400, the spec says 413);
// 503 always carries Retry-After (default 1s; Go only with RetryInfo) and a retryable
// RESOURCE_EXHAUSTED becomes 429; 405 carries Allow; "identity" is accepted as a Content-Encoding.
// Thread-safety: Start/Shutdown from the service thread; requests on the frontends' threads.
#pragma once

#include <memory>

#include "component/component.h"
#include "receivers/otlp/config.h"
#include "receivers/otlp/ingest.h"

namespace otter::otlp_receiver {

class HttpFrontend;
class GrpcFrontend;

class OtlpReceiver final : public Receiver {
 public:
  OtlpReceiver(const ComponentContext& ctx, const OtlpReceiverConfig& config, Consumers next);
  ~OtlpReceiver() override;

  // Opens the configured ports; a port in use is an error naming the endpoint.
  Status Start() override;
  // Stops accepting, waits for every accepted request to be answered.
  void Shutdown() override;

  // Bound ports (useful with port 0); 0 when the protocol is off or not started.
  int grpc_port() const;
  int http_port() const;
  // Why the receiver cannot run (an auth.authenticator that does not resolve), or OK.
  const Status& setup_status() const { return setup_; }

 private:
  Status setup_;
  std::unique_ptr<IngestLimits> limits_;  // before the frontends, which point at it
  std::unique_ptr<GrpcFrontend> grpc_;
  std::unique_ptr<HttpFrontend> http_;
};

}  // namespace otter::otlp_receiver
