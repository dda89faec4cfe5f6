// GrpcUnaryClient: the channel and the unary calls of a gRPC exporter (`otlp_grpc`, `jaeger`),
// built from GrpcExporterConfig: endpoint, TLS, keepalive, authority and balancer on the
// channel; metadata, compression, wait_for_ready, the attempt's deadline and shutdown
// cancellation on each call. Bytes in, bytes out (callers bring their own encoders), and a
// failed call's gRPC status becomes otter's Status with the same code, so retryable vs
// permanent follows OTLP-FACTS 2.1, and google.rpc.RetryInfo sets the next retry's delay.
// gRPC headers stay in grpc_client.cc. Thread-safety: Call may run on many threads at once.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "exporters/exporterhelper/sending_queue.h"
#include "exporters/otlp_grpc/config.h"
#include "pdata/metadata.h"

namespace spdlog {
class logger;
}

namespace otter::otlp_grpc_exporter {

// At Start(): warns when the endpoint says http:// but tls.insecure is false (the connection
// still uses TLS, as in otelcol).
void WarnAboutEndpointScheme(const GrpcExporterConfig& config, spdlog::logger& log);

class GrpcUnaryClient {
 public:
  // Reads TLS files and creates the channel; it connects lazily, on the first call. The
  // config's `auth` extension is found through ctx (at creation); it is asked for credentials
  // on every call, so rotated tokens are picked up.
  static StatusOr<std::unique_ptr<GrpcUnaryClient>> Create(const ComponentContext& ctx,
                                                           const GrpcExporterConfig& config);
  ~GrpcUnaryClient();

  // Calls `method` ("/package.Service/Method") with `request` and blocks until the answer, the
  // attempt's timeout, or its cancellation. On OK, `response` holds the answer's bytes.
  // `metadata`: the request metadata of the batch sent (for the auth extension), if any.
  Status Call(const char* method, std::string_view request, const exporterhelper::Attempt& attempt,
              std::string* response, const pdata::Metadata* metadata = nullptr);

 private:
  struct Impl;
  explicit GrpcUnaryClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace otter::otlp_grpc_exporter
