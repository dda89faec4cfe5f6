// Host metrics collection cost on the machine running the benchmark: one scrape of every
// scraper with its default metrics (what `scrapers: {cpu:, disk:, ...}` collects each
// collection_interval), and each scraper alone. The CPU time per iteration is the CPU the
// receiver spends per interval; items are the metric points read.
// Run: otter_bench --benchmark_filter=HostMetrics
#include <benchmark/benchmark.h>

#include "receivers/hostmetrics/receiver.h"

namespace otter::hostmetrics {
namespace {

void Scrape(benchmark::State& state, const HostMetricsReceiverConfig& cfg) {
  HostMetricsReceiver receiver({}, cfg, nullptr, HostEnv::Real(""));
  if (!receiver.StartScrapers().ok()) {
    state.SkipWithError("scrapers did not start");
    return;
  }
  size_t points = 0;
  for (auto _ : state) {
    pdata::MetricBatch b = receiver.ScrapeOnce();
    points += b.ItemCount();
    benchmark::DoNotOptimize(b);
  }
  state.SetItemsProcessed(static_cast<int64_t>(points));
  state.counters["points"] =
      benchmark::Counter(static_cast<double>(points) / static_cast<double>(state.iterations()));
}

void BM_HostMetricsAllScrapers(benchmark::State& state) {
  HostMetricsReceiverConfig cfg;
  for (auto& s : cfg.scrapers) s.emplace();
  Scrape(state, cfg);
}
BENCHMARK(BM_HostMetricsAllScrapers)->Unit(benchmark::kMicrosecond);

void BM_HostMetricsOneScraper(benchmark::State& state) {
  HostMetricsReceiverConfig cfg;
  auto kind = static_cast<ScraperKind>(state.range(0));
  cfg.scrapers[static_cast<size_t>(kind)].emplace();
  state.SetLabel(std::string(ScraperName(kind)));
  Scrape(state, cfg);
}
BENCHMARK(BM_HostMetricsOneScraper)
    ->DenseRange(0, kScraperKinds - 1)
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace otter::hostmetrics
