// Forecast fitting cost per sample: FitEts (level-shift scan, season detection, ~27 candidate
// passes of rolling-origin validation, the final pass) and TimeToThreshold on series of n samples
// 5 minutes apart: noise around a level, and a daily season with noise. Items are input samples.
// Run: otter_bench --benchmark_filter=Forecast
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "analytics/forecast/ets.h"
#include "analytics/forecast/exhaustion.h"

namespace otter::analytics::forecast {
namespace {

std::vector<Sample> Series(int64_t n, bool seasonal) {
  std::vector<Sample> out;
  uint64_t state = 7;
  for (int64_t i = 0; i < n; ++i) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    double noise = static_cast<double>(state >> 11) / 9007199254740992.0 - 0.5;
    double v = 50 + 4 * noise;
    if (seasonal) v += 10 * std::sin(2 * M_PI * static_cast<double>(i) / 288);
    out.push_back(Sample{static_cast<double>(i) * 300, v});
  }
  return out;
}

void BM_ForecastFitEts(benchmark::State& state) {
  auto s = Series(state.range(0), state.range(1) != 0);
  FitOptions opts;
  opts.horizon_s = 86400;
  for (auto _ : state) {
    auto m = FitEts(s, opts);
    benchmark::DoNotOptimize(m);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_ForecastFitEts)->ArgsProduct({{288, 2016, 4032, 40320}, {0, 1}});

void BM_ForecastTimeToThreshold(benchmark::State& state) {
  auto s = Series(state.range(0), true);
  for (auto _ : state) {
    auto e = TimeToThreshold(s, 100, s.back().t_s);
    benchmark::DoNotOptimize(e);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_ForecastTimeToThreshold)->Arg(2016)->Arg(8064);

}  // namespace
}  // namespace otter::analytics::forecast
