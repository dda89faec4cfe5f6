#include "exporters/loadbalancing/exporter.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "exporters/loadbalancing/partition.h"
#include "exporters/otlp_grpc/exporter.h"

namespace otter::loadbalancing {
namespace {

struct Backend {
  std::string endpoint;
  std::unique_ptr<Exporter> exporter;
  telemetry::Counter* succeeded = nullptr;
  telemetry::Counter* failed = nullptr;
};

// One ring and the exporters of its endpoints (backends[i] serves ring.endpoints()[i]).
struct Members {
  explicit Members(std::vector<std::string> endpoints) : ring(std::move(endpoints)) {}
  HashRing ring;
  std::vector<std::shared_ptr<Backend>> backends;
};

class LoadBalancer;

template <class B>
class SignalConsumer final : public Consumer<B> {
 public:
  SignalConsumer(LoadBalancer* lb, StatusOr<RoutingKey> key) : lb_(lb), key_(std::move(key)) {}
  void Consume(B&& batch, Completion done) override;
  bool MutatesData() const override { return true; }  // items move into the parts

 private:
  LoadBalancer* lb_;
  StatusOr<RoutingKey> key_;
};

class LoadBalancer final : public Exporter {
 public:
  LoadBalancer(const ComponentContext& ctx, LoadBalancingConfig cfg, BackendFactory factory,
               HostLookup lookup)
      : ctx_(ctx),
        cfg_(std::move(cfg)),
        factory_(std::move(factory)),
        lookup_(std::move(lookup)),
        resolver_name_(cfg_.resolver.dns ? "dns" : "static"),
        traces_(this, cfg_.KeyFor(Signal::kTraces)),
        metrics_(this, cfg_.KeyFor(Signal::kMetrics)),
        logs_(this, cfg_.KeyFor(Signal::kLogs)) {
    auto& m = *ctx_.metrics;
    resolutions_ok_ = &m.GetCounter("otelcol_loadbalancer_num_resolutions",
                                    "Backend list resolutions, by outcome.",
                                    {{"resolver", resolver_name_}, {"success", "true"}});
    resolutions_failed_ = &m.GetCounter("otelcol_loadbalancer_num_resolutions",
                                        "Backend list resolutions, by outcome.",
                                        {{"resolver", resolver_name_}, {"success", "false"}});
    updates_ = &m.GetCounter("otelcol_loadbalancer_num_backend_updates",
                             "Resolutions that changed the list of backends.",
                             {{"resolver", resolver_name_}});
    backends_gauge_ = &m.GetGauge("otelcol_loadbalancer_num_backends", "Backends in use.",
                                  {{"resolver", resolver_name_}});
  }
  ~LoadBalancer() override { Shutdown(); }

  Consumers consumers() override { return {&traces_, &metrics_, &logs_}; }

  Status Start() override {
    // The host is valid during Start only: backends made later (DNS changes) get none.
    starting_host_ = ctx_.host;
    struct Clear {
      LoadBalancer* lb;
      ~Clear() {
        std::lock_guard apply(lb->apply_mu_);
        lb->starting_host_ = nullptr;
      }
    } clear{this};
    if (cfg_.resolver.static_hosts) {
      std::vector<std::string> endpoints;
      for (const auto& h : cfg_.resolver.static_hosts->hostnames)
        endpoints.push_back(WithDefaultPort(h));
      resolutions_ok_->Add(1);
      return Apply(std::move(endpoints));
    }
    Resolve();  // a failure is logged; the thread keeps trying
    resolver_ = std::thread([this] {
      std::unique_lock lock(stop_mu_);
      while (!stop_cv_.wait_for(lock, cfg_.resolver.dns->interval, [this] { return stopping_; })) {
        lock.unlock();
        Resolve();
        ReapRetired();
        lock.lock();
      }
    });
    return Status::Ok();
  }

  void Shutdown() override {
    {
      std::lock_guard lock(stop_mu_);
      if (shut_down_) return;
      stopping_ = shut_down_ = true;
    }
    stop_cv_.notify_all();
    if (resolver_.joinable()) resolver_.join();
    std::shared_ptr<const Members> last;
    {
      std::lock_guard lock(members_mu_);
      last = std::exchange(members_, nullptr);
    }
    std::lock_guard apply(apply_mu_);
    if (last)
      for (const auto& b : last->backends) b->exporter->Shutdown();
    for (const auto& b : retired_) b->exporter->Shutdown();
    retired_.clear();
  }

  template <class B>
  void Route(B&& batch, Completion done, const StatusOr<RoutingKey>& key) {
    if (!key.ok()) {
      done(key.status());
      return;
    }
    std::shared_ptr<const Members> m = Snapshot();
    if (!m || m->ring.empty()) {
      done(Unavailable("loadbalancing: no backends to send to (the resolver found none yet)"));
      return;
    }
    PartitionOptions options{*key, &cfg_.routing_attributes, &round_robin_};
    auto parts = Partition(std::move(batch), m->ring, options);
    auto completions = SplitCompletion(std::move(done), parts.size());
    for (size_t i = 0; i < parts.size(); ++i) {
      std::shared_ptr<Backend> be = m->backends[parts[i].first];
      Consumer<B>* next = be->exporter->consumers().template get<B>();
      next->Consume(std::move(parts[i].second),
                    Completion([be, done = std::move(completions[i])](Status s) mutable {
                      (s.ok() ? be->succeeded : be->failed)->Add(1);
                      done(std::move(s));
                    }));
    }
  }

 private:
  std::shared_ptr<const Members> Snapshot() {
    std::lock_guard lock(members_mu_);
    return members_;
  }

  void Resolve() {
    const DnsResolver& dns = *cfg_.resolver.dns;
    auto ips = lookup_(dns.hostname, dns.timeout);
    if (!ips.ok()) {
      resolutions_failed_->Add(1);
      ctx_.logger->warn("loadbalancing: resolving \"{}\" failed: {}; keeping {} backends",
                        dns.hostname, ips.status().message(), backends_gauge_->value());
      return;
    }
    resolutions_ok_->Add(1);
    std::vector<std::string> endpoints;
    for (const auto& ip : *ips)
      endpoints.push_back(ip.find(':') != std::string::npos ? "[" + ip + "]:" + dns.port
                                                            : ip + ":" + dns.port);
    if (Status s = Apply(std::move(endpoints)); !s.ok())
      ctx_.logger->error("loadbalancing: {}", s.message());
  }

  // Installs the ring for `endpoints`, reusing the exporters of endpoints that stay.
  Status Apply(std::vector<std::string> endpoints) {
    std::lock_guard apply(apply_mu_);
    auto next = std::make_shared<Members>(std::move(endpoints));
    std::shared_ptr<const Members> cur = Snapshot();
    if (cur && cur->ring.endpoints() == next->ring.endpoints()) return Status::Ok();
    std::vector<std::string> usable;
    std::vector<std::shared_ptr<Backend>> backends;
    Status first_error;
    for (const std::string& ep : next->ring.endpoints()) {
      std::shared_ptr<Backend> be;
      if (cur) {
        for (const auto& old : cur->backends)
          if (old->endpoint == ep) be = old;
      }
      if (!be) {
        auto made = MakeBackend(ep);
        if (!made.ok()) {
          ctx_.logger->error("loadbalancing: backend {}: {}", ep, made.status().message());
          if (first_error.ok()) first_error = made.status();
          continue;
        }
        be = std::move(*made);
      }
      usable.push_back(ep);
      backends.push_back(std::move(be));
    }
    if (usable.size() != next->ring.endpoints().size()) next = std::make_shared<Members>(usable);
    next->backends = std::move(backends);
    if (cur) {
      for (const auto& old : cur->backends) {
        bool kept = std::any_of(next->backends.begin(), next->backends.end(),
                                [&](const auto& b) { return b == old; });
        if (!kept) retired_.push_back(old);
      }
    }
    ctx_.logger->info("loadbalancing: {} backends: {}", next->ring.endpoints().size(),
                      fmt::join(next->ring.endpoints(), ", "));
    backends_gauge_->Set(static_cast<int64_t>(next->ring.endpoints().size()));
    updates_->Add(1);
    {
      std::lock_guard lock(members_mu_);
      members_ = std::move(next);
    }
    return first_error;
  }

  StatusOr<std::shared_ptr<Backend>> MakeBackend(const std::string& endpoint) {
    ComponentContext child = ctx_;
    child.host = starting_host_;
    child.id.name = ctx_.id.name.empty() ? endpoint : ctx_.id.name + "/" + endpoint;
    auto exporter = factory_(child, cfg_.BackendConfig(endpoint));
    if (!exporter.ok()) return exporter.status();
    RETURN_IF_ERROR((*exporter)->Start());
    auto be = std::make_shared<Backend>();
    be->endpoint = endpoint;
    be->exporter = std::move(*exporter);
    for (bool ok : {true, false}) {
      (ok ? be->succeeded : be->failed) = &ctx_.metrics->GetCounter(
          "otelcol_loadbalancer_backend_outcome", "Parts sent to each backend, by outcome.",
          {{"endpoint", endpoint}, {"success", ok ? "true" : "false"}});
    }
    return be;
  }

  // Shuts down removed backends that no in-flight batch uses any more (their queues drain).
  void ReapRetired() {
    std::lock_guard apply(apply_mu_);
    for (auto it = retired_.begin(); it != retired_.end();) {
      if (it->use_count() == 1) {
        (*it)->exporter->Shutdown();
        it = retired_.erase(it);
      } else {
        ++it;
      }
    }
  }

  const ComponentContext ctx_;
  const LoadBalancingConfig cfg_;
  const BackendFactory factory_;
  const HostLookup lookup_;
  const std::string resolver_name_;
  SignalConsumer<pdata::TraceBatch> traces_;
  SignalConsumer<pdata::MetricBatch> metrics_;
  SignalConsumer<pdata::LogBatch> logs_;
  std::atomic<uint64_t> round_robin_{0};
  const ExtensionHost* starting_host_ =
      nullptr;  // ctx_.host while Start runs; GUARDED_BY(apply_mu_)

  std::mutex members_mu_;
  std::shared_ptr<const Members> members_;         // GUARDED_BY(members_mu_)
  std::mutex apply_mu_;                            // serialises Apply, ReapRetired and Shutdown
  std::vector<std::shared_ptr<Backend>> retired_;  // GUARDED_BY(apply_mu_)

  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false, shut_down_ = false;  // GUARDED_BY(stop_mu_)
  std::thread resolver_;

  telemetry::Counter* resolutions_ok_;
  telemetry::Counter* resolutions_failed_;
  telemetry::Counter* updates_;
  telemetry::Gauge* backends_gauge_;
};

template <class B>
void SignalConsumer<B>::Consume(B&& batch, Completion done) {
  lb_->Route(std::move(batch), std::move(done), key_);
}

}  // namespace

StatusOr<std::vector<std::string>> SystemLookup(const std::string& host, Duration timeout) {
  using Result = StatusOr<std::vector<std::string>>;
  auto promise = std::make_shared<std::promise<Result>>();
  auto future = promise->get_future();
  // getaddrinfo cannot be cancelled: it runs on a thread of its own that may outlive the wait.
  std::thread([host, promise] {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &res);
    if (rc != 0) {
      promise->set_value(Unavailable(gai_strerror(rc)));
      return;
    }
    std::vector<std::string> ips;
    for (addrinfo* a = res; a; a = a->ai_next) {
      char buf[INET6_ADDRSTRLEN] = {};
      const void* addr =
          a->ai_family == AF_INET
              ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr)
              : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr);
      if (::inet_ntop(a->ai_family, addr, buf, sizeof buf)) ips.emplace_back(buf);
    }
    ::freeaddrinfo(res);
    std::sort(ips.begin(), ips.end());
    ips.erase(std::unique(ips.begin(), ips.end()), ips.end());
    promise->set_value(std::move(ips));
  }).detach();
  if (future.wait_for(timeout) != std::future_status::ready)
    return DeadlineExceeded("no answer within " + config::FormatDuration(timeout));
  return future.get();
}

StatusOr<std::unique_ptr<Exporter>> CreateExporter(const ComponentContext& ctx,
                                                   const LoadBalancingConfig& cfg,
                                                   BackendFactory backends, HostLookup lookup) {
  if (!backends)
    backends = [](const ComponentContext& c, const otlp_grpc_exporter::OtlpGrpcConfig& bc) {
      return otlp_grpc_exporter::CreateExporter(c, bc);
    };
  if (!lookup) lookup = SystemLookup;
  return std::unique_ptr<Exporter>(
      std::make_unique<LoadBalancer>(ctx, cfg, std::move(backends), std::move(lookup)));
}

}  // namespace otter::loadbalancing
