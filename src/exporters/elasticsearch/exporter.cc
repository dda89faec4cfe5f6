#include "exporters/elasticsearch/exporter.h"

#include <openssl/evp.h>

#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "exporters/elasticsearch/bulk_request.h"

namespace otter::elasticsearch_exporter {
namespace {

using Clock = std::chrono::steady_clock;

std::string Base64(std::string_view in) {
  std::string out(4 * ((in.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::string QueryEscape(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// The documents of one signal waiting for flush.bytes or flush.interval.
struct Buffer {
  BulkBody body;
  std::vector<Completion> dones;
  Clock::time_point oldest{};
};

class ElasticsearchExporter final : public Exporter {
 public:
  ElasticsearchExporter(const ComponentContext& ctx, const ElasticsearchExporterConfig& cfg,
                        std::shared_ptr<BulkTarget> target, exporterhelper::SenderOptions options)
      : cfg_(cfg),
        encoder_(cfg),
        target_(std::move(target)),
        logs_queue_(ctx, Signal::kLogs, cfg.Sender(), options),
        traces_queue_(ctx, Signal::kTraces, cfg.Sender(), options),
        logs_(this),
        traces_(this) {}
  ~ElasticsearchExporter() override { Shutdown(); }

  Status Start() override {
    // Bulk requests cannot be stored yet: sending_queue.storage is refused here.
    RETURN_IF_ERROR(logs_queue_.Start());
    RETURN_IF_ERROR(traces_queue_.Start());
    std::lock_guard l(mu_);
    if (!flusher_.joinable() && !stopping_) flusher_ = std::thread([this] { FlushLoop(); });
    return Status::Ok();
  }
  void Shutdown() override {
    {
      std::lock_guard l(mu_);
      if (stopped_) return;
      stopping_ = true;
    }
    cv_.notify_all();
    if (flusher_.joinable()) flusher_.join();
    {
      std::unique_lock l(mu_);
      Cut(logs_buf_, logs_queue_, l);
      Cut(traces_buf_, traces_queue_, l);
      stopped_ = true;
    }
    logs_queue_.BeginShutdown();
    traces_queue_.BeginShutdown();
    logs_queue_.Shutdown();
    traces_queue_.Shutdown();
  }
  Consumers consumers() override {
    Consumers c;
    c.logs = &logs_;
    c.traces = &traces_;
    return c;
  }

 private:
  template <class B>
  class Input final : public Consumer<B> {
   public:
    explicit Input(ElasticsearchExporter* e) : e_(e) {}
    void Consume(B&& batch, Completion done) override { e_->Take(batch, std::move(done)); }

   private:
    ElasticsearchExporter* e_;
  };

  void Take(const pdata::LogBatch& b, Completion done) {
    BulkBody body;
    encoder_.EncodeLogs(b, &body);
    Add(std::move(body), std::move(done), logs_buf_, logs_queue_);
  }
  void Take(const pdata::TraceBatch& b, Completion done) {
    BulkBody body;
    encoder_.EncodeTraces(b, &body);
    Add(std::move(body), std::move(done), traces_buf_, traces_queue_);
  }

  void Add(BulkBody&& body, Completion done, Buffer& buf, exporterhelper::SendingQueue& queue) {
    if (body.docs.empty()) {
      done(Status::Ok());
      return;
    }
    std::unique_lock l(mu_);
    if (stopped_) {
      l.unlock();
      done(Unavailable("elasticsearch exporter is shut down"));
      return;
    }
    const size_t limit = static_cast<size_t>(cfg_.flush.bytes);
    if (!buf.body.docs.empty() && buf.body.ndjson.size() + body.ndjson.size() > limit)
      Cut(buf, queue, l);
    if (buf.body.docs.empty()) {
      buf.body = std::move(body);
      buf.oldest = Clock::now();
      cv_.notify_all();
    } else {
      const uint32_t base = static_cast<uint32_t>(buf.body.ndjson.size());
      buf.body.ndjson += body.ndjson;
      for (BulkDoc d : body.docs) {
        d.offset += base;
        buf.body.docs.push_back(d);
      }
      buf.body.items += body.items;
    }
    buf.dones.push_back(std::move(done));
    if (buf.body.ndjson.size() >= limit) Cut(buf, queue, l);
  }

  // Hands the buffer to the queue as one bulk request. Called with `l` held; submits unlocked
  // (a blocking queue may wait for room) and returns with it held again.
  void Cut(Buffer& buf, exporterhelper::SendingQueue& queue, std::unique_lock<std::mutex>& l) {
    if (buf.body.docs.empty()) return;
    BulkBody body = std::move(buf.body);
    std::vector<Completion> dones = std::move(buf.dones);
    buf.body = BulkBody();
    buf.dones.clear();
    const size_t items = body.items;
    Completion all([dones = std::move(dones)](Status s) mutable {
      for (auto& d : dones) d(s);
    });
    l.unlock();
    queue.Submit(std::make_unique<BulkRequest>(target_, std::move(body)), items, std::move(all));
    l.lock();
  }

  void FlushLoop() {
    std::unique_lock l(mu_);
    const auto interval = std::chrono::duration_cast<Clock::duration>(cfg_.flush.interval);
    while (!stopping_) {
      auto due = Clock::time_point::max();
      if (!logs_buf_.body.docs.empty()) due = std::min(due, logs_buf_.oldest + interval);
      if (!traces_buf_.body.docs.empty()) due = std::min(due, traces_buf_.oldest + interval);
      if (due == Clock::time_point::max())
        cv_.wait(l);
      else
        cv_.wait_until(l, due);
      if (stopping_) break;
      const auto now = Clock::now();
      if (!logs_buf_.body.docs.empty() && now >= logs_buf_.oldest + interval)
        Cut(logs_buf_, logs_queue_, l);
      if (!traces_buf_.body.docs.empty() && now >= traces_buf_.oldest + interval)
        Cut(traces_buf_, traces_queue_, l);
    }
  }

  const ElasticsearchExporterConfig cfg_;
  const DocumentEncoder encoder_;
  std::shared_ptr<BulkTarget> target_;
  std::mutex mu_;
  std::condition_variable cv_;    // a buffer got its first document, or stopping
  Buffer logs_buf_, traces_buf_;  // GUARDED_BY(mu_)
  bool stopping_ = false;         // GUARDED_BY(mu_)
  bool stopped_ = false;          // GUARDED_BY(mu_)
  std::thread flusher_;
  exporterhelper::SendingQueue logs_queue_;
  exporterhelper::SendingQueue traces_queue_;
  Input<pdata::LogBatch> logs_;
  Input<pdata::TraceBatch> traces_;
};

}  // namespace

StatusOr<std::unique_ptr<Exporter>> CreateExporter(const ComponentContext& ctx,
                                                   const ElasticsearchExporterConfig& cfg,
                                                   exporterhelper::SenderOptions options) {
  RETURN_IF_ERROR(cfg.Validate());
  const char* env = std::getenv("ELASTICSEARCH_URL");
  ASSIGN_OR_RETURN(auto urls, Endpoints(cfg, env ? env : ""));
  auto target = std::make_shared<BulkTarget>();
  for (std::string url : urls) {
    while (!url.empty() && url.back() == '/') url.pop_back();
    url += "/_bulk";
    if (!cfg.pipeline.empty()) url += "?pipeline=" + QueryEscape(cfg.pipeline);
    ASSIGN_OR_RETURN(auto c, otlp_http_exporter::ClientFor(url, cfg.tls));
    target->endpoints.push_back(std::move(c));
  }
  std::map<std::string, std::string> headers = {{"Content-Type", "application/x-ndjson"},
                                                {"User-Agent", "otter"}};
  if (!cfg.api_key.empty()) headers["Authorization"] = "ApiKey " + cfg.api_key;
  if (!cfg.user.empty() || !cfg.password.empty())
    headers["Authorization"] = "Basic " + Base64(cfg.user + ":" + cfg.password);
  for (const auto& [k, v] : cfg.headers) headers[k] = v;
  for (auto& [k, v] : headers) target->headers.emplace_back(k, v);
  for (int64_t s : cfg.retry.retry_on_status) target->retry_on_status.insert(static_cast<int>(s));
  target->max_retries = cfg.Retries();
  target->log = ctx.logger;
  target->clock = options.clock ? options.clock : std::make_shared<exporterhelper::SteadyClock>();
  if (ctx.metrics) {
    telemetry::Labels labels = {{"exporter", ctx.id.ToString()}};
    target->indexed =
        &ctx.metrics->GetCounter("otter_exporter_elasticsearch_documents_indexed_total",
                                 "Documents Elasticsearch accepted in a bulk request.", labels);
    target->rejected = &ctx.metrics->GetCounter(
        "otter_exporter_elasticsearch_documents_rejected_total",
        "Documents Elasticsearch rejected (or that ran out of retries): not delivered.", labels);
    target->retried = &ctx.metrics->GetCounter(
        "otter_exporter_elasticsearch_documents_retried_total",
        "Documents sent again after a retryable per-document or request failure.", labels);
  }
  return std::unique_ptr<Exporter>(
      std::make_unique<ElasticsearchExporter>(ctx, cfg, std::move(target), std::move(options)));
}

}  // namespace otter::elasticsearch_exporter
