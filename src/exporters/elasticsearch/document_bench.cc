// Elasticsearch document encoding: 1000 synthetic spans or log records (otlp/synthetic.h) turned
// into bulk NDJSON per mapping mode. items/s = documents (spans / records) encoded per second.
// Run: otter_bench --benchmark_filter=Elasticsearch
#include <benchmark/benchmark.h>

#include "exporters/elasticsearch/document.h"
#include "otlp/synthetic.h"

namespace otter::elasticsearch_exporter {
namespace {

constexpr int kItems = 1000;
const char* kModes[] = {"otel", "ecs", "none", "raw"};

// One mode (state.range(0)) encoding `batch` with `encode` (DocumentEncoder::EncodeTraces/Logs).
template <class B, class Encode>
void EncodeBench(benchmark::State& state, const B& batch, Encode encode) {
  ElasticsearchExporterConfig cfg;
  cfg.mapping.mode = kModes[state.range(0)];
  DocumentEncoder enc(cfg);
  BulkBody body;
  for (auto _ : state) {
    body.Clear();
    (enc.*encode)(batch, &body);
    benchmark::DoNotOptimize(body.ndjson.data());
  }
  state.SetLabel(cfg.mapping.mode);
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(batch.ItemCount()));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(body.ndjson.size()));
}

void BM_ElasticsearchEncodeSpans(benchmark::State& state) {
  static const pdata::TraceBatch b = otlp::MakeSyntheticTraces(kItems, 1);
  EncodeBench(state, b, &DocumentEncoder::EncodeTraces);
}
BENCHMARK(BM_ElasticsearchEncodeSpans)->DenseRange(0, 3);

void BM_ElasticsearchEncodeLogs(benchmark::State& state) {
  static const pdata::LogBatch b = otlp::MakeSyntheticLogs(kItems, 1);
  EncodeBench(state, b, &DocumentEncoder::EncodeLogs);
}
BENCHMARK(BM_ElasticsearchEncodeLogs)->DenseRange(0, 3);

}  // namespace
}  // namespace otter::elasticsearch_exporter
