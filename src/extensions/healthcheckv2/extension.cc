#include "extensions/healthcheckv2/extension.h"

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "component/status_hub.h"
#include "extensions/health_check/extension.h"
#include "extensions/healthcheckv2/aggregation.h"
#include "net/endpoint.h"
#include "query/http_params.h"

namespace otter::healthcheckv2 {
namespace {

// Every method but the health service's: UNIMPLEMENTED. (Registering it also gives the server
// the callback machinery the built-in health service runs on.)
struct NoOtherMethods final : grpc::CallbackGenericService {
  struct Refuse final : grpc::ServerGenericBidiReactor {
    explicit Refuse(const std::string& method) {
      Finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                          "unknown method " + method + "; this server has grpc.health.v1.Health"));
    }
    void OnDone() override { delete this; }
  };
  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext* ctx) override {
    return new Refuse(ctx->method());
  }
};

class StatusExtension final : public Extension {
 public:
  StatusExtension(const ComponentContext& ctx, const HealthCheckV2Config& cfg)
      : ctx_(ctx), cfg_(cfg) {}
  ~StatusExtension() override { Shutdown(); }

  Status Start() override {
    started_ = std::chrono::system_clock::now();
    net::HttpServerOptions o;
    o.endpoint = cfg_.http.endpoint;
    o.threads = 1;
    o.max_request_body_size = 64 * 1024;
    o.tls = cfg_.http.tls;
    o.logger = ctx_.logger;
    o.shutdown_timeout = std::chrono::seconds(5);
    http_ = std::make_unique<net::HttpServer>(
        std::move(o),
        [this](net::HttpRequest&& req, net::HttpResponder respond) { respond(Answer(req)); });
    if (Status s = http_->Start(); !s.ok()) {
      http_.reset();
      return s.Annotate("healthcheckv2 http");
    }
    RETURN_IF_ERROR(StartGrpc());
    ctx_.logger->info("healthcheckv2: status on http://{}{}, gRPC health on {}", http_->address(),
                      cfg_.http.status.path, grpc_address_);
    return Status::Ok();
  }

  void Shutdown() override {
    {
      std::lock_guard l(mu_);
      if (stopping_) return;
      stopping_ = true;
    }
    cv_.notify_all();
    if (ticker_.joinable()) ticker_.join();
    if (grpc_) grpc_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
    if (http_) http_->Stop();
  }

 private:
  net::HttpResponse Answer(const net::HttpRequest& req) const {
    if (!cfg_.http.status.enabled || req.path() != cfg_.http.status.path)
      return net::HttpResponse::Text(404, "404 page not found\n");
    auto params = query::HttpParams::FromRequest(req);
    if (!params.ok()) return net::HttpResponse::Text(400, std::string(params.status().message()));
    const auto snap = ctx_.status ? ctx_.status->GetSnapshot() : StatusHub::Snapshot{};
    const auto now = std::chrono::system_clock::now();
    Aggregate a;
    if (auto pipeline = params->Get("pipeline")) {
      auto p = AggregatePipeline(snap, *pipeline, cfg_.component_health);
      if (!p) return net::HttpResponse::Text(404, "unknown pipeline \"" + *pipeline + "\"\n");
      a = std::move(*p);
    } else {
      a = AggregateCollector(snap, cfg_.component_health);
    }
    net::HttpResponse r;
    r.status = HttpCode(a, cfg_.component_health, now);
    r.headers.emplace_back("Content-Type", "application/json");
    r.body = ToJson(a, cfg_.component_health, now, started_, params->Has("verbose"));
    return r;
  }

  Status StartGrpc() {
    auto hp = net::ParseEndpoint(cfg_.grpc.endpoint);
    if (!hp.ok()) return hp.status();
    grpc::ServerBuilder b;
    int port = 0;
    b.AddListeningPort(net::HostPort{hp->BindHost(), hp->port}.ToString(),
                       grpc::InsecureServerCredentials(), &port);
    b.RegisterCallbackGenericService(&no_other_methods_);
    // The default health service is switched on for this server only: the flag is read when a
    // server is built, and every server is built on the service thread.
    grpc::EnableDefaultHealthCheckService(true);
    grpc_ = b.BuildAndStart();
    grpc::EnableDefaultHealthCheckService(false);
    if (!grpc_ || port == 0)
      return Unavailable("healthcheckv2 grpc: cannot listen on " + cfg_.grpc.endpoint);
    grpc_address_ = net::HostPort{hp->BindHost(), static_cast<uint16_t>(port)}.ToString();
    Refresh();
    ticker_ = std::thread([this] {
      std::unique_lock l(mu_);
      while (!cv_.wait_for(l, std::chrono::milliseconds(500), [this] { return stopping_; })) {
        l.unlock();
        Refresh();
        l.lock();
      }
    });
    return Status::Ok();
  }

  void Refresh() {
    auto* health = grpc_->GetHealthCheckService();
    if (!health) return;
    const auto snap = ctx_.status ? ctx_.status->GetSnapshot() : StatusHub::Snapshot{};
    const auto now = std::chrono::system_clock::now();
    const auto& opts = cfg_.component_health;
    health->SetServingStatus("", HttpCode(AggregateCollector(snap, opts), opts, now) == 200);
    for (const auto& p : snap.pipelines)
      health->SetServingStatus(p.name,
                               HttpCode(*AggregatePipeline(snap, p.name, opts), opts, now) == 200);
  }

  const ComponentContext ctx_;
  const HealthCheckV2Config cfg_;
  std::chrono::system_clock::time_point started_;
  std::unique_ptr<net::HttpServer> http_;
  NoOtherMethods no_other_methods_;
  std::unique_ptr<grpc::Server> grpc_;
  std::string grpc_address_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // GUARDED_BY(mu_)
  std::thread ticker_;
};

}  // namespace

StatusOr<std::unique_ptr<Extension>> CreateExtension(const ComponentContext& ctx,
                                                     const HealthCheckV2Config& config) {
  if (!config.use_v2)
    return std::unique_ptr<Extension>(
        std::make_unique<health_check::HealthCheckExtension>(ctx, config.legacy));
  return std::unique_ptr<Extension>(std::make_unique<StatusExtension>(ctx, config));
}

}  // namespace otter::healthcheckv2
