// What the loadbalancing exporter adds per batch on top of the otlp_grpc exporters it feeds:
// splitting a request of 1000 synthetic spans (otlp/synthetic.h, ~14 attributes each) by trace
// id over a ring of 3 or 12 backends. BM_LoadBalancingClone (copying the request, which every
// iteration needs) is the baseline to subtract.
// Run: otter_bench --benchmark_filter=LoadBalancing
#include <benchmark/benchmark.h>

#include "exporters/loadbalancing/partition.h"
#include "otlp/synthetic.h"

namespace otter::loadbalancing {
namespace {

constexpr int kSpans = 1000;

const pdata::TraceBatch& Request() {
  static const pdata::TraceBatch b = otlp::MakeSyntheticTraces(kSpans, 7);
  return b;
}

void BM_LoadBalancingClone(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(Request().Clone());
  state.SetItemsProcessed(state.iterations() * kSpans);
}
BENCHMARK(BM_LoadBalancingClone);

void BM_LoadBalancingPartitionByTraceId(benchmark::State& state) {
  std::vector<std::string> endpoints;
  for (int i = 0; i < state.range(0); ++i)
    endpoints.push_back("10.0.0." + std::to_string(i) + ":4317");
  HashRing ring(endpoints);
  for (auto _ : state)
    benchmark::DoNotOptimize(Partition(Request().Clone(), ring, {RoutingKey::kTraceId}));
  state.SetItemsProcessed(state.iterations() * kSpans);
}
BENCHMARK(BM_LoadBalancingPartitionByTraceId)->Arg(3)->Arg(12);

void BM_LoadBalancingPartitionByService(benchmark::State& state) {
  HashRing ring({"a:4317", "b:4317", "c:4317"});
  for (auto _ : state)
    benchmark::DoNotOptimize(Partition(Request().Clone(), ring, {RoutingKey::kService}));
  state.SetItemsProcessed(state.iterations() * kSpans);
}
BENCHMARK(BM_LoadBalancingPartitionByService);

}  // namespace
}  // namespace otter::loadbalancing
