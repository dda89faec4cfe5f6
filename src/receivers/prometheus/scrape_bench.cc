// Prometheus receiver: parsing + conversion of one scrape of 100k series (the target),
// in the 0.0.4 text format and in OpenMetrics, into an OTLP batch — what a target's worker does
// per scrape after the HTTP body arrived. The converter keeps its state between iterations
// (steady state: every series seen before, none stale). Items are samples.
// Run: otter_bench --benchmark_filter=Scrape
#include <benchmark/benchmark.h>

#include <string>

#include "receivers/prometheus/exposition_parser.h"
#include "receivers/prometheus/target_converter.h"

namespace otter::promscrape {
namespace {

// 1000 families: 800 counters × 100 series (2 labels), 150 gauges × 100 series, 50 histograms ×
// 10 series × (8 buckets + +Inf + sum + count) ≈ 100k samples.
std::string Exposition(bool open_metrics, size_t* samples) {
  std::string s;
  *samples = 0;
  char buf[256];
  for (int f = 0; f < 800; ++f) {
    snprintf(buf, sizeof buf, "# HELP app_requests_%d_total Requests of kind %d.\n", f, f);
    s += buf;
    snprintf(buf, sizeof buf, "# TYPE app_requests_%d%s counter\n", f,
             open_metrics ? "" : "_total");
    s += buf;
    for (int i = 0; i < 100; ++i) {
      snprintf(buf, sizeof buf,
               "app_requests_%d_total{method=\"GET\",path=\"/api/v1/item/%d\"} %d\n", f, i,
               i * 17 + f);
      s += buf;
      ++*samples;
    }
  }
  for (int f = 0; f < 150; ++f) {
    snprintf(buf, sizeof buf, "# TYPE app_temperature_%d gauge\n", f);
    s += buf;
    for (int i = 0; i < 100; ++i) {
      snprintf(buf, sizeof buf, "app_temperature_%d{sensor=\"s%d\",room=\"r%d\"} %d.25\n", f, i,
               i % 7, i);
      s += buf;
      ++*samples;
    }
  }
  const char* les[] = {"0.005", "0.01", "0.05", "0.1", "0.5", "1", "5", "10", "+Inf"};
  for (int f = 0; f < 50; ++f) {
    snprintf(buf, sizeof buf, "# TYPE app_latency_%d_seconds histogram\n", f);
    s += buf;
    for (int i = 0; i < 10; ++i) {
      for (int b = 0; b < 9; ++b) {
        snprintf(buf, sizeof buf, "app_latency_%d_seconds_bucket{handler=\"h%d\",le=\"%s\"} %d\n",
                 f, i, les[b], b * 10 + i);
        s += buf;
        ++*samples;
      }
      snprintf(buf, sizeof buf, "app_latency_%d_seconds_sum{handler=\"h%d\"} 12.5\n", f, i);
      s += buf;
      snprintf(buf, sizeof buf, "app_latency_%d_seconds_count{handler=\"h%d\"} %d\n", f, i, 80 + i);
      s += buf;
      *samples += 2;
    }
  }
  if (open_metrics) s += "# EOF\n";
  return s;
}

void BM_ScrapeParseOnly(benchmark::State& state) {
  size_t samples = 0;
  const bool om = state.range(0);
  const std::string body = Exposition(om, &samples);
  for (auto _ : state) {
    pdata::ArenaSet arena;
    ExpositionParser p(body, om ? ExpositionFormat::kOpenMetrics : ExpositionFormat::kText, &arena);
    size_t n = 0;
    for (;;) {
      auto e = p.Next();
      if (!e.ok() || *e == ExpositionParser::Entry::kEof) break;
      n += *e == ExpositionParser::Entry::kSample;
    }
    benchmark::DoNotOptimize(n);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * samples));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_ScrapeParseOnly)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

void BM_ScrapeConvert100k(benchmark::State& state) {
  size_t samples = 0;
  const bool om = state.range(0);
  const std::string body = Exposition(om, &samples);
  TargetSpec spec;
  spec.labels = LabelSet{{"job", "bench"}, {"instance", "10.0.0.1:9100"}};
  spec.scope_version = "bench";
  TargetConverter conv(std::move(spec));
  const char* ctype = om ? "application/openmetrics-text; version=1.0.0" : "text/plain";
  int64_t t = 1'700'000'000'000;
  size_t points = 0;
  for (auto _ : state) {
    ScrapeStats st;
    pdata::MetricBatch b = conv.Convert(body, ctype, t += 15000, 0.1, Status::Ok(), &st);
    points = b.ItemCount();
    benchmark::DoNotOptimize(b);
  }
  state.counters["points"] = static_cast<double>(points);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * samples));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_ScrapeConvert100k)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace otter::promscrape
