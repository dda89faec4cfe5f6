#include "receivers/otlp/grpc_frontend.h"

#include <arpa/inet.h>
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/resource_quota.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <grpcpp/support/byte_buffer.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstring>

#include "auth/server_guard.h"
#include "net/endpoint.h"
#include "net/reset_flood_guard.h"
#include "net/tls.h"
#include "otlp/proto_codec.h"

namespace otter::otlp_receiver {
namespace {

constexpr auto kShutdownGrace = std::chrono::seconds(30);

int Millis(config::Duration d) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  return static_cast<int>(std::clamp<int64_t>(ms, 0, INT_MAX));
}

// The message as one string (the decoder and the batch's arena want contiguous bytes): gRPC
// assembles a message of tens of KB from several slices. One exact-size allocation and one copy;
// the slice list is reused by the thread.
std::string Flatten(const grpc::ByteBuffer& buffer) {
  thread_local std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  out.resize(buffer.Length());
  char* at = out.data();
  for (const auto& s : slices) {
    std::memcpy(at, s.begin(), s.size());
    at += s.size();
  }
  out.resize(static_cast<size_t>(at - out.data()));
  slices.clear();  // drop the references now, not at the next call
  return out;
}

// Why gRPC could not listen: gRPC does not say, so try the bind ourselves for the errno.
std::string ProbeBind(const net::HostPort& hp) {
  std::string host = hp.BindHost();
  sockaddr_storage ss{};
  socklen_t len = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(hp.port);
    len = sizeof *v4;
  } else if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(hp.port);
    len = sizeof *v6;
  } else {
    return "cannot listen (could not resolve or bind the host)";
  }
  int fd = socket(ss.ss_family, SOCK_STREAM, 0);
  if (fd < 0) return std::strerror(errno);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  std::string why = bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0
                        ? std::string("bind: ") + std::strerror(errno)
                        : "cannot listen";
  close(fd);
  return why;
}

// The connection a call came on, for the rapid-reset guard: a call the client cancels before
// otter has its request message is a premature reset, reported as soon as gRPC says so (OnCancel
// comes before OnDone); any other call is reported when done.
struct CallPeer {
  CallPeer(net::ResetFloodGuard* r, std::string p) : resets(r), peer(std::move(p)) {}
  void PrematureReset() {
    if (!reported.exchange(true)) resets->CallEnded(peer, true);
  }
  void Done() {
    if (!reported.exchange(true)) resets->CallEnded(peer, false);
  }
  net::ResetFloodGuard* const resets;
  const std::string peer;  // gRPC's peer(), e.g. "ipv4:10.1.2.3:5678"
  std::atomic<bool> reported{false};
};

// Answers a call at once (unknown method, or a signal without a pipeline, or unauthenticated).
class RejectReactor final : public grpc::ServerGenericBidiReactor {
 public:
  RejectReactor(grpc::Status status, net::ResetFloodGuard* resets, std::string peer)
      : peer_(resets, std::move(peer)) {
    Finish(std::move(status));
  }
  void OnCancel() override { peer_.PrematureReset(); }
  void OnDone() override {
    peer_.Done();
    delete this;
  }

 private:
  CallPeer peer_;
};

// The OK reply's message: an Export*ServiceResponse, with partial_success when the pipeline kept
// only part of the request.
grpc::ByteBuffer ExportResponse(const Status& s) {
  std::string out;
  otlp::EncodeExportResponse(static_cast<int64_t>(s.rejected_items()), s.message(), &out);
  grpc::Slice slice(out);
  return grpc::ByteBuffer(&slice, 1);
}

// An error as a gRPC status; grpc-status-details-bin carries google.rpc.Status with RetryInfo.
grpc::Status ErrorStatus(const Status& s) {
  WireError w = ToWire(s);
  std::string details;
  if (w.retry_info) otlp::EncodeRpcStatus(w.grpc_code, w.message, &details, w.retry_info);
  return grpc::Status(static_cast<grpc::StatusCode>(w.grpc_code), w.message, details);
}

// One Export call: read the request, hand it to the pipeline, answer when it completes.
template <class B>
class ExportReactor final : public grpc::ServerGenericBidiReactor {
 public:
  // `metadata_of`: the call whose metadata travels with the batch (include_metadata), or null;
  // gRPC keeps it alive until OnDone.
  ExportReactor(Consumer<B>* consumer, ItemCounters counters, net::ResetFloodGuard* resets,
                std::string peer, const grpc::GenericCallbackServerContext* metadata_of)
      : consumer_(consumer),
        counters_(counters),
        peer_(resets, std::move(peer)),
        metadata_of_(metadata_of) {
    StartRead(&request_);
  }

  // Also runs for a call whose client gave up waiting for the answer: only one cancelled before
  // its message arrived counts against the connection.
  void OnCancel() override {
    if (!got_message_.load(std::memory_order_acquire)) peer_.PrematureReset();
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // the client closed without a message, or the message was refused (e.g. too large)
      Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "no request message received"));
      return;
    }
    got_message_.store(true, std::memory_order_release);
    std::string body = Flatten(request_);
    request_.Clear();
    RequestClient client{ClientIpFromPeer(peer_.peer), {}};
    if (metadata_of_) {
      // Like configgrpc: every metadata entry (gRPC keys are lower-case), and the authority as
      // "host" when the client sent no host entry.
      bool has_host = false;
      for (const auto& [key, value] : metadata_of_->client_metadata()) {
        std::string_view k(key.data(), key.size());
        has_host = has_host || k == "host";
        client.metadata.emplace_back(k, std::string_view(value.data(), value.size()));
      }
      if (!has_host && !metadata_of_->host().empty())
        client.metadata.emplace_back("host", metadata_of_->host());
    }
    Ingest(*consumer_, std::move(body), WireFormat::kProtobuf, counters_,
           Completion([this](Status s) { Reply(s); }), std::move(client));
  }

  void OnDone() override {
    peer_.Done();
    delete this;
  }

 private:
  void Reply(const Status& s) {
    if (!s.ok()) return Finish(ErrorStatus(s));
    response_ = ExportResponse(s);
    StartWriteAndFinish(&response_, grpc::WriteOptions(), grpc::Status::OK);
  }

  Consumer<B>* consumer_;
  ItemCounters counters_;
  CallPeer peer_;
  const grpc::GenericCallbackServerContext* const metadata_of_;
  std::atomic<bool> got_message_{false};
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
};

// Answers like grpc-go does for methods it does not serve, so clients log the same words as
// against the Go collector. `served` lists the services that have a pipeline.
grpc::ServerGenericBidiReactor* Unimplemented(std::string_view method,
                                              const std::vector<std::string_view>& served,
                                              net::ResetFloodGuard* resets, std::string peer) {
  std::string_view m = method.substr(!method.empty() && method[0] == '/' ? 1 : 0);
  size_t slash = m.find('/');
  std::string msg;
  if (slash == std::string_view::npos) {
    msg = "malformed method name: \"" + std::string(method) + "\"";
  } else {
    std::string_view service = m.substr(0, slash);
    bool known = std::find(served.begin(), served.end(), service) != served.end();
    msg = known ? "unknown method " + std::string(m.substr(slash + 1)) + " for service " +
                      std::string(service)
                : "unknown service " + std::string(service);
  }
  return new RejectReactor(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, msg), resets,
                           std::move(peer));
}

// "/pkg.Service/Export" → "pkg.Service".
constexpr std::string_view ServiceOf(std::string_view method) {
  return method.substr(1, method.rfind('/') - 1);
}

}  // namespace

std::vector<std::pair<std::string, int>> GrpcServerArgs(const GrpcProtocolConfig& c) {
  std::vector<std::pair<std::string, int>> args;
  args.emplace_back(GRPC_ARG_ALLOW_REUSEPORT, 0);
  uint64_t mib = c.max_recv_msg_size_mib == 0 ? 4 : c.max_recv_msg_size_mib;
  args.emplace_back(GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH,
                    static_cast<int>(std::min<uint64_t>(mib * 1024 * 1024, INT_MAX)));
  if (c.max_concurrent_streams > 0)
    args.emplace_back(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                      static_cast<int>(std::min<uint64_t>(c.max_concurrent_streams, INT_MAX)));
  const auto& sp = c.keepalive.server_parameters;
  if (sp.max_connection_idle)
    args.emplace_back(GRPC_ARG_MAX_CONNECTION_IDLE_MS, Millis(*sp.max_connection_idle));
  if (sp.max_connection_age)
    args.emplace_back(GRPC_ARG_MAX_CONNECTION_AGE_MS, Millis(*sp.max_connection_age));
  if (sp.max_connection_age_grace)
    args.emplace_back(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS, Millis(*sp.max_connection_age_grace));
  if (sp.time) args.emplace_back(GRPC_ARG_KEEPALIVE_TIME_MS, Millis(*sp.time));
  if (sp.timeout) args.emplace_back(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, Millis(*sp.timeout));
  const auto& ep = c.keepalive.enforcement_policy;
  if (ep.min_time)
    args.emplace_back(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, Millis(*ep.min_time));
  args.emplace_back(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, ep.permit_without_stream ? 1 : 0);
  return args;
}

struct GrpcFrontend::Impl final : grpc::CallbackGenericService {
  GrpcProtocolConfig config;
  Consumers next;
  std::array<ItemCounters, 3> counters;
  std::shared_ptr<spdlog::logger> logger;
  std::shared_ptr<const auth::ServerAuthGuard> guard;  // null = no auth
  telemetry::Counter* reset_flood_cut = nullptr;
  std::unique_ptr<net::ResetFloodGuard> resets;  // set in Start, once the port is known
  std::unique_ptr<grpc::Server> server;
  int port = 0;

  // The call's metadata checked by the authenticator; a refused call is answered at once, before
  // its message is read.
  std::optional<grpc::Status> Authenticate(grpc::GenericCallbackServerContext* ctx) const {
    const auto& md = ctx->client_metadata();
    auto err = guard->Check(
        [&md](std::string_view name) -> std::optional<std::string_view> {
          std::string key(name);  // gRPC metadata keys are lower-case
          for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
          auto it = md.find(grpc::string_ref(key));
          if (it == md.end()) return std::nullopt;
          return std::string_view(it->second.data(), it->second.size());
        },
        ctx->peer());
    if (!err) return std::nullopt;
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, err->message);
  }

  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext* ctx) override {
    const std::string& method = ctx->method();
    std::string peer = ctx->peer();
    if (guard)
      if (auto refused = Authenticate(ctx))
        return new RejectReactor(std::move(*refused), resets.get(), std::move(peer));
    const grpc::GenericCallbackServerContext* metadata_of = config.include_metadata ? ctx : nullptr;
    if (method == kTraceExportMethod && next.traces)
      return new ExportReactor<pdata::TraceBatch>(next.traces, counters[0], resets.get(),
                                                  std::move(peer), metadata_of);
    if (method == kMetricsExportMethod && next.metrics)
      return new ExportReactor<pdata::MetricBatch>(next.metrics, counters[1], resets.get(),
                                                   std::move(peer), metadata_of);
    if (method == kLogsExportMethod && next.logs)
      return new ExportReactor<pdata::LogBatch>(next.logs, counters[2], resets.get(),
                                                std::move(peer), metadata_of);
    std::vector<std::string_view> served;
    if (next.traces) served.push_back(ServiceOf(kTraceExportMethod));
    if (next.metrics) served.push_back(ServiceOf(kMetricsExportMethod));
    if (next.logs) served.push_back(ServiceOf(kLogsExportMethod));
    return Unimplemented(method, served, resets.get(), std::move(peer));
  }
};

GrpcFrontend::GrpcFrontend(const GrpcProtocolConfig& config, Consumers next,
                           std::array<ItemCounters, 3> counters,
                           std::shared_ptr<spdlog::logger> logger,
                           std::shared_ptr<const auth::ServerAuthGuard> guard,
                           telemetry::Counter* reset_flood_cut)
    : impl_(std::make_unique<Impl>()) {
  if (guard && guard->enabled()) impl_->guard = std::move(guard);
  impl_->reset_flood_cut = reset_flood_cut;
  impl_->config = config;
  impl_->next = next;
  impl_->counters = counters;
  impl_->logger = std::move(logger);
}

GrpcFrontend::~GrpcFrontend() { Shutdown(); }

Status GrpcFrontend::Start() {
  const GrpcProtocolConfig& c = impl_->config;
  auto where = [&](const Status& s) { return s.Annotate("otlp receiver, protocols.grpc"); };
  StatusOr<net::HostPort> hp = net::ParseEndpoint(c.endpoint);
  if (!hp.ok()) return where(hp.status());
  std::shared_ptr<grpc::ServerCredentials> creds = grpc::InsecureServerCredentials();
  if (c.tls) {
    auto tls = net::MakeGrpcServerCredentials(*c.tls);
    if (!tls.ok()) return where(tls.status());
    creds = *tls;
  }
  grpc::ServerBuilder builder;
  std::string address = hp->ToString();
  builder.AddListeningPort(address, creds, &impl_->port);
  builder.RegisterCallbackGenericService(impl_.get());
  for (const auto& [name, value] : GrpcServerArgs(c)) builder.AddChannelArgument(name, value);
  // A memory bound for gRPC's own buffers and calls: under pressure gRPC slows reads and refuses
  // new streams instead of growing (e.g. an HTTP/2 rapid-reset flood). Room for 16 requests of
  // the largest accepted size, at least 64 MiB.
  uint64_t mib = c.max_recv_msg_size_mib == 0 ? 4 : c.max_recv_msg_size_mib;
  grpc::ResourceQuota quota("otlp receiver " + address);
  quota.Resize(static_cast<size_t>(std::max<uint64_t>(64, 16 * mib)) << 20);
  builder.SetResourceQuota(quota);
  // impl_->port is set by BuildAndStart, before the first call arrives.
  impl_->resets = std::make_unique<net::ResetFloodGuard>(
      net::ResetFloodGuard::Options{},
      [impl = impl_.get()](std::string_view peer) {
        return net::ShutdownTcpConnection(peer, impl->port);
      },
      impl_->reset_flood_cut, impl_->logger, "otlp receiver (grpc)");
  impl_->server = builder.BuildAndStart();
  if (!impl_->server || impl_->port == 0) {
    impl_->server.reset();
    impl_->port = 0;
    return where(FailedPrecondition("listen tcp " + address + ": " + ProbeBind(*hp)));
  }
  if (impl_->logger)
    impl_->logger->info("OTLP/gRPC listening on {}",
                        hp->BindHost() + ":" + std::to_string(impl_->port));
  return Status::Ok();
}

void GrpcFrontend::Shutdown() {
  if (!impl_->server) return;
  // New calls are refused at once; accepted ones get until the deadline, then are cancelled.
  // Either way each is answered (its Completion always fires) before Shutdown returns.
  impl_->server->Shutdown(std::chrono::system_clock::now() + kShutdownGrace);
  impl_->server->Wait();
  impl_->server.reset();
}

int GrpcFrontend::port() const { return impl_->port; }

}  // namespace otter::otlp_receiver
