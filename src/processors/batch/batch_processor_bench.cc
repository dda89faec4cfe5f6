// Batch processor throughput: requests of 100 synthetic spans (otlp/synthetic.h) consumed by
// 1..4 producer threads, batched at send_batch_size 8192 into a downstream that accepts and
// discards. Each iteration copies the request first (a receiver would decode a fresh one; a plain
// Clone() would share the tree, pdata/cow.h), so BM_BatchRequestClone is the baseline to
// subtract: the rest is the processor, including the retained copy it keeps of every sent batch
// for a possible retry (which shares the tree too).
// BM_BatchProcessorConsumeByTenant: the same with metadata_keys and 16 tenants.
// Run: otter_bench --benchmark_filter=Batch
#include <benchmark/benchmark.h>

#include <string>

#include "otlp/synthetic.h"
#include "processors/batch/batch_processor.h"

namespace otter {
namespace {

constexpr int kSpans = 100;

class Discard : public TraceConsumer {
 public:
  void Consume(pdata::TraceBatch&& b, Completion done) override {
    benchmark::DoNotOptimize(b);
    done(Status::Ok());
  }
};

const pdata::TraceBatch& Request() {
  static const pdata::TraceBatch b = otlp::MakeSyntheticTraces(kSpans, 1);
  return b;
}

// A request with a tree of its own, like one a receiver decoded.
pdata::TraceBatch Fresh() {
  pdata::TraceBatch b = Request().Clone();
  (void)b.resources();  // the first write access copies the shared tree
  return b;
}

void BM_BatchRequestClone(benchmark::State& state) {
  for (auto _ : state) {
    pdata::TraceBatch b = Fresh();
    benchmark::DoNotOptimize(b);
  }
  state.SetItemsProcessed(state.iterations() * kSpans);
}
BENCHMARK(BM_BatchRequestClone)->ThreadRange(1, 4)->UseRealTime();

void BM_BatchProcessorConsume(benchmark::State& state) {
  static Discard* down;
  static BatchProcessor<pdata::TraceBatch>* proc;
  if (state.thread_index() == 0) {
    down = new Discard;
    BatchConfig cfg;  // send_batch_size 8192, timeout 200ms
    proc = new BatchProcessor<pdata::TraceBatch>(ComponentContext{}, cfg, down);
    (void)proc->Start();
  }
  for (auto _ : state) proc->Consume(Fresh(), Completion());
  state.SetItemsProcessed(state.iterations() * kSpans);
  if (state.thread_index() == 0) {
    proc->Shutdown();
    delete proc;
    delete down;
  }
}
BENCHMARK(BM_BatchProcessorConsume)->ThreadRange(1, 4)->UseRealTime();

// metadata_keys: [x-scope-orgid] with 16 tenants, each request carrying three headers as a
// receiver with include_metadata would keep them: the cost of the per-tenant batches.
void BM_BatchProcessorConsumeByTenant(benchmark::State& state) {
  Discard down;
  BatchConfig cfg;
  cfg.metadata_keys = {"X-Scope-OrgID"};
  BatchProcessor<pdata::TraceBatch> proc(ComponentContext{}, cfg, &down);
  (void)proc.Start();
  const std::string tenants[16] = {"t0", "t1", "t2",  "t3",  "t4",  "t5",  "t6",  "t7",
                                   "t8", "t9", "t10", "t11", "t12", "t13", "t14", "t15"};
  size_t i = 0;
  for (auto _ : state) {
    pdata::TraceBatch b = Fresh();
    b.AddMetadata("Content-Type", "application/x-protobuf");
    b.AddMetadata("User-Agent", "OTel-OTLP-Exporter-Go/1.28.0");
    b.AddMetadata("X-Scope-OrgID", tenants[i++ % 16]);
    proc.Consume(std::move(b), Completion());
  }
  state.SetItemsProcessed(state.iterations() * kSpans);
  proc.Shutdown();
}
BENCHMARK(BM_BatchProcessorConsumeByTenant)->UseRealTime();

}  // namespace
}  // namespace otter
