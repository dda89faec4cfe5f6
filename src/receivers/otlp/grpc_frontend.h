// OTLP/gRPC for the otlp receiver: the three Export methods served through gRPC's callback
// generic service, so request bytes reach otter's own codec untouched (no generated classes).
// Not as unary methods, though they cost one executor hand-off less per call: gRPC 1.51 keeps a
// unary call reset before its message arrives out of otter's sight, so a rapid-reset flood grows
// memory without bound; the generic service's reactors see each reset (net/reset_flood_guard.h).
// Each call is answered when the pipeline's Completion fires; no gRPC thread waits for it.
// gRPC headers stay in grpc_frontend.cc.
// Thread-safety: Start/Shutdown from the owner; calls run on gRPC's threads.
#pragma once

#include <spdlog/logger.h>

#include <array>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "component/component.h"
#include "receivers/otlp/config.h"
#include "receivers/otlp/ingest.h"

namespace otter::auth {
class ServerAuthGuard;
}

namespace otter::otlp_receiver {

inline constexpr std::string_view kTraceExportMethod =
    "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
inline constexpr std::string_view kMetricsExportMethod =
    "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export";
inline constexpr std::string_view kLogsExportMethod =
    "/opentelemetry.proto.collector.logs.v1.LogsService/Export";

// The integer channel arguments the config maps to (keepalive, streams, message size, no
// SO_REUSEPORT so a busy port is an error), for the server builder and for tests.
std::vector<std::pair<std::string, int>> GrpcServerArgs(const GrpcProtocolConfig& config);

class GrpcFrontend {
 public:
  // `counters` is indexed by Signal (traces, metrics, logs). `reset_flood_cut` counts the
  // connections cut off for HTTP/2 rapid reset (net/reset_flood_guard.h); null = not counted.
  GrpcFrontend(const GrpcProtocolConfig& config, Consumers next,
               std::array<ItemCounters, 3> counters, std::shared_ptr<spdlog::logger> logger,
               std::shared_ptr<const auth::ServerAuthGuard> guard = nullptr,
               telemetry::Counter* reset_flood_cut = nullptr);
  ~GrpcFrontend();

  // Binds and starts serving; errors name the endpoint.
  Status Start();
  // Stops accepting calls and waits until every accepted call has been answered.
  void Shutdown();
  int port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace otter::otlp_receiver
