// Filter processor throughput on requests of 100 synthetic HTTP-server spans (otlp/synthetic.h):
// three span conditions (a name comparison, an attribute comparison with `and`, a regex) and one
// span event condition, dropping a few percent. Each iteration clones the request first; compare
// with BM_BatchRequestClone (batch_processor_bench.cc) for the baseline.
// Run: otter_bench --benchmark_filter=Filter
#include <benchmark/benchmark.h>

#include "config/loader.h"
#include "otlp/synthetic.h"
#include "processors/filter/filter_processor.h"

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

void BM_FilterProcessorConsume(benchmark::State& state) {
  auto node = config::ParseYaml(R"(
traces:
  span:
    - 'name == "GET /healthz"'
    - 'kind == SPAN_KIND_SERVER and attributes["http.response.status_code"] == 404'
    - 'IsMatch(attributes["url.path"], "^/api/v1/items/9999\\d$")'
  spanevent:
    - 'name == "message" and span.attributes["http.response.status_code"] < 300'
)",
                                "bench.yaml");
  FilterConfig cfg;
  config::Diagnostics d;
  FilterConfigTable().Parse(*node, cfg, d);
  if (!d.ok()) {
    state.SkipWithError(d.ErrorsText().c_str());
    return;
  }
  Discard down;
  FilterProcessor<pdata::TraceBatch> proc(ComponentContext{}, cfg.traces, cfg.error_mode, &down);
  const pdata::TraceBatch request = otlp::MakeSyntheticTraces(kSpans, 1);
  for (auto _ : state) proc.Consume(request.Clone(), Completion());
  state.SetItemsProcessed(state.iterations() * kSpans);
}
BENCHMARK(BM_FilterProcessorConsume);

}  // namespace
}  // namespace otter
