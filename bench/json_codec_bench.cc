// OTLP/JSON codec throughput on synthetic but realistic batches (otlp/synthetic.h): decode and
// encode for each signal, reported as items/s (spans, data points, log records) and bytes/s of
// JSON. Decode includes copying the body into a padded buffer, as a receiver reads it.
//   ./otter_bench --benchmark_filter=Json
#include <benchmark/benchmark.h>

#include <string>

#include "otlp/json_codec.h"
#include "otlp/synthetic.h"

namespace otter::otlp {
namespace {

template <class B, class Make, class Encode, class Decode>
void RunDecode(benchmark::State& state, Make make, Encode encode, Decode decode) {
  const int items = static_cast<int>(state.range(0));
  B batch = make(items, 42);
  std::string body;
  encode(batch, &body);
  for (auto _ : state) {
    std::string copy;  // what a receiver reads the request into
    copy.reserve(body.size() + kJsonDecodePadding);
    copy.assign(body);
    auto decoded = decode(std::move(copy));
    if (!decoded.ok()) {
      state.SkipWithError(std::string(decoded.status().message()).c_str());
      break;
    }
    benchmark::DoNotOptimize(decoded->resources().data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(batch.ItemCount()));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(body.size()));
  state.counters["body_bytes"] = static_cast<double>(body.size());
}

template <class B, class Make, class Encode>
void RunEncode(benchmark::State& state, Make make, Encode encode) {
  const int items = static_cast<int>(state.range(0));
  B batch = make(items, 42);
  std::string body;
  size_t size = 0;
  for (auto _ : state) {
    body.clear();
    encode(batch, &body);
    size = body.size();
    benchmark::DoNotOptimize(body.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(batch.ItemCount()));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(size));
}

void BM_JsonDecodeTraces(benchmark::State& state) {
  RunDecode<pdata::TraceBatch>(
      state, [](int n, uint64_t seed) { return MakeSyntheticTraces(n, seed); }, EncodeTracesJson,
      DecodeTracesJson);
}
void BM_JsonEncodeTraces(benchmark::State& state) {
  RunEncode<pdata::TraceBatch>(
      state, [](int n, uint64_t seed) { return MakeSyntheticTraces(n, seed); }, EncodeTracesJson);
}
void BM_JsonDecodeMetrics(benchmark::State& state) {
  RunDecode<pdata::MetricBatch>(
      state, [](int n, uint64_t seed) { return MakeSyntheticMetrics(n, seed); }, EncodeMetricsJson,
      DecodeMetricsJson);
}
void BM_JsonEncodeMetrics(benchmark::State& state) {
  RunEncode<pdata::MetricBatch>(
      state, [](int n, uint64_t seed) { return MakeSyntheticMetrics(n, seed); }, EncodeMetricsJson);
}
void BM_JsonDecodeLogs(benchmark::State& state) {
  RunDecode<pdata::LogBatch>(
      state, [](int n, uint64_t seed) { return MakeSyntheticLogs(n, seed); }, EncodeLogsJson,
      DecodeLogsJson);
}
void BM_JsonEncodeLogs(benchmark::State& state) {
  RunEncode<pdata::LogBatch>(
      state, [](int n, uint64_t seed) { return MakeSyntheticLogs(n, seed); }, EncodeLogsJson);
}

// 512 is the batch processor's default send size; 8192 spans (~10 MB) exceed the per-thread
// parser reuse limit.
BENCHMARK(BM_JsonDecodeTraces)->Arg(512)->Arg(8192);
BENCHMARK(BM_JsonEncodeTraces)->Arg(512);
BENCHMARK(BM_JsonDecodeMetrics)->Arg(512);
BENCHMARK(BM_JsonEncodeMetrics)->Arg(512);
BENCHMARK(BM_JsonDecodeLogs)->Arg(512);
BENCHMARK(BM_JsonEncodeLogs)->Arg(512);

}  // namespace
}  // namespace otter::otlp
