// Persistent sending queue throughput. Enqueue: 1..16 client threads each store a request of
// 100 synthetic spans (OTLP-encoded once, as SendingQueue stores it) and wait for the answer,
// as a receiver's client waits for its response; the request is then committed, as a consumer
// does after a successful export. With fsync every answer waits for fdatasync, shared by the
// requests of one group. Dequeue: reopening a queue of 2000 such requests (replay + decode).
// Run: otter_bench --benchmark_filter=PersistentQueue
#include <benchmark/benchmark.h>
#include <spdlog/sinks/null_sink.h>

#include <filesystem>
#include <future>

#include "exporters/exporterhelper/batch_codec.h"
#include "exporters/exporterhelper/persistent_queue.h"
#include "otlp/synthetic.h"

namespace otter::exporterhelper {
namespace {

constexpr int kSpans = 100;

const std::string& Body() {
  static const std::string body = [] {
    std::string b;
    EncodeBatch(otlp::MakeSyntheticTraces(kSpans, 1), &b);
    return b;
  }();
  return body;
}

class Wait final : public PersistentQueue::PendingWrite {
 public:
  explicit Wait(std::promise<uint64_t>* p) : p_(p) {
    record = PersistentQueue::NewRecord(kSpans);
    record += Body();
  }
  void Done(Status s, uint64_t id) override { p_->set_value(s.ok() ? id : 0); }

 private:
  std::promise<uint64_t>* p_;
};

std::string BenchDir(const char* what) {
  auto dir = std::filesystem::temp_directory_path() / ("otter-pq-bench-" + std::string(what));
  std::filesystem::remove_all(dir);
  return dir.string();
}

PersistentQueue::Options Opts(const std::string& dir, bool fsync) {
  PersistentQueue::Options o;
  o.dir = dir;
  o.fsync = fsync;
  o.logger =
      std::make_shared<spdlog::logger>("bench", std::make_shared<spdlog::sinks::null_sink_mt>());
  return o;
}

void BM_PersistentQueueEnqueue(benchmark::State& state) {
  static PersistentQueue* q;
  static std::string dir;
  if (state.thread_index() == 0) {
    dir = BenchDir("enqueue");
    std::vector<PersistentQueue::Stored> pending;
    q = PersistentQueue::Open(Opts(dir, state.range(0) != 0), &pending)->release();
  }
  for (auto _ : state) {
    std::promise<uint64_t> p;
    auto f = p.get_future();
    q->Write(std::make_unique<Wait>(&p));
    uint64_t id = f.get();
    if (id == 0) state.SkipWithError("write failed");
    q->Commit(id);
  }
  state.SetItemsProcessed(state.iterations() * kSpans);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(Body().size()));
  if (state.thread_index() == 0) {
    state.counters["groups"] = static_cast<double>(q->groups_written());
    delete q;
    std::filesystem::remove_all(dir);
  }
}
BENCHMARK(BM_PersistentQueueEnqueue)
    ->ArgName("fsync")
    ->Arg(0)
    ->Arg(1)
    ->Threads(1)
    ->Threads(4)
    ->Threads(16)
    ->UseRealTime();

void BM_PersistentQueueDequeue(benchmark::State& state) {
  constexpr int kRequests = 2000;
  const std::string dir = BenchDir("dequeue");
  {
    std::vector<PersistentQueue::Stored> pending;
    auto q = PersistentQueue::Open(Opts(dir, false), &pending);
    std::vector<std::promise<uint64_t>> ps(kRequests);
    for (auto& p : ps) (*q)->Write(std::make_unique<Wait>(&p));
    for (auto& p : ps) p.get_future().get();
  }
  for (auto _ : state) {
    std::vector<PersistentQueue::Stored> pending;
    auto q = PersistentQueue::Open(Opts(dir, false), &pending);
    for (auto& s : pending) {
      pdata::TraceBatch b;
      if (!DecodeBatch(std::move(s.body), &b).ok()) state.SkipWithError("decode failed");
      benchmark::DoNotOptimize(b);
    }
    if (pending.size() != kRequests) state.SkipWithError("lost requests");
  }
  state.SetItemsProcessed(state.iterations() * kRequests * kSpans);
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_PersistentQueueDequeue)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace otter::exporterhelper
