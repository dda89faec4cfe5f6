#include "query/query_server.h"

#include "query/jaeger_api.h"
#include "query/loki_api.h"
#include "query/prometheus_api.h"

namespace otter::query {

namespace {
constexpr const char* kApiNames[] = {"jaeger", "prometheus", "loki"};
}

QueryServer::QueryServer(QueryServerOptions options, store::TraceQuerier& traces,
                         store::MetricQuerier& metrics, store::LogQuerier& logs)
    : options_(std::move(options)) {
  JaegerApi::Options jo;
  jaeger_ = std::make_unique<JaegerApi>(traces, jo);
  PrometheusApi::Options po;
  po.query_timeout = options_.timeout;
  po.max_samples = options_.max_samples;
  prometheus_ = std::make_unique<PrometheusApi>(metrics, po);
  LokiApi::Options lo;
  lo.timeout = options_.timeout;
  loki_ = std::make_unique<LokiApi>(logs, lo);
  if (options_.metrics) {
    for (int i = 0; i < 3; ++i) {
      latency_[i] = &options_.metrics->GetHistogram(
          "otter_query_duration_seconds", "Time to serve a query API request.",
          {{"api", kApiNames[i]}}, {0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30});
    }
    rejected_ = &options_.metrics->GetCounter(
        "otter_query_rejected_total",
        "Query requests refused with 503 because the backlog was full.", {});
  }
}

QueryServer::~QueryServer() { Stop(); }

net::HttpResponse QueryServer::Serve(const net::HttpRequest& request) {
  std::string_view path = request.path();
  net::HttpResponse resp;
  int api = -1;
  auto start = std::chrono::steady_clock::now();
  if (loki_->Handles(path)) {
    api = 2;
    loki_->Handle(request, &resp);
  } else if (prometheus_->Handles(path)) {
    api = 1;
    prometheus_->Handle(request, &resp);
  } else if (jaeger_->Handles(path)) {
    api = 0;
    jaeger_->Handle(request, &resp);
  } else if (path == "/ready" || path == "/-/ready" || path == "/-/healthy") {
    resp = net::HttpResponse::Text(200, "ready\n");
  } else {
    resp = net::HttpResponse::Text(404, "404 page not found\n");
  }
  if (api >= 0 && latency_[api]) {
    latency_[api]->Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return resp;
}

Status QueryServer::Start() {
  net::HttpServerOptions ho;
  ho.endpoint = options_.endpoint;
  ho.logger = options_.logger;
  ho.max_request_body_size = 8 << 20;
  http_ = std::make_unique<net::HttpServer>(
      ho, [this](net::HttpRequest&& req, net::HttpResponder respond) {
        std::unique_lock lock(mu_);
        if (stopping_ || backlog_.size() >= options_.max_backlog) {
          lock.unlock();
          if (rejected_) rejected_->Add(1);
          respond(net::HttpResponse::Text(503, "too many concurrent queries; retry later\n"));
          return;
        }
        // std::function needs a copyable callable: hold the move-only parts in a shared_ptr.
        auto job = std::make_shared<std::pair<net::HttpRequest, net::HttpResponder>>(
            std::move(req), std::move(respond));
        backlog_.emplace_back([this, job] { job->second(Serve(job->first)); });
        lock.unlock();
        cv_.notify_one();
      });
  RETURN_IF_ERROR(http_->Start());
  for (int i = 0; i < options_.threads; ++i) workers_.emplace_back([this] { WorkerLoop(); });
  return Status::Ok();
}

void QueryServer::WorkerLoop() {
  while (true) {
    std::function<void()> job;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !backlog_.empty(); });
      if (backlog_.empty()) return;
      job = std::move(backlog_.front());
      backlog_.pop_front();
    }
    job();
  }
}

void QueryServer::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_) t.join();  // workers finish the backlog first
  workers_.clear();
  if (http_) http_->Stop();
}

}  // namespace otter::query
