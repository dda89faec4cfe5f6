// Throughput of the attribute processors on requests of 100 synthetic spans (otlp/synthetic.h,
// ~20 attributes per span, 8 per resource): each iteration clones the request (as a receiver
// would hand over a fresh one) and runs the processor over it in place. BM_BatchRequestClone
// (batch_processor_bench.cc) is the clone alone, the baseline to subtract.
// Run: otter_bench --benchmark_filter='Attributes|Resource|Redaction'
#include <benchmark/benchmark.h>

#include "otlp/synthetic.h"
#include "processors/attraction/testing.h"

namespace otter {
namespace {

constexpr int kSpans = 100;

const pdata::TraceBatch& Request() {
  static const pdata::TraceBatch b = otlp::MakeSyntheticTraces(kSpans, 1);
  return b;
}

class Discard final : public TraceConsumer {
 public:
  void Consume(pdata::TraceBatch&& b, Completion done) override {
    benchmark::DoNotOptimize(b);
    done(Status::Ok());
  }
};

// The request as the otlp receiver with include_metadata hands it over: with its headers.
const pdata::TraceBatch& RequestWithMetadata() {
  static const pdata::TraceBatch b = [] {
    pdata::TraceBatch r = otlp::MakeSyntheticTraces(kSpans, 1);
    for (auto [k, v] : {std::pair{"host", "otter:4318"},
                        {"content-type", "application/x-protobuf"},
                        {"user-agent", "OTel-OTLP-Exporter-JavaScript/0.200.0"},
                        {"x-tenant", "acme"},
                        {"content-length", "55000"}})
      r.AddMetadata(k, v);
    r.set_client_ip("10.0.0.7");
    return r;
  }();
  return b;
}

void RunProcessor(benchmark::State& state, const std::string& type, const std::string& yaml,
                  const pdata::TraceBatch& request = Request()) {
  auto parsed = attraction::testing::ParseProcessorConfig(type, yaml);
  if (!parsed.errors.empty()) {
    state.SkipWithError(parsed.errors[0].c_str());
    return;
  }
  Discard sink;
  auto p = attraction::testing::CreateProcessor<pdata::TraceBatch>(type, *parsed.config, &sink);
  if (!p.ok() || !(*p)->Start().ok()) {
    state.SkipWithError("create/start failed");
    return;
  }
  TraceConsumer* in = (*p)->consumers().traces;
  for (auto _ : state) in->Consume(request.Clone(), Completion());
  state.SetItemsProcessed(state.iterations() * kSpans);
  (*p)->Shutdown();
}

void BM_AttributesSeedRedact(benchmark::State& state) {
  RunProcessor(state, "attributes", R"(
actions:
  - {key: password, action: delete}
  - {key: api_key, action: delete}
)");
}
BENCHMARK(BM_AttributesSeedRedact);

void BM_AttributesMixed(benchmark::State& state) {
  RunProcessor(state, "attributes", R"(
include:
  match_type: regexp
  services: [".*"]
actions:
  - {key: deployment.environment, value: production, action: upsert}
  - {key: client.address, action: hash}
  - {key: url.path, pattern: '^/api/(?P<api_version>v\d+)/', action: extract}
  - {key: http.response.status_code, converted_type: string, action: convert}
  - {pattern: '^network\.', action: delete}
)");
}
BENCHMARK(BM_AttributesMixed);

// from_context: the metadata is looked up once per batch, then each span gets the value.
void BM_AttributesFromContext(benchmark::State& state) {
  RunProcessor(state, "attributes", R"(
actions:
  - {key: tenant, from_context: metadata.x-tenant, action: upsert}
  - {key: net.peer.ip, from_context: client.address, action: insert}
)",
               RequestWithMetadata());
}
BENCHMARK(BM_AttributesFromContext);

void BM_ResourceSeedUpsert(benchmark::State& state) {
  RunProcessor(state, "resource", R"(
attributes:
  - {key: deployment.environment, action: upsert, value: production}
)");
}
BENCHMARK(BM_ResourceSeedUpsert);

// Detection itself runs once at Start; this is the per-batch merge of host.name and os.type.
void BM_ResourceDetectionSystem(benchmark::State& state) {
  RunProcessor(state, "resourcedetection", R"(
detectors: [system]
system:
  hostname_sources: [os]
)");
}
BENCHMARK(BM_ResourceDetectionSystem);

void BM_RedactionAllowListAndBlockedValues(benchmark::State& state) {
  RunProcessor(state, "redaction", R"(
allowed_keys: [http.request.method, http.route, url.path, http.response.status_code,
               client.address, service.name, host.name]
blocked_values: ['\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}']
summary: info
)");
}
BENCHMARK(BM_RedactionAllowListAndBlockedValues);

}  // namespace
}  // namespace otter
