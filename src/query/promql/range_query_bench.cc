// PromQL range-query evaluation, the shape of a Grafana panel: 24 h at step 60 s over counters
// scraped every 15 s (5760 samples per series), 1000 series of 10 services, read from the
// in-memory test querier so that only the engine is measured (bench/query_compare has the
// store and HTTP included, against Prometheus). Items are stored samples the query reads.
// Run: otter_bench --benchmark_filter=PromqlRange
#include <benchmark/benchmark.h>

#include <string>

#include "query/promql/engine.h"
#include "query/promql/testing.h"

namespace otter::query::promql {
namespace {

constexpr int64_t kDayMs = 24 * 3600 * 1000;
constexpr int kScrapeMs = 15000;
constexpr int kSeries = 1000;

const testing::FakeMetricQuerier& Data() {
  static const testing::FakeMetricQuerier* db = [] {
    auto* d = new testing::FakeMetricQuerier;
    for (int i = 0; i < kSeries; ++i) {
      std::vector<store::Sample> s;
      double v = 0;
      for (int64_t t = 0; t <= kDayMs; t += kScrapeMs) {
        v += (i % 7) + 1;
        if (t % 3'600'000 == 0 && i % 5 == 0) v = 0;  // some counter resets
        s.push_back(store::Sample{t, v});
      }
      d->Add(testing::L({{"__name__", "requests_total"},
                         {"service", "svc-" + std::to_string(i % 10)},
                         {"pod", "pod-" + std::to_string(i)}}),
             std::move(s));
    }
    return d;
  }();
  return *db;
}

void RunRange(benchmark::State& state, const char* query) {
  testing::FakeMetricQuerier db = Data();  // Select is not const; each run gets its own copy
  EngineOptions opts;
  opts.max_samples = 500'000'000;
  Engine engine(db, opts);
  size_t points = 0;
  for (auto _ : state) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
    auto m = engine.Range(query, 0, kDayMs, 60000, deadline);
    if (!m.ok()) {
      state.SkipWithError(std::string(m.status().message()).c_str());
      return;
    }
    points = 0;
    for (const auto& s : *m) points += s.points.size();
    benchmark::DoNotOptimize(points);
  }
  state.counters["points"] = static_cast<double>(points);
  state.SetItemsProcessed(state.iterations() * kSeries * (kDayMs / kScrapeMs + 1));
}

void BM_PromqlRangeSumRate(benchmark::State& state) {
  RunRange(state, "sum by (service) (rate(requests_total[5m]))");
}
BENCHMARK(BM_PromqlRangeSumRate)->Unit(benchmark::kMillisecond);

void BM_PromqlRangeRate(benchmark::State& state) { RunRange(state, "rate(requests_total[5m])"); }
BENCHMARK(BM_PromqlRangeRate)->Unit(benchmark::kMillisecond);

// A subquery: evaluated step by step (the per-series cursors' path).
void BM_PromqlRangeSubquery(benchmark::State& state) {
  RunRange(state, "max_over_time(sum by (service) (rate(requests_total[5m]))[10m:1m])");
}
BENCHMARK(BM_PromqlRangeSubquery)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace otter::query::promql
