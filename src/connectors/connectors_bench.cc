// spanmetrics and servicegraph throughput: requests of 100 synthetic spans (otlp/synthetic.h)
// aggregated by one connector; each iteration clones the request first, as a fan-out would, so
// BM_ConnectorRequestClone is the baseline. The flush thread is not started (flushes are once
// per interval, not per batch).
// Run: otter_bench --benchmark_filter=Connector
#include <benchmark/benchmark.h>

#include "connectors/servicegraph/servicegraph_connector.h"
#include "connectors/spanmetrics/spanmetrics_connector.h"
#include "otlp/synthetic.h"

namespace otter {
namespace {

constexpr int kSpans = 100;

struct Discard : MetricConsumer {
  void Consume(pdata::MetricBatch&& b, Completion done) override {
    benchmark::DoNotOptimize(b);
    done(Status::Ok());
  }
};

const pdata::TraceBatch& Request() {
  static const pdata::TraceBatch b = otlp::MakeSyntheticTraces(kSpans, 1);
  return b;
}

void BM_ConnectorRequestClone(benchmark::State& state) {
  for (auto _ : state) {
    pdata::TraceBatch b = Request().Clone();
    benchmark::DoNotOptimize(b);
  }
  state.SetItemsProcessed(state.iterations() * kSpans);
}
BENCHMARK(BM_ConnectorRequestClone);

template <class C, class Cfg>
void Run(benchmark::State& state, Cfg cfg) {
  Discard down;
  C c(ComponentContext{}, cfg, &down);
  for (auto _ : state) c.Consume(Request().Clone(), Completion());
  state.SetItemsProcessed(state.iterations() * kSpans);
}

void BM_ConnectorSpanMetrics(benchmark::State& state) {
  SpanMetricsConfig cfg;
  cfg.dimensions = {{"http.method", "GET"}};
  Run<SpanMetricsConnector>(state, cfg);
}
BENCHMARK(BM_ConnectorSpanMetrics);

void BM_ConnectorSpanMetricsExemplars(benchmark::State& state) {
  SpanMetricsConfig cfg;
  cfg.exemplars.enabled = true;
  Run<SpanMetricsConnector>(state, cfg);
}
BENCHMARK(BM_ConnectorSpanMetricsExemplars);

void BM_ConnectorServiceGraph(benchmark::State& state) {
  ServiceGraphConfig cfg;
  cfg.store.max_items = 1 << 20;
  Run<ServiceGraphConnector>(state, cfg);
}
BENCHMARK(BM_ConnectorServiceGraph);

}  // namespace
}  // namespace otter
