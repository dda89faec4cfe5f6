// Shared driver pieces and the dry-run driver (build and encode requests, send nothing): the dry
// run measures how fast the loadgen itself can produce payload on its cores.
#include "driver.h"

#include <thread>

namespace otter::loadgen {

uint64_t Nanos(Clock::duration d) {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(d).count());
}

Clock::time_point RateLimiter::Acquire() {
  Clock::time_point now = Clock::now();
  if (interval_ns_ == 0) return now;
  int64_t now_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
  int64_t slot = next_ns_.load(std::memory_order_relaxed);
  int64_t t;
  do {
    t = std::max(slot, now_ns);
  } while (!next_ns_.compare_exchange_weak(slot, t + interval_ns_, std::memory_order_relaxed));
  return Clock::time_point(std::chrono::nanoseconds(t));
}

RequestBuilder::RequestBuilder(const RunContext& ctx, uint32_t connection, bool compress)
    : gzip_(compress ? std::make_unique<Gzipper>(ctx.opts.gzip_level) : nullptr) {
  const Options& o = ctx.opts;
  if (ctx.pool) {
    pooled_ = std::make_unique<PooledSource>(*ctx.pool, connection, o.seed);
  } else {
    fresh_ = std::make_unique<PayloadGenerator>(o, connection);
  }
}

size_t RequestBuilder::Build(StatsSink& sink) {
  Clock::time_point begin = Clock::now();
  size_t items = pooled_ ? pooled_->Next(&raw_) : fresh_->Next(&raw_);
  raw_size_ = raw_.size();
  if (gzip_ && !gzip_->Compress(raw_, &zipped_)) zipped_ = raw_;  // never expected
  Clock::time_point end = Clock::now();
  sink.RecordGeneration(end, Nanos(end - begin), items);
  return items;
}

std::string FailureKey(std::string_view prefix, std::string_view message) {
  std::string key(prefix);
  if (!message.empty()) {
    key += ": ";
    key += message.substr(0, kMaxFailureKey);
  }
  return key;
}

namespace {

class DryRunDriver : public Driver {
 public:
  explicit DryRunDriver(const RunContext& ctx)
      : ctx_(ctx),
        opts_(ctx.opts),
        schedule_(ctx.schedule),
        limiter_(ctx.limiter),
        sinks_(ctx.sinks) {}

  Status Prepare() override {
    for (int i = 0; i < opts_.connections; ++i) {
      builders_.push_back(
          std::make_unique<RequestBuilder>(ctx_, static_cast<uint32_t>(i), opts_.gzip));
    }
    return Status::Ok();
  }

  void Run() override {
    std::vector<std::thread> threads;
    for (int t = 0; t < opts_.threads; ++t) threads.emplace_back([this, t] { Loop(t); });
    for (std::thread& th : threads) th.join();
  }

 private:
  void Loop(int t) {
    StatsSink& sink = *sinks_[static_cast<size_t>(t)];
    std::vector<RequestBuilder*> mine;
    for (size_t i = static_cast<size_t>(t); i < builders_.size();
         i += static_cast<size_t>(opts_.threads)) {
      mine.push_back(builders_[i].get());
    }
    if (mine.empty()) return;
    for (size_t n = 0;; ++n) {
      Clock::time_point slot = limiter_.Acquire();
      if (slot >= schedule_.end) return;
      if (slot > Clock::now()) std::this_thread::sleep_until(slot);
      RequestBuilder& b = *mine[n % mine.size()];
      Clock::time_point begin = Clock::now();
      Outcome o;
      o.ok = true;
      o.items = b.Build(sink);
      o.bytes = b.body().size();
      o.raw_bytes = b.raw_size();
      Clock::time_point done = Clock::now();
      o.latency_ns = Nanos(done - begin);
      sink.Record(done, o);
    }
  }

  const RunContext ctx_;
  const Options& opts_;
  const Schedule& schedule_;
  RateLimiter& limiter_;
  std::vector<std::unique_ptr<StatsSink>>& sinks_;
  std::vector<std::unique_ptr<RequestBuilder>> builders_;
};

}  // namespace

std::unique_ptr<Driver> MakeDryRunDriver(const RunContext& ctx) {
  return std::make_unique<DryRunDriver>(ctx);
}

}  // namespace otter::loadgen
