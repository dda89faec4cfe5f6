// Detector throughput: one SeriesDetector fed a noisy daily sine with spikes (the work per sample
// does not depend on the data beyond the context table's hit rate), and many series round-robin
// (cache misses across per-series state, the anomaly processor's case).
// Run: otter_bench --benchmark_filter=Detector
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <vector>

#include "analytics/detector.h"

namespace otter::analytics {
namespace {

std::vector<double> Signal(size_t n) {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> noise(0, 1);
  std::vector<double> v(n);
  for (size_t i = 0; i < n; ++i) {
    v[i] = 50 + 20 * std::sin(2 * M_PI * i / 288.0) + 3 * noise(rng) + (i % 5000 == 4999 ? 60 : 0);
  }
  return v;
}

void RunUpdate(benchmark::State& state, const DetectorOptions& o) {
  const std::vector<double> v = Signal(1 << 16);
  SeriesDetector d{o};
  size_t i = 0;
  int64_t t = 0;
  for (auto _ : state) {
    AnomalyResult r = d.Update(t += 300000, v[i]);
    benchmark::DoNotOptimize(r);
    i = (i + 1) & (v.size() - 1);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_DetectorUpdate(benchmark::State& state) { RunUpdate(state, DetectorOptions{}); }
BENCHMARK(BM_DetectorUpdate);

// The same without the seasonal residual check (its cost is the difference).
void BM_DetectorUpdateNoResidual(benchmark::State& state) {
  DetectorOptions o;
  o.w_resid = 0;
  RunUpdate(state, o);
}
BENCHMARK(BM_DetectorUpdateNoResidual);

void BM_DetectorManySeries(benchmark::State& state) {
  const size_t series = static_cast<size_t>(state.range(0));
  const std::vector<double> v = Signal(1 << 16);
  std::vector<SeriesDetector> ds;
  ds.reserve(series);
  for (size_t s = 0; s < series; ++s) ds.emplace_back(DetectorOptions{});
  size_t i = 0, s = 0;
  int64_t t = 0;
  for (auto _ : state) {
    AnomalyResult r = ds[s].Update(t, v[(i + s * 97) & (v.size() - 1)]);
    benchmark::DoNotOptimize(r);
    if (++s == series) {
      s = 0;
      i = (i + 1) & (v.size() - 1);
      t += 300000;
    }
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["bytes_per_series"] =
      static_cast<double>(SeriesDetector::BytesPerSeries(DetectorOptions{}));
}
BENCHMARK(BM_DetectorManySeries)->Arg(1000)->Arg(100000);

}  // namespace
}  // namespace otter::analytics
