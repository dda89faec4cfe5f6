// probabilistic_sampler throughput on requests of 100 synthetic spans (otlp/synthetic.h), one
// thread, downstream discards. Each iteration clones the request (see BM_BatchRequestClone in
// batch_processor_bench.cc for that cost alone) and gives every span a fresh trace id so the
// decisions vary. Kept spans get their tracestate rewritten (`ot=rv:…;th:…`), as otelcol does.
// Run: otter_bench --benchmark_filter=ProbabilisticSampler
#include <benchmark/benchmark.h>

#include "otlp/synthetic.h"
#include "processors/probabilistic_sampler/probabilistic_sampler.h"

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

void Run(benchmark::State& state, const char* mode) {
  static const pdata::TraceBatch request = otlp::MakeSyntheticTraces(kSpans, 1);
  Discard down;
  ProbabilisticSamplerConfig cfg;
  cfg.sampling_percentage = 10;
  cfg.mode = mode;
  ProbabilisticSampler<pdata::TraceBatch> proc(ComponentContext{}, cfg, &down);
  uint64_t n = 0;
  for (auto _ : state) {
    pdata::TraceBatch b = request.Clone();
    for (auto& rs : b.resources())
      for (auto& ss : rs.scope_spans)
        for (auto& s : ss.spans) {
          ++n;
          for (int i = 0; i < 8; ++i) s.trace_id.bytes[8 + i] ^= static_cast<uint8_t>(n >> (8 * i));
        }
    proc.Consume(std::move(b), Completion());
  }
  state.SetItemsProcessed(state.iterations() * kSpans);
}

void BM_ProbabilisticSamplerHashSeed(benchmark::State& state) { Run(state, "hash_seed"); }
BENCHMARK(BM_ProbabilisticSamplerHashSeed);
void BM_ProbabilisticSamplerProportional(benchmark::State& state) { Run(state, "proportional"); }
BENCHMARK(BM_ProbabilisticSamplerProportional);

}  // namespace
}  // namespace otter
