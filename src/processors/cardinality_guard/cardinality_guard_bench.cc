// cardinality_guard throughput on requests of 100 synthetic metric points (otlp/synthetic.h:
// gauges, cumulative sums, histograms with three attributes each). Each iteration clones the
// request first; BM_CardinalityGuardRequestClone is that baseline.
// Run: otter_bench --benchmark_filter=CardinalityGuard
#include <benchmark/benchmark.h>

#include "exporters/exporterhelper/clock.h"
#include "otlp/synthetic.h"
#include "processors/cardinality_guard/cardinality_guard.h"

namespace otter {
namespace {

constexpr int kPoints = 100;

const pdata::MetricBatch& Request() {
  static const pdata::MetricBatch b = otlp::MakeSyntheticMetrics(kPoints, 1);
  return b;
}

void BM_CardinalityGuardRequestClone(benchmark::State& state) {
  for (auto _ : state) {
    pdata::MetricBatch b = Request().Clone();
    benchmark::DoNotOptimize(b);
  }
  state.SetItemsProcessed(state.iterations() * kPoints);
}
BENCHMARK(BM_CardinalityGuardRequestClone);

void Run(benchmark::State& state, CardinalityGuardConfig cfg) {
  exporterhelper::SteadyClock clock;
  CardinalityGuard guard(cfg, clock);
  for (auto _ : state) {
    pdata::MetricBatch b = Request().Clone();
    benchmark::DoNotOptimize(guard.Apply(b));
  }
  state.SetItemsProcessed(state.iterations() * kPoints);
}

// Moves http.route into exemplars; the points of each metric then merge by method and status.
void BM_CardinalityGuardToExemplars(benchmark::State& state) {
  CardinalityGuardConfig cfg;
  cfg.exemplar_attributes = {"http.route"};
  Run(state, cfg);
}
BENCHMARK(BM_CardinalityGuardToExemplars);

// The series limit in its steady state: every series known, each point one table lookup.
void BM_CardinalityGuardSeriesLimit(benchmark::State& state) {
  CardinalityGuardConfig cfg;
  cfg.max_series_per_metric = 10000;
  Run(state, cfg);
}
BENCHMARK(BM_CardinalityGuardSeriesLimit);

}  // namespace
}  // namespace otter
