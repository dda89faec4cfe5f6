// k8sattributes enrichment throughput: requests of 100 synthetic spans (otlp/synthetic.h) from a
// client whose IP is one of 1000 cached pods (default metadata, one container, a ReplicaSet of a
// Deployment), enriched in place on 1..4 threads. Each iteration clones the request first (a
// receiver would decode a fresh one): BM_BatchRequestClone (batch_processor_bench.cc) is the
// baseline to subtract. A second case sends from an unknown IP (lookup miss).
// Run: otter_bench --benchmark_filter=K8s
#include <benchmark/benchmark.h>

#include "k8s/objects.h"
#include "otlp/synthetic.h"
#include "processors/k8sattributes/enricher.h"

namespace otter::k8sattributes {
namespace {

constexpr int kSpans = 100;

const pdata::TraceBatch& Request() {
  static const pdata::TraceBatch b = otlp::MakeSyntheticTraces(kSpans, 1);
  return b;
}

struct World {
  K8sAttributesConfig cfg;
  Rules rules = Rules::From(cfg);
  PodTable table{Rules::From(cfg), {}, cfg.exclude_pods, PodTable::Limits{}};
  Enricher enricher{&table, &rules, {}, false};
  World() {
    std::vector<k8s::KubeObject> pods;
    for (int i = 0; i < 1000; ++i) {
      k8s::KubeObject p;
      p.name = "checkout-6d9f8b7c5d-" + std::to_string(i);
      p.namespace_name = "shop";
      p.uid = "uid-" + std::to_string(i);
      p.creation_timestamp = "2024-05-06T07:08:09Z";
      p.node_name = "node-" + std::to_string(i % 20);
      p.pod_ip = "10.1." + std::to_string(i / 250) + "." + std::to_string(i % 250);
      p.owners = {{"ReplicaSet", "checkout-6d9f8b7c5d", "rs-1"}};
      p.containers = {{"app", "ghcr.io/acme/checkout:2.3.1"}};
      p.container_statuses = {{"app", "containerd://" + std::to_string(i), 0}};
      pods.push_back(std::move(p));
    }
    k8s::KubeObject rs;
    rs.name = "checkout-6d9f8b7c5d";
    rs.uid = "rs-1";
    rs.owners = {{"Deployment", "checkout", "dep-1"}};
    table.replica_sets()->Replace({rs});
    table.pods()->Replace(std::move(pods));
  }
};

World& TheWorld() {
  static World w;
  return w;
}

void Enrich(benchmark::State& state, const std::string& client_ip) {
  World& w = TheWorld();
  EnrichStats stats;
  for (auto _ : state) {
    pdata::TraceBatch b = Request().Clone();
    b.set_client_ip(client_ip);
    for (auto& r : b.resources()) w.enricher.Enrich(r.resource, b.arenas(), b.client_ip(), &stats);
    benchmark::DoNotOptimize(b);
  }
  state.SetItemsProcessed(state.iterations() * kSpans);
  state.counters["resources/request"] = benchmark::Counter(
      static_cast<double>(Request().resources().size()), benchmark::Counter::kAvgThreads);
}

void BM_K8sAttributesEnrich(benchmark::State& state) { Enrich(state, "10.1.2.7"); }
BENCHMARK(BM_K8sAttributesEnrich)->ThreadRange(1, 4)->UseRealTime();

void BM_K8sAttributesEnrichUnknownPod(benchmark::State& state) { Enrich(state, "10.9.9.9"); }
BENCHMARK(BM_K8sAttributesEnrichUnknownPod)->UseRealTime();

}  // namespace
}  // namespace otter::k8sattributes
