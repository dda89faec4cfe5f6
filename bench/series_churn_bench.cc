// Series churn: distinct metric series keep arriving (each scraped a few times, then never
// again, as pods come and go) into a store with a short retention, while simulated time
// advances. Retention deletes the old blocks, and the store forgets their series; the process's
// RSS must stay flat rather than grow with the series ever seen. Prints RSS after every wave.
// Run: otter_bench --benchmark_filter=SeriesChurn
// Sizes: OTTER_CHURN_SERIES (default 500000; 10000000 for the acceptance run), in waves of
// OTTER_CHURN_WAVE (default 50000) new series, one wave per 10 simulated minutes;
// OTTER_CHURN_RETENTION_MIN (default 30) simulated minutes of retention, 0 = keep everything
// (every series stays: the growth the store had before it forgot series).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "store/store.h"
#include "store/store_testing.h"

namespace otter::store {
namespace {

size_t EnvSize(const char* name, size_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 10) : fallback;
}

double RssMib() {
  std::ifstream statm("/proc/self/statm");
  size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / (1 << 20);
}

// `count` series of one gauge, numbered from `first`, each with `samples` points 15 s apart
// from t_ns.
pdata::MetricBatch Wave(size_t first, size_t count, uint64_t t_ns, int samples) {
  pdata::MetricBatch b;
  auto& rm = b.resources().emplace_back();
  rm.resource.attributes.push_back({"service.name", pdata::AnyValue::String("churn")});
  auto& m = rm.scope_metrics.emplace_back().metrics.emplace_back();
  m.name = "pod_memory";
  m.type = pdata::MetricType::kGauge;
  for (size_t i = first; i < first + count; ++i) {
    std::string_view pod = b.arenas().Copy("pod-" + std::to_string(i));
    for (int s = 0; s < samples; ++s) {
      auto& p = m.number_points.emplace_back();
      p.time_unix_nano = t_ns + static_cast<uint64_t>(s) * 15'000'000'000ull;
      p.value_type = pdata::NumberDataPoint::ValueType::kDouble;
      p.as_double = static_cast<double>(i % 1000) + s;
      p.attributes.push_back({"pod", pdata::AnyValue::String(pod)});
    }
  }
  return b;
}

void BM_SeriesChurn(benchmark::State& state) {
  const size_t total = EnvSize("OTTER_CHURN_SERIES", 500'000);
  const size_t wave = EnvSize("OTTER_CHURN_WAVE", 50'000);
  constexpr size_t kBatch = 5'000;  // series per write
  constexpr int kSamples = 4;       // per series
  const std::string dir = "/tmp/otter-bench-churn-" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  // Simulated time: a wave every 10 minutes; the default retention keeps three waves.
  // (Atomic: the store's flusher reads the clock too.)
  std::atomic<int64_t> sim_ns{
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::hours(24 * 365 * 54))
          .count()};
  StoreOptions o;
  o.directory = dir;
  o.sync = false;
  o.retention = std::chrono::minutes(EnvSize("OTTER_CHURN_RETENTION_MIN", 30));
  o.compact_in_background = false;
  o.max_series = 0;  // not what this measures (with retention off, every series stays)
  o.now = [&sim_ns] {
    return std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::nanoseconds(sim_ns.load())));
  };
  auto opened = Store::Open(o, testing::NullLogger(), nullptr);
  if (!opened.ok()) {
    state.SkipWithError(std::string(opened.status().message()).c_str());
    return;
  }
  Store& store = **opened;
  double first_rss = 0, max_rss = 0, last_rss = 0;
  std::fprintf(stderr, "%14s %12s %10s %8s %9s\n", "series_created", "live_series", "postings",
               "blocks", "rss_mib");
  auto started = std::chrono::steady_clock::now();
  for (auto _ : state) {
    for (size_t created = 0; created < total;) {
      auto t_ns = static_cast<uint64_t>(sim_ns.load());
      size_t end = std::min(total, created + wave);
      for (; created < end; created += kBatch) {
        Status st = testing::WriteSync(
            store, Wave(created, std::min(kBatch, end - created), t_ns, kSamples));
        if (!st.ok()) {
          state.SkipWithError(std::string(st.message()).c_str());
          return;
        }
      }
      if (!store.FlushForTesting().ok()) {
        state.SkipWithError("flush failed");
        return;
      }
      sim_ns +=
          std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::minutes(10)).count();
      store.EnforceRetentionForTesting();
      last_rss = RssMib();
      if (first_rss == 0) first_rss = last_rss;
      max_rss = std::max(max_rss, last_rss);
      std::fprintf(stderr, "%14zu %12zu %10zu %8zu %9.1f\n", created,
                   store.metrics().series_count(), store.metrics().postings_count(),
                   store.metrics().block_count(), last_rss);
    }
  }
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  state.counters["series"] = static_cast<double>(total);
  state.counters["series_per_s"] = static_cast<double>(total) / seconds;
  state.counters["rss_first_wave_mib"] = first_rss;
  state.counters["rss_max_mib"] = max_rss;
  state.counters["rss_last_mib"] = last_rss;
  opened->reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_SeriesChurn)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

}  // namespace
}  // namespace otter::store
