// Transform processor throughput on requests of 100 synthetic HTTP-server spans (otlp/synthetic.h,
// ~14 attributes each): a typical statement list (set from a resource attribute, a where-guarded
// set, a regex rewrite of url.path, delete_key, a flat resource statement). Each iteration clones
// the request first; compare with BM_BatchRequestClone (batch_processor_bench.cc) for the baseline.
// Run: otter_bench --benchmark_filter=Transform
#include <benchmark/benchmark.h>

#include "config/loader.h"
#include "otlp/synthetic.h"
#include "processors/transform/transform_processor.h"

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

void BM_TransformProcessorConsume(benchmark::State& state) {
  auto node = config::ParseYaml(R"(
trace_statements:
  - set(resource.attributes["deployment.environment"], "prod")
  - set(span.attributes["service"], resource.attributes["service.name"])
  - set(span.attributes["error"], true) where span.attributes["http.response.status_code"] >= 500
  - replace_pattern(span.attributes["url.path"], "/items/\\d+", "/items/{id}")
  - delete_key(span.attributes, "network.protocol.version")
)",
                                "bench.yaml");
  TransformConfig cfg;
  config::Diagnostics d;
  TransformConfigTable().Parse(*node, cfg, d);
  if (!d.ok()) {
    state.SkipWithError(d.ErrorsText().c_str());
    return;
  }
  Discard down;
  TransformProcessor<pdata::TraceBatch> proc(ComponentContext{}, cfg.trace_statements,
                                             cfg.error_mode, &down);
  const pdata::TraceBatch request = otlp::MakeSyntheticTraces(kSpans, 1);
  for (auto _ : state) proc.Consume(request.Clone(), Completion());
  state.SetItemsProcessed(state.iterations() * kSpans);
}
BENCHMARK(BM_TransformProcessorConsume);

}  // namespace
}  // namespace otter
