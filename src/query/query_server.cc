#include "query/query_server.h"

#include <algorithm>

#include "query/browser_login.h"
#include "query/jaeger_api.h"
#include "query/loki_api.h"
#include "query/loki_tail.h"
#include "query/otter_api.h"
#include "query/prometheus_api.h"
#include "query/ui_files.h"

namespace otter::query {

namespace {
constexpr const char* kApiNames[] = {"jaeger", "prometheus", "loki"};
}

QueryServer::QueryServer(QueryServerOptions options, store::TraceQuerier& traces,
                         store::MetricQuerier& metrics, store::LogQuerier& logs)
    : options_(std::move(options)) {
  JaegerApi::Options jo;
  jo.timeout = options_.timeout;
  jo.max_traces = options_.max_traces;
  jaeger_ = std::make_unique<JaegerApi>(traces, jo);
  PrometheusApi::Options po;
  po.query_timeout = options_.timeout;
  po.max_samples = options_.max_samples;
  prometheus_ = std::make_unique<PrometheusApi>(metrics, po);
  LokiApi::Options lo;
  lo.timeout = options_.timeout;
  lo.max_entries = options_.max_log_entries;
  loki_ = std::make_unique<LokiApi>(logs, lo);
  if (options_.auth)
    login_ = std::make_unique<BrowserLogin>(options_.auth, /*secure_cookie=*/false);
  LokiTail::Options to;
  to.max_tails = options_.max_tails;
  to.history_timeout = options_.timeout;
  to.max_history_entries = options_.max_log_entries;
  tail_ = std::make_unique<LokiTail>(logs, to);
  OtterApi::Options oo;
  oo.timeout = options_.timeout;
  oo.status = options_.status;
  oo.metrics = options_.metrics;
  otter_ = std::make_unique<OtterApi>(traces, metrics, logs, oo);
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

net::HttpResponse QueryServer::Serve(const net::HttpRequest& request,
                                     std::chrono::steady_clock::time_point received) {
  std::string_view path = request.path();
  net::HttpResponse resp;
  int api = -1;
  auto start = std::chrono::steady_clock::now();
  if (auto answer = login_ ? login_->Handle(request) : std::nullopt) {
    resp = std::move(*answer);
  } else if (loki_->Handles(path)) {
    api = 2;
    loki_->Handle(request, &resp, received);
  } else if (prometheus_->Handles(path)) {
    api = 1;
    prometheus_->Handle(request, &resp, received);
  } else if (jaeger_->Handles(path)) {
    api = 0;
    jaeger_->Handle(request, &resp, received);
  } else if (OtterApi::Handles(path)) {
    otter_->Handle(request, &resp, received);
  } else if (path == "/ready" || path == "/-/ready" || path == "/-/healthy") {
    resp = net::HttpResponse::Text(200, "ready\n");
  } else if (UiFiles::Handles(request)) {
    UiFiles::Handle(request, &resp);
  } else {
    resp = net::HttpResponse::Text(404, "404 page not found\n");
  }
  if (api >= 0 && latency_[api]) {
    latency_[api]->Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return resp;
}

bool QueryServer::IsScan(std::string_view path) {
  // detected_fields runs a log query; index/stats reads the chunks of blocks older than the
  // index's byte counts.
  return path == "/loki/api/v1/query" || path == "/loki/api/v1/query_range" ||
         path == "/loki/api/v1/index/stats" || path == "/loki/api/v1/detected_fields" ||
         path.starts_with("/loki/api/v1/detected_field/") || path == "/api/traces" ||
         path == "/api/dependencies" || path == "/api/v3/traces" ||
         path == "/api/v3/trace-summaries" || OtterApi::IsScan(path);
}

void QueryServer::Dispatch(Pool& pool, net::HttpRequest&& req, net::HttpResponder respond) {
  std::unique_lock lock(pool.mu);
  if (pool.stopping || pool.backlog.size() >= options_.max_backlog) {
    lock.unlock();
    if (rejected_) rejected_->Add(1);
    respond(net::HttpResponse::Text(503, "too many concurrent queries; retry later\n"));
    return;
  }
  // std::function needs a copyable callable: hold the move-only parts in a shared_ptr.
  auto job = std::make_shared<std::pair<net::HttpRequest, net::HttpResponder>>(std::move(req),
                                                                               std::move(respond));
  pool.backlog.emplace_back([this, job, received = std::chrono::steady_clock::now()] {
    job->second(Serve(job->first, received));
  });
  lock.unlock();
  pool.cv.notify_one();
}

std::optional<net::HttpResponse> QueryServer::Upgrade(const net::HttpRequest& request,
                                                      std::shared_ptr<net::WebSocket> socket) {
  if (request.path() != "/loki/api/v1/tail")
    return net::HttpResponse::Text(400, "WebSocket is only served on /loki/api/v1/tail\n");
  auto tail = loki_->ParseTail(request);
  Status s = tail.ok() ? tail_->Open(std::move(*tail), std::move(socket)) : tail.status();
  if (s.ok()) return std::nullopt;
  return net::HttpResponse::Text(s.code() == StatusCode::kUnavailable ? 503 : 400,
                                 std::string(s.message()) + "\n");
}

Status QueryServer::Start() {
  net::HttpServerOptions ho;
  ho.endpoint = options_.endpoint;
  ho.logger = options_.logger;
  ho.max_request_body_size = 8 << 20;
  if (login_) login_->Install(ho);
  ho.websocket = [this](const net::HttpRequest& req, std::shared_ptr<net::WebSocket> socket) {
    return Upgrade(req, std::move(socket));
  };
  http_ = std::make_unique<net::HttpServer>(
      ho, [this](net::HttpRequest&& req, net::HttpResponder respond) {
        Pool& pool = IsScan(req.path()) ? scan_ : general_;
        Dispatch(pool, std::move(req), std::move(respond));
      });
  RETURN_IF_ERROR(http_->Start());
  for (int i = 0; i < options_.threads; ++i)
    general_.workers.emplace_back([this] { WorkerLoop(general_); });
  for (int i = 0; i < std::max(options_.scan_threads, 1); ++i)
    scan_.workers.emplace_back([this] { WorkerLoop(scan_); });
  return Status::Ok();
}

void QueryServer::WorkerLoop(Pool& pool) {
  while (true) {
    std::function<void()> job;
    {
      std::unique_lock lock(pool.mu);
      pool.cv.wait(lock, [&] { return pool.stopping || !pool.backlog.empty(); });
      if (pool.backlog.empty()) return;
      job = std::move(pool.backlog.front());
      pool.backlog.pop_front();
    }
    job();
  }
}

void QueryServer::StopPool(Pool& pool) {
  {
    std::lock_guard lock(pool.mu);
    pool.stopping = true;
  }
  pool.cv.notify_all();
  for (auto& t : pool.workers) t.join();  // workers finish the backlog first
  pool.workers.clear();
}

void QueryServer::Stop() {
  {
    std::lock_guard lock(general_.mu);
    if (general_.stopping) return;
  }
  StopPool(general_);
  StopPool(scan_);
  tail_->Stop();
  if (http_) http_->Stop();
}

}  // namespace otter::query
