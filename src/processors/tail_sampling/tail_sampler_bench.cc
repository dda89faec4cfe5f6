// tail_sampling throughput on requests of 100 synthetic spans (10 traces of 10 spans each,
// otlp/synthetic.h) with the seed's policies (errors + 10% probabilistic), one thread, fake clock
// advancing 10 ms per request (10k spans per simulated second) and a decision round every
// simulated second (decision_wait 1s), so
// the figure includes copying spans in, evaluating policies and releasing sampled traces. Each
// iteration clones the request (BM_BatchRequestClone is that cost alone) and renumbers its trace
// ids. Run: otter_bench --benchmark_filter=TailSampler
#include <benchmark/benchmark.h>

#include "config/loader.h"
#include "exporters/exporterhelper/fake_clock.h"
#include "otlp/synthetic.h"
#include "processors/tail_sampling/tail_sampler.h"

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

void BM_TailSamplerSeedPolicies(benchmark::State& state) {
  static const pdata::TraceBatch request = otlp::MakeSyntheticTraces(kSpans, 1);
  auto node = config::ParseYaml(R"(
decision_wait: 1s
policies:
  - {name: errors, type: status_code, status_code: {status_codes: [ERROR]}}
  - {name: probabilistic, type: probabilistic, probabilistic: {sampling_percentage: 10}}
)",
                                "bench");
  TailSamplingConfig cfg;
  config::Diagnostics d;
  TailSamplingConfigTable().Parse(*node, cfg, d);
  exporterhelper::FakeClock clock;
  Discard down;
  TailSampler proc(ComponentContext{}, cfg, &down, &clock);
  uint64_t n = 0;
  for (auto _ : state) {
    pdata::TraceBatch b = request.Clone();
    ++n;
    for (auto& rs : b.resources())
      for (auto& ss : rs.scope_spans)
        for (auto& s : ss.spans)
          for (int i = 0; i < 8; ++i) s.trace_id.bytes[8 + i] ^= static_cast<uint8_t>(n >> (8 * i));
    proc.Consume(std::move(b), Completion());
    clock.Advance(std::chrono::milliseconds(10));
    if (n % 100 == 0) proc.Tick();
  }
  state.SetItemsProcessed(state.iterations() * kSpans);
  TailSampler::Stats st = proc.stats();
  state.counters["held_MiB"] = static_cast<double>(st.bytes) / (1 << 20);
  state.counters["held_B_per_span"] = static_cast<double>(st.bytes) / static_cast<double>(st.spans);
  proc.Shutdown();
}
BENCHMARK(BM_TailSamplerSeedPolicies);

}  // namespace
}  // namespace otter
