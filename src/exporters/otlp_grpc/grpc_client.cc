#include "exporters/otlp_grpc/grpc_client.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/support/byte_buffer.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <future>
#include <utility>
#include <vector>

#include "net/tls.h"
#include "otlp/proto_codec.h"

namespace otter::otlp_grpc_exporter {
namespace {

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

}  // namespace

void WarnAboutEndpointScheme(const GrpcExporterConfig& config, spdlog::logger& log) {
  if (config.endpoint.rfind("http://", 0) == 0 && !config.tls.insecure)
    log.warn(
        "endpoint \"{}\" starts with http:// but tls.insecure is false: the connection uses "
        "TLS (as in otelcol); set tls.insecure: true for plaintext",
        config.endpoint);
}

struct GrpcUnaryClient::Impl {
  Impl(const GrpcExporterConfig& cfg, std::shared_ptr<grpc::Channel> ch,
       const auth::ClientAuthenticator* a)
      : channel(std::move(ch)),
        stub(channel),
        auth(a),
        gzip(cfg.compression == "gzip"),
        wait_for_ready(cfg.wait_for_ready) {
    for (const auto& [k, v] : cfg.headers) {
      std::string key = k;
      std::transform(key.begin(), key.end(), key.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      metadata.emplace_back(std::move(key), v);
    }
  }
  std::shared_ptr<grpc::Channel> channel;
  grpc::GenericStub stub;
  std::vector<std::pair<std::string, std::string>> metadata;
  const auth::ClientAuthenticator* const auth;  // null = none; owned by the service
  const bool gzip;
  const bool wait_for_ready;
};

GrpcUnaryClient::GrpcUnaryClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
GrpcUnaryClient::~GrpcUnaryClient() = default;

StatusOr<std::unique_ptr<GrpcUnaryClient>> GrpcUnaryClient::Create(
    const ComponentContext& ctx, const GrpcExporterConfig& config) {
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
  if (!config.balancer_name.empty()) args.SetLoadBalancingPolicyName(config.balancer_name);

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
  return std::unique_ptr<GrpcUnaryClient>(
      new GrpcUnaryClient(std::make_unique<Impl>(config, std::move(channel), authenticator)));
}

Status GrpcUnaryClient::Call(const char* method, std::string_view request,
                             const exporterhelper::Attempt& attempt, std::string* response,
                             const pdata::Metadata* metadata) {
  grpc::Slice slice(request.data(), request.size());
  grpc::ByteBuffer request_buffer(&slice, 1);
  grpc::ByteBuffer response_buffer;
  grpc::ClientContext call;
  if (attempt.timeout > Duration::zero())
    call.set_deadline(
        std::chrono::system_clock::now() +
        std::chrono::duration_cast<std::chrono::system_clock::duration>(attempt.timeout));
  for (const auto& [k, v] : impl_->metadata) call.AddMetadata(k, v);
  if (impl_->auth) {
    auth::HeaderList creds;
    static const pdata::Metadata kNone;
    RETURN_IF_ERROR(impl_->auth->AddRequestHeaders(creds, metadata ? *metadata : kNone));
    for (auto& [k, v] : creds) {
      std::transform(k.begin(), k.end(), k.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      call.AddMetadata(k, v);
    }
  }
  if (impl_->gzip) call.set_compression_algorithm(GRPC_COMPRESS_GZIP);
  call.set_wait_for_ready(impl_->wait_for_ready);

  std::promise<grpc::Status> finished;
  std::future<grpc::Status> result = finished.get_future();
  impl_->stub.UnaryCall(&call, method, grpc::StubOptions(), &request_buffer, &response_buffer,
                        [&finished](grpc::Status s) { finished.set_value(std::move(s)); });
  grpc::Status st;
  {
    auto abort = attempt.cancel->OnCancel([&call] { call.TryCancel(); });
    st = result.get();
  }
  if (!st.ok()) return FromGrpc(st);

  response->clear();
  std::vector<grpc::Slice> slices;
  if (response_buffer.Valid() && response_buffer.Dump(&slices).ok()) {
    for (const auto& s : slices)
      response->append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return Status::Ok();
}

}  // namespace otter::otlp_grpc_exporter
