#include "exporters/otlp_grpc/exporter.h"

#include <spdlog/spdlog.h>

#include "exporters/exporterhelper/log_throttle.h"
#include "exporters/exporterhelper/queued_retry_sender.h"
#include "exporters/otlp_grpc/grpc_client.h"
#include "otlp/proto_codec.h"
#include "otlp/wire_split.h"

namespace otter::otlp_grpc_exporter {
namespace {

using exporterhelper::Attempt;

constexpr const char* kTracesMethod = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
constexpr const char* kMetricsMethod =
    "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export";
constexpr const char* kLogsMethod = "/opentelemetry.proto.collector.logs.v1.LogsService/Export";

class OtlpGrpcExporter final : public Exporter {
 public:
  OtlpGrpcExporter(const ComponentContext& ctx, const OtlpGrpcConfig& cfg,
                   std::unique_ptr<GrpcUnaryClient> client, exporterhelper::SenderOptions options)
      : cfg_(cfg),
        log_(ctx.logger ? ctx.logger : std::make_shared<spdlog::logger>("otlp_grpc")),
        client_(std::move(client)),
        clock_(options.clock ? options.clock : std::make_shared<exporterhelper::SteadyClock>()),
        senders_(ctx, cfg.Sender(),
                 {[this](const pdata::TraceBatch& b, const Attempt& a) {
                    return Send(b, a, kTracesMethod);
                  },
                  [this](const pdata::MetricBatch& b, const Attempt& a) {
                    return Send(b, a, kMetricsMethod);
                  },
                  [this](const pdata::LogBatch& b, const Attempt& a) {
                    return Send(b, a, kLogsMethod);
                  }},
                 options) {
    senders_.TakeUndecoded();  // a request forwarded as it came is never decoded
  }
  ~OtlpGrpcExporter() override { senders_.Shutdown(); }

  Status Start() override {
    WarnAboutEndpointScheme(cfg_, *log_);
    return senders_.Start();
  }
  void Shutdown() override { senders_.Shutdown(); }
  Consumers consumers() override { return senders_.consumers(); }

 private:
  template <class B>
  Status Send(const B& batch, const Attempt& a, const char* method);

  const OtlpGrpcConfig cfg_;
  std::shared_ptr<spdlog::logger> log_;
  std::unique_ptr<GrpcUnaryClient> client_;
  std::shared_ptr<exporterhelper::Clock> clock_;
  exporterhelper::LogThrottle partial_log_;
  exporterhelper::SignalSenders senders_;  // last: destroyed first, its threads call Send
};

template <class B>
Status OtlpGrpcExporter::Send(const B& batch, const Attempt& a, const char* method) {
  std::string& body = *a.scratch;
  if (body.empty()) otlp::AppendRequest(batch, &body);  // once; retries resend the bytes
  std::string bytes;
  RETURN_IF_ERROR(client_->Call(method, body, a, &bytes, &batch.metadata()));
  auto r = otlp::DecodeExportResponse(bytes);
  if (!r.ok()) {
    // As grpc-go would fail to unmarshal it: the answer is not OTLP.
    return Internal("cannot decode the Export response from " + cfg_.endpoint + ": " +
                    std::string(r.status().message()));
  }
  if (r->partial_success && (r->rejected > 0 || !r->error_message.empty())) {
    uint64_t suppressed = 0;
    if (partial_log_.Allow(*clock_, &suppressed)) {
      log_->warn("partial success: the server rejected {} {} of {}: {}{}", r->rejected,
                 SignalItemName(SignalOf<B>()), batch.ItemCount(), r->error_message,
                 exporterhelper::LogThrottle::Suffix(suppressed));
    }
  }
  return Status::Ok();
}

}  // namespace

StatusOr<std::unique_ptr<Exporter>> CreateExporter(const ComponentContext& ctx,
                                                   const OtlpGrpcConfig& config,
                                                   exporterhelper::SenderOptions options) {
  RETURN_IF_ERROR(config.Validate());
  ASSIGN_OR_RETURN(auto client, GrpcUnaryClient::Create(ctx, config));
  return std::unique_ptr<Exporter>(
      std::make_unique<OtlpGrpcExporter>(ctx, config, std::move(client), std::move(options)));
}

}  // namespace otter::otlp_grpc_exporter
