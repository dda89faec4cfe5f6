#include "receivers/otlp/receiver.h"

#include <future>

#include "auth/server_guard.h"
#include "receivers/otlp/grpc_frontend.h"
#include "receivers/otlp/http_frontend.h"

namespace otter::otlp_receiver {
namespace {

std::array<ItemCounters, 3> Counters(const ComponentContext& ctx, const Consumers& next,
                                     std::string_view transport, const IngestLimits* limits) {
  std::array<ItemCounters, 3> c;
  for (Signal s : kAllSignals)
    if (next.Has(s)) {
      c[static_cast<size_t>(s)] = MakeItemCounters(ctx.metrics, ctx.id.ToString(), s, transport);
      c[static_cast<size_t>(s)].limits = limits;
    }
  return c;
}

}  // namespace

OtlpReceiver::OtlpReceiver(const ComponentContext& ctx, const OtlpReceiverConfig& config,
                           Consumers next) {
  if (config.limits.enabled())
    limits_ =
        MakeIngestLimits(ctx.metrics, ctx.id.ToString(), config.limits.ToItemLimits(), ctx.logger);
  if (config.protocols.grpc) {
    auto guard =
        auth::MakeServerAuthGuard(ctx, config.protocols.grpc->auth, "protocols.grpc.auth", "grpc");
    if (!guard.ok()) {
      setup_ = guard.status();
      return;
    }
    telemetry::Counter* reset_flood_cut = nullptr;
    if (ctx.metrics)
      reset_flood_cut = &ctx.metrics->GetCounter(
          "otter_receiver_grpc_dropped_connections_total",
          "gRPC connections the server closed on its own: the client cancelled most of its calls "
          "before sending them (HTTP/2 rapid reset).",
          {{"receiver", ctx.id.ToString()}, {"reason", "rapid_reset"}});
    grpc_ = std::make_unique<GrpcFrontend>(*config.protocols.grpc, next,
                                           Counters(ctx, next, "grpc", limits_.get()), ctx.logger,
                                           *guard, reset_flood_cut);
  }
  if (config.protocols.http) {
    auto guard =
        auth::MakeServerAuthGuard(ctx, config.protocols.http->auth, "protocols.http.auth", "http");
    if (!guard.ok()) {
      setup_ = guard.status();
      return;
    }
    http_ = std::make_unique<HttpFrontend>(
        *config.protocols.http, next, Counters(ctx, next, "http", limits_.get()), ctx.logger,
        *guard, MakeDroppedConnectionCounters(ctx.metrics, ctx.id.ToString()));
  }
}

OtlpReceiver::~OtlpReceiver() { Shutdown(); }

Status OtlpReceiver::Start() {
  RETURN_IF_ERROR(setup_);
  if (grpc_) RETURN_IF_ERROR(grpc_->Start());
  if (http_) {
    Status s = http_->Start();
    if (!s.ok()) {
      if (grpc_) grpc_->Shutdown();
      return s;
    }
  }
  return Status::Ok();
}

void OtlpReceiver::Shutdown() {
  // Both transports stop accepting at once, then drain in parallel.
  std::future<void> grpc_done;
  if (grpc_) grpc_done = std::async(std::launch::async, [this] { grpc_->Shutdown(); });
  if (http_) http_->Shutdown();
  if (grpc_done.valid()) grpc_done.get();
}

int OtlpReceiver::grpc_port() const { return grpc_ ? grpc_->port() : 0; }
int OtlpReceiver::http_port() const { return http_ ? http_->port() : 0; }

}  // namespace otter::otlp_receiver
