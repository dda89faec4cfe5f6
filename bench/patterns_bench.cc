// Query-time log pattern detection (query/logql/patterns.h), as /loki/api/v1/patterns runs it:
// BM_DrainTrain feeds N generated log lines of ~40 templates with varying ids, durations and
// addresses to one Drain and reports lines/s and bytes/s; BM_PatternCounter adds the per-step
// counting over 16 streams.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "query/logql/patterns.h"

namespace otter::query::logql {
namespace {

std::vector<std::string> Lines(size_t n) {
  static const char* kVerbs[] = {"GET", "POST", "PUT", "DELETE"};
  static const char* kPaths[] = {"/api/users", "/api/orders", "/health", "/api/cart/items",
                                 "/login"};
  std::vector<std::string> out;
  out.reserve(n);
  uint64_t x = 88172645463325252ull;
  auto next = [&x] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  for (size_t i = 0; i < n; ++i) {
    uint64_t r = next();
    switch (r % 4) {
      case 0:
        out.push_back(std::string("level=info method=") + kVerbs[r % 4] + " path=" +
                      kPaths[(r >> 8) % 5] + " status=" + std::to_string(200 + (r >> 16) % 3) +
                      " duration=" + std::to_string((r >> 20) % 900) + "ms");
        break;
      case 1:
        out.push_back("user " + std::to_string((r >> 8) % 100000) + " logged in from 10.0." +
                      std::to_string((r >> 24) % 256) + "." + std::to_string((r >> 32) % 256));
        break;
      case 2:
        out.push_back("payment failed for order ord-" + std::to_string((r >> 8) % 1000000) +
                      " amount=" + std::to_string((r >> 30) % 500) +
                      " reason=" + ((r >> 40) % 2 ? "card_declined" : "timeout"));
        break;
      default:
        out.push_back("cache " + std::string((r >> 8) % 2 ? "hit" : "miss") +
                      " key=session:" + std::to_string((r >> 16) % 10000) + " ttl=" +
                      std::to_string((r >> 32) % 3600) + "s shard " + std::to_string(r % 32));
        break;
    }
  }
  return out;
}

void BM_DrainTrain(benchmark::State& state) {
  const auto lines = Lines(static_cast<size_t>(state.range(0)));
  size_t bytes = 0;
  for (const auto& l : lines) bytes += l.size();
  size_t clusters = 0;
  for (auto _ : state) {
    Drain d;
    for (const auto& l : lines) benchmark::DoNotOptimize(d.Train(l));
    clusters = d.ClusterIds().size();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * lines.size()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.counters["clusters"] = static_cast<double>(clusters);
}
BENCHMARK(BM_DrainTrain)->Arg(10'000)->Arg(100'000)->Unit(benchmark::kMillisecond);

void BM_PatternCounter(benchmark::State& state) {
  const auto lines = Lines(static_cast<size_t>(state.range(0)));
  constexpr int64_t kSec = 1'000'000'000;
  size_t patterns = 0;
  for (auto _ : state) {
    PatternCounter pc(60 * kSec, DrainOptions{});
    for (size_t i = 0; i < lines.size(); ++i)
      pc.Add("stream" + std::to_string(i % 16), "info", static_cast<int64_t>(i) * kSec / 10,
             lines[i]);
    patterns = pc.Result().size();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * lines.size()));
  state.counters["patterns"] = static_cast<double>(patterns);
}
BENCHMARK(BM_PatternCounter)->Arg(100'000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace otter::query::logql
