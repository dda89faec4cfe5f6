#include "exporters/otlp_grpc/exporter.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/support/byte_buffer.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <future>

#include "exporters/exporterhelper/log_throttle.h"
#include "exporters/exporterhelper/queued_retry_sender.h"
#include "net/tls.h"
#include "otlp/proto_codec.h"

namespace otter::otlp_grpc_exporter {
namespace {

using exporterhelper::Attempt;

constexpr const char* kTracesMethod = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
constexpr const char* kMetricsMethod =
    "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export";
constexpr const char* kLogsMethod = "/opentelemetry.proto.collector.logs.v1.LogsService/Export";

void Encode(const pdata::TraceBatch& b, std::string* out) { otlp::EncodeTraces(b, out); }
void Encode(const pdata::MetricBatch& b, std::string* out) { otlp::EncodeMetrics(b, out); }
void Encode(const pdata::LogBatch& b, std::string* out) { otlp::EncodeLogs(b, out); }

// gRPC codes and otter's StatusCode share numbering (common/status.h).
Status FromGrpc(const grpc::Status& st) {
  int code = st.error_code();
  StatusCode c = code > 0 && code <= 16 ? static_cast<StatusCode>(code) : StatusCode::kUnknown;
  std::string msg = st.error_message();
  if (msg.empty()) msg = "the server answered " + std::string(StatusCodeName(c));
  Status s(c, std::move(msg));
  if (!st.error_details().empty()) {
    if (auto delay = otlp::DecodeRpcStatusRetryDelay(st.error_details()))
      s = s.WithRetryAfter(*delay);
  }
  return s;
}

class OtlpGrpcExporter final : public Exporter {
 public:
  OtlpGrpcExporter(const ComponentContext& ctx, const OtlpGrpcConfig& cfg,
                   std::shared_ptr<grpc::Channel> channel, exporterhelper::SenderOptions options,
                   const auth::ClientAuthenticator* auth)
      : ctx_(ctx),
        auth_(auth),
        cfg_(cfg),
        log_(ctx.logger ? ctx.logger : std::make_shared<spdlog::logger>("otlp_grpc")),
        channel_(std::move(channel)),
        stub_(channel_),
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
    for (const auto& [k, v] : cfg.headers) {
      std::string key = k;
      std::transform(key.begin(), key.end(), key.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      metadata_.emplace_back(std::move(key), v);
    }
  }
  ~OtlpGrpcExporter() override { senders_.Shutdown(); }

  Status Start() override {
    if (cfg_.endpoint.rfind("http://", 0) == 0 && !cfg_.tls.insecure)
      log_->warn(
          "endpoint \"{}\" starts with http:// but tls.insecure is false: the connection "
          "uses TLS (as in otelcol); set tls.insecure: true for plaintext",
          cfg_.endpoint);
    return Status::Ok();
  }
  void Shutdown() override { senders_.Shutdown(); }
  Consumers consumers() override { return senders_.consumers(); }

 private:
  template <class B>
  Status Send(const B& batch, const Attempt& a, const char* method);

  const ComponentContext ctx_;
  const auth::ClientAuthenticator* const auth_;  // null = none; owned by the service
  const OtlpGrpcConfig cfg_;
  std::shared_ptr<spdlog::logger> log_;
  std::shared_ptr<grpc::Channel> channel_;
  grpc::GenericStub stub_;
  std::vector<std::pair<std::string, std::string>> metadata_;
  std::shared_ptr<exporterhelper::Clock> clock_;
  exporterhelper::LogThrottle partial_log_;
  exporterhelper::SignalSenders senders_;  // last: destroyed first, its threads call Send
};

template <class B>
Status OtlpGrpcExporter::Send(const B& batch, const Attempt& a, const char* method) {
  std::string& body = *a.scratch;
  if (body.empty()) Encode(batch, &body);  // once per request; retries resend the bytes
  grpc::Slice slice(body);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  grpc::ClientContext call;
  if (a.timeout > Duration::zero())
    call.set_deadline(std::chrono::system_clock::now() +
                      std::chrono::duration_cast<std::chrono::system_clock::duration>(a.timeout));
  for (const auto& [k, v] : metadata_) call.AddMetadata(k, v);
  if (auth_) {  // credentials may rotate: asked for on every call
    auth::HeaderList creds;
    auth_->AddHeaders(creds);
    for (auto& [k, v] : creds) {
      std::transform(k.begin(), k.end(), k.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      call.AddMetadata(k, v);
    }
  }
  if (cfg_.compression == "gzip") call.set_compression_algorithm(GRPC_COMPRESS_GZIP);
  call.set_wait_for_ready(cfg_.wait_for_ready);

  std::promise<grpc::Status> finished;
  std::future<grpc::Status> result = finished.get_future();
  stub_.UnaryCall(&call, method, grpc::StubOptions(), &request, &response,
                  [&finished](grpc::Status s) { finished.set_value(std::move(s)); });
  grpc::Status st;
  {
    auto abort = a.cancel->OnCancel([&call] { call.TryCancel(); });
    st = result.get();
  }
  if (!st.ok()) return FromGrpc(st);

  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (response.Valid() && response.Dump(&slices).ok()) {
    for (const auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
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
  const auth::ClientAuthenticator* authenticator = nullptr;
  if (config.auth) {
    ASSIGN_OR_RETURN(authenticator, auth::FindClientAuthenticator(ctx, *config.auth, "auth"));
  }
  grpc::ChannelArguments args;
  args.SetUserAgentPrefix("otter");
  if (config.keepalive) {
    using std::chrono::duration_cast;
    using std::chrono::milliseconds;
    args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS,
                static_cast<int>(duration_cast<milliseconds>(config.keepalive->time).count()));
    args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
                static_cast<int>(duration_cast<milliseconds>(config.keepalive->timeout).count()));
    args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, config.keepalive->permit_without_stream);
    args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  }
  if (!config.authority.empty()) args.SetString(GRPC_ARG_DEFAULT_AUTHORITY, config.authority);

  std::shared_ptr<grpc::ChannelCredentials> creds;
  if (config.UseTls()) {
    net::TlsClientSettings tls = config.tls;
    tls.insecure = false;  // an https:// endpoint forces TLS
    auto c = net::MakeGrpcChannelCredentials(tls);
    if (!c.ok()) return c.status();
    creds = *c;
    net::ApplyGrpcChannelTlsArgs(tls, &args);
  } else {
    creds = grpc::InsecureChannelCredentials();
  }
  auto channel = grpc::CreateCustomChannel(config.Target(), creds, args);
  if (!channel) return Internal("cannot create a gRPC channel to " + config.Target());
  return std::unique_ptr<Exporter>(std::make_unique<OtlpGrpcExporter>(
      ctx, config, std::move(channel), std::move(options), authenticator));
}

}  // namespace otter::otlp_grpc_exporter
