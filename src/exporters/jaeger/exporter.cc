#include "exporters/jaeger/exporter.h"

#include <spdlog/spdlog.h>

#include "exporters/exporterhelper/queued_retry_sender.h"
#include "exporters/jaeger/jaeger_proto.h"
#include "exporters/otlp_grpc/grpc_client.h"

namespace otter::jaeger_exporter {
namespace {

using exporterhelper::Attempt;
using otlp_grpc_exporter::GrpcUnaryClient;

class JaegerExporter final : public Exporter {
 public:
  JaegerExporter(const ComponentContext& ctx, const JaegerConfig& cfg,
                 std::unique_ptr<GrpcUnaryClient> client, exporterhelper::SenderOptions options)
      : cfg_(cfg),
        log_(ctx.logger ? ctx.logger : std::make_shared<spdlog::logger>("jaeger")),
        client_(std::move(client)),
        sender_(
            ctx, cfg.Sender(),
            [this](const pdata::TraceBatch& b, const Attempt& a) { return Send(b, a); },
            std::move(options)) {}
  ~JaegerExporter() override { Shutdown(); }

  Status Start() override {
    WarnAboutEndpointScheme(cfg_, *log_);
    return sender_.Start();
  }
  void Shutdown() override {
    sender_.BeginShutdown();
    sender_.Shutdown();
  }
  Consumers consumers() override {
    Consumers c;
    c.traces = &sender_;
    return c;
  }

 private:
  // The requests (one per resource) are encoded once into the attempt's scratch; an accepted
  // one is cut off, so a retry resends only the rest.
  Status Send(const pdata::TraceBatch& batch, const Attempt& a) {
    std::string& pending = *a.scratch;
    if (a.number == 1) EncodePostSpansRequests(batch, &pending);
    std::string response;
    while (!pending.empty()) {
      std::string_view request = FirstRequest(pending);
      if (request.empty()) return Internal("jaeger: malformed encoded request");  // a bug
      RETURN_IF_ERROR(client_->Call(kPostSpansMethod, request, a, &response));
      pending.erase(0, request.size());
    }
    return Status::Ok();
  }

  const JaegerConfig cfg_;
  std::shared_ptr<spdlog::logger> log_;
  std::unique_ptr<GrpcUnaryClient> client_;
  exporterhelper::QueuedRetrySender<pdata::TraceBatch> sender_;  // last: its threads call Send
};

}  // namespace

StatusOr<std::unique_ptr<Exporter>> CreateExporter(const ComponentContext& ctx,
                                                   const JaegerConfig& config,
                                                   exporterhelper::SenderOptions options) {
  RETURN_IF_ERROR(config.Validate());
  ASSIGN_OR_RETURN(auto client, GrpcUnaryClient::Create(ctx, config));
  return std::unique_ptr<Exporter>(
      std::make_unique<JaegerExporter>(ctx, config, std::move(client), std::move(options)));
}

}  // namespace otter::jaeger_exporter
