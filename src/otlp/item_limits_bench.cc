// What the receivers' per-item limits (otlp/item_limits.h) add to ingesting a request: the
// look-only pass over a decoded batch that changes nothing (the common case), the decoder
// checking the limits as it goes (what the receiver uses), and the undecoded traces walk with
// the limit checks against the plain span count it replaces.
// Run: otter_bench --benchmark_filter=ItemLimits
#include <benchmark/benchmark.h>

#include <string>

#include "otlp/item_limits.h"
#include "otlp/proto_codec.h"
#include "otlp/synthetic.h"

namespace otter::otlp {
namespace {

constexpr int kSpans = 100;

const std::string& Wire() {
  static const std::string wire = [] {
    std::string w;
    EncodeTraces(MakeSyntheticTraces(kSpans, 1), &w);
    return w;
  }();
  return wire;
}

void BM_ItemLimitsDecodeOnly(benchmark::State& state) {
  for (auto _ : state) {
    auto b = DecodeTraces(Wire());
    benchmark::DoNotOptimize(b);
  }
  state.SetItemsProcessed(state.iterations() * kSpans);
}

void BM_ItemLimitsDecodeAndApply(benchmark::State& state) {
  for (auto _ : state) {
    auto b = DecodeTraces(Wire());
    benchmark::DoNotOptimize(ApplyItemLimits(*b, ItemLimits::Defaults()));
  }
  state.SetItemsProcessed(state.iterations() * kSpans);
}

// What the receiver runs now: the limits checked by the decoder itself.
void BM_ItemLimitsDecodeWithinLimits(benchmark::State& state) {
  for (auto _ : state) {
    LimitCounts counts;
    auto b = DecodeTracesWithinLimits(Wire(), ItemLimits::Defaults(), &counts);
    benchmark::DoNotOptimize(b);
  }
  state.SetItemsProcessed(state.iterations() * kSpans);
}

const std::string& LogsWire() {
  static const std::string wire = [] {
    std::string w;
    EncodeLogs(MakeSyntheticLogs(kSpans, 1), &w);
    return w;
  }();
  return wire;
}

// The logs counterpart of CountTracesWithinLimits: what a receiver runs for a logs request it
// passes on undecoded, against decoding it.
void BM_ItemLimitsCountLogsWithinLimits(benchmark::State& state) {
  const ItemLimits limits = ItemLimits::Defaults();
  for (auto _ : state) benchmark::DoNotOptimize(CountLogs(LogsWire(), &limits));
  state.SetItemsProcessed(state.iterations() * kSpans);
}

void BM_ItemLimitsDecodeLogsWithinLimits(benchmark::State& state) {
  for (auto _ : state) {
    LimitCounts counts;
    auto b = DecodeLogsWithinLimits(LogsWire(), ItemLimits::Defaults(), &counts);
    benchmark::DoNotOptimize(b);
  }
  state.SetItemsProcessed(state.iterations() * kSpans);
}

void BM_ItemLimitsCountTraces(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(CountTraces(Wire()));
  state.SetItemsProcessed(state.iterations() * kSpans);
}

void BM_ItemLimitsCountTracesWithinLimits(benchmark::State& state) {
  for (auto _ : state)
    benchmark::DoNotOptimize(CountTracesWithinLimits(Wire(), ItemLimits::Defaults()));
  state.SetItemsProcessed(state.iterations() * kSpans);
}

BENCHMARK(BM_ItemLimitsDecodeOnly);
BENCHMARK(BM_ItemLimitsDecodeAndApply);
BENCHMARK(BM_ItemLimitsDecodeWithinLimits);
BENCHMARK(BM_ItemLimitsCountTraces);
BENCHMARK(BM_ItemLimitsCountTracesWithinLimits);
BENCHMARK(BM_ItemLimitsCountLogsWithinLimits);
BENCHMARK(BM_ItemLimitsDecodeLogsWithinLimits);

}  // namespace
}  // namespace otter::otlp
