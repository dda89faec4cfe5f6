// The Prometheus back ends' hot paths on a scrape-sized workload of 100k series (100 metric
// families x 1000 label sets: cumulative counters, gauges and 8-bucket cumulative histograms):
//  - remote write out: OTLP → store conversion → WriteRequest protobuf → snappy (what the
//    prometheusremotewrite exporter does per batch), items = samples;
//  - remote write in: snappy → WriteRequest decode → OTLP (the prometheusremotewrite receiver),
//    items = samples;
//  - the prometheus exporter: a batch applied to the exposition state, and one scrape of all
//    100k series rendered as text 0.0.4 and as OpenMetrics.
// Run: otter_bench --benchmark_filter='RemoteWrite|Exposition'
#include <benchmark/benchmark.h>

#include <string>

#include "exporters/prometheus/exposition.h"
#include "exporters/prometheusremotewrite/write_request.h"
#include "net/compression.h"
#include "receivers/prometheusremotewrite/write_request.h"
#include "store/prom_convert.h"

namespace otter {
namespace {

constexpr int kFamilies = 100;
constexpr int kSeriesPerFamily = 1000;
constexpr uint64_t kT0 = 1'790'000'000'000'000'000ull;

// Families cycle counter, gauge, histogram; each series has a pod and a route label.
pdata::MetricBatch Workload(uint64_t t_ns) {
  pdata::MetricBatch batch;
  auto& arenas = batch.arenas();
  auto& rm = batch.resources().emplace_back();
  rm.resource.attributes = {{"service.name", pdata::AnyValue::String("shop")},
                            {"service.instance.id", pdata::AnyValue::String("pod-1")}};
  auto& sm = rm.scope_metrics.emplace_back();
  sm.scope.name = "bench";
  for (int f = 0; f < kFamilies; ++f) {
    pdata::Metric& m = sm.metrics.emplace_back();
    m.name = arenas.Copy("app.family." + std::to_string(f));
    m.unit = f % 3 == 2 ? "s" : "1";
    m.type = f % 3 == 0   ? pdata::MetricType::kSum
             : f % 3 == 1 ? pdata::MetricType::kGauge
                          : pdata::MetricType::kHistogram;
    m.temporality = pdata::AggregationTemporality::kCumulative;
    m.is_monotonic = true;
    for (int s = 0; s < kSeriesPerFamily; ++s) {
      pdata::Attributes attrs = {
          {"pod", pdata::AnyValue::String(arenas.Copy("pod-" + std::to_string(s % 100)))},
          {"route", pdata::AnyValue::String(arenas.Copy("/api/v" + std::to_string(s / 100)))}};
      if (m.type == pdata::MetricType::kHistogram) {
        pdata::HistogramDataPoint& p = m.histogram_points.emplace_back();
        p.attributes = std::move(attrs);
        p.start_time_unix_nano = kT0;
        p.time_unix_nano = t_ns;
        p.explicit_bounds = {0.005, 0.01, 0.05, 0.1, 0.5, 1, 5};
        p.bucket_counts = {1, 2, 3, 4, 5, 6, 7, static_cast<uint64_t>(s)};
        p.count = 28 + static_cast<uint64_t>(s);
        p.sum = 12.5 + s;
      } else {
        pdata::NumberDataPoint& p = m.number_points.emplace_back();
        p.attributes = std::move(attrs);
        p.start_time_unix_nano = kT0;
        p.time_unix_nano = t_ns;
        p.value_type = pdata::NumberDataPoint::ValueType::kDouble;
        p.as_double = 1000.0 + s;
      }
    }
  }
  return batch;
}

size_t Samples(const store::ConvertedMetrics& c) {
  size_t n = 0;
  for (const auto& s : c.series) n += s.samples.size() + s.histograms.size();
  return n;
}

std::vector<std::string> EncodeCompressed(const pdata::MetricBatch& batch, size_t* samples) {
  store::ConvertedMetrics conv;
  store::ConvertMetrics(batch, {}, &conv);
  if (samples) *samples = Samples(conv);
  std::vector<std::string> out;
  for (const std::string& body :
       prometheusremotewrite::EncodeWriteRequests(conv.series, conv.metadata, 1 << 20))
    out.push_back(*net::Compress(net::Encoding::kSnappy, body));
  return out;
}

void BM_RemoteWriteExport(benchmark::State& state) {
  const pdata::MetricBatch batch = Workload(kT0 + 60'000'000'000ull);
  size_t samples = 0, bytes = 0;
  EncodeCompressed(batch, &samples);
  for (auto _ : state) {
    auto requests = EncodeCompressed(batch, nullptr);
    bytes = 0;
    for (const auto& r : requests) bytes += r.size();
    benchmark::DoNotOptimize(requests);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * samples));
  state.counters["compressed_bytes_per_sample"] = static_cast<double>(bytes) / samples;
}
BENCHMARK(BM_RemoteWriteExport)->Unit(benchmark::kMillisecond);

void BM_RemoteWriteReceive(benchmark::State& state) {
  size_t samples = 0;
  const auto requests = EncodeCompressed(Workload(kT0 + 60'000'000'000ull), &samples);
  const std::map<std::string, prometheusremotewrite::FamilyInfo, std::less<>> families;
  for (auto _ : state) {
    for (const std::string& r : requests) {
      auto body = net::Decompress(net::Encoding::kSnappy, r, 64 << 20);
      auto req = prometheusremotewrite::DecodeWriteRequest(*body);
      prometheusremotewrite::TranslateStats stats;
      benchmark::DoNotOptimize(
          prometheusremotewrite::TranslateWriteRequest(*req, families, &stats));
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * samples));
}
BENCHMARK(BM_RemoteWriteReceive)->Unit(benchmark::kMillisecond);

void BM_ExpositionAdd(benchmark::State& state) {
  PrometheusExporterConfig cfg;
  prometheus_exporter::Exposition exposition(cfg);
  uint64_t t = kT0;
  const pdata::MetricBatch batch = Workload(t);
  for (auto _ : state) benchmark::DoNotOptimize(exposition.Add(batch));
  state.SetItemsProcessed(state.iterations() * kFamilies * kSeriesPerFamily);
}
BENCHMARK(BM_ExpositionAdd)->Unit(benchmark::kMillisecond);

void Render(benchmark::State& state, bool open_metrics) {
  PrometheusExporterConfig cfg;
  prometheus_exporter::Exposition exposition(cfg);
  exposition.Add(Workload(kT0));
  size_t bytes = 0;
  for (auto _ : state) {
    std::string body = exposition.Render(open_metrics);
    bytes = body.size();
    benchmark::DoNotOptimize(body);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(exposition.SeriesCount()));
  state.counters["series"] = static_cast<double>(exposition.SeriesCount());
  state.counters["body_MB"] = static_cast<double>(bytes) / 1e6;
}
void BM_ExpositionScrapeText(benchmark::State& state) { Render(state, false); }
void BM_ExpositionScrapeOpenMetrics(benchmark::State& state) { Render(state, true); }
BENCHMARK(BM_ExpositionScrapeText)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ExpositionScrapeOpenMetrics)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace otter
