// Kafka throughput against librdkafka's in-process mock cluster (loopback TCP):
//  - BM_KafkaExport: 64 exports of 1000 synthetic spans each through the kafka exporter
//    (queue, 10 senders, OTLP protobuf, each export waiting for its delivery reports), with
//    compression none or zstd;
//  - BM_KafkaConsume: the consumer loop + OTLP decoding of 2000 messages of 100 spans each into
//    a consumer that accepts at once (replay-mode assignment, so no group join in the timing).
// The mock broker runs in the same process and shares the 2 cores; items_per_second is per
// process CPU-second, so it charges the broker's work to otter too (a lower bound). Run:
//   otter_bench --benchmark_filter=Kafka
#include <benchmark/benchmark.h>

#include <condition_variable>
#include <mutex>

#include "exporters/kafka/exporter.h"
#include "kafka/kafka_testing.h"
#include "kafka/mock_cluster.h"
#include "otlp/proto_codec.h"
#include "otlp/synthetic.h"
#include "receivers/kafka/consumer_loop.h"
#include "receivers/kafka/receiver.h"

namespace otter {
namespace {

constexpr int kSpansPerExport = 1000;
constexpr int kExports = 64;

void BM_KafkaExport(benchmark::State& state) {
  const char* compression = state.range(0) ? "zstd" : "none";
  auto cluster = kafka::MockCluster::Start(1);
  if (!cluster.ok()) return state.SkipWithError("no mock cluster");
  (void)(*cluster)->CreateTopic("otlp_spans", 4);
  KafkaExporterConfig cfg;
  cfg.brokers = {(*cluster)->bootstrap()};
  cfg.producer.compression = compression;
  cfg.sending_queue.wait_for_result = true;
  ComponentContext ctx;
  ctx.id = {"kafka", ""};
  ctx.logger = std::make_shared<spdlog::logger>("bench");
  auto exp = kafka_exporter::CreateExporter(ctx, cfg);
  if (!exp.ok()) return state.SkipWithError("no exporter");
  (void)(*exp)->Start();
  const pdata::TraceBatch request = otlp::MakeSyntheticTraces(kSpansPerExport, 1);
  for (auto _ : state) {
    std::mutex mu;
    std::condition_variable cv;
    int left = kExports, failed = 0;
    for (int i = 0; i < kExports; ++i)
      (*exp)->consumers().traces->Consume(request.Clone(), Completion([&](Status s) {
                                            std::lock_guard l(mu);
                                            failed += !s.ok();
                                            if (--left == 0) cv.notify_all();
                                          }));
    std::unique_lock l(mu);
    cv.wait(l, [&] { return left == 0; });
    if (failed) state.SkipWithError("an export failed");
  }
  state.SetItemsProcessed(state.iterations() * kExports * kSpansPerExport);
  (*exp)->Shutdown();
}
// items_per_second is per process CPU-second (otter's threads and the mock broker's).
BENCHMARK(BM_KafkaExport)
    ->Arg(0)
    ->Arg(1)
    ->ArgName("zstd")
    ->MeasureProcessCPUTime()
    ->Unit(benchmark::kMillisecond);

class Accept : public TraceConsumer {
 public:
  void Consume(pdata::TraceBatch&& b, Completion done) override {
    benchmark::DoNotOptimize(b);
    done(Status::Ok());
  }
};

void BM_KafkaConsume(benchmark::State& state) {
  constexpr int kMessages = 2000, kSpans = 100, kPartitions = 4;
  auto cluster = kafka::MockCluster::Start(1);
  if (!cluster.ok()) return state.SkipWithError("no mock cluster");
  const std::string bootstrap = (*cluster)->bootstrap();
  (void)(*cluster)->CreateTopic("otlp_spans", kPartitions);
  std::vector<kafka::testing::TestRecord> recs(kMessages);
  for (int i = 0; i < kMessages; ++i) {
    otlp::EncodeTraces(otlp::MakeSyntheticTraces(kSpans, i + 1), &recs[i].value);
    recs[i].partition = i % kPartitions;
  }
  if (!kafka::testing::ProduceAll(bootstrap, "otlp_spans", recs))
    return state.SkipWithError("produce failed");
  Accept sink;
  Consumers next;
  next.traces = &sink;
  KafkaReceiverConfig cfg;
  cfg.brokers = {bootstrap};
  ComponentContext ctx;
  ctx.id = {"kafka", ""};
  ctx.logger = std::make_shared<spdlog::logger>("bench");
  kafka_receiver::MessageDecoder decoder(ctx, cfg, Signal::kTraces, next);
  for (auto _ : state) {
    kafka_receiver::ConsumerOptions o;
    o.properties = cfg.ConsumerProperties();
    for (int p = 0; p < kPartitions; ++p)
      o.ranges.push_back({"otlp_spans", p, 0, kMessages / kPartitions});
    kafka_receiver::ConsumerLoop loop(ctx.logger, std::move(o),
                                      [&](const kafka_receiver::Record& r, Completion done) {
                                        decoder.Deliver(r, std::move(done));
                                      });
    if (Status st = loop.Start(); !st.ok()) return state.SkipWithError(st.ToString().c_str());
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!loop.finished() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    if (!loop.finished()) {
      std::fprintf(stderr, "progress %llu delivered %llu\n",
                   static_cast<unsigned long long>(loop.progress()),
                   static_cast<unsigned long long>(loop.stats().delivered.load()));
      return state.SkipWithError("consumer did not finish");
    }
    loop.Stop();
  }
  state.SetItemsProcessed(state.iterations() * kMessages * kSpans);
}
BENCHMARK(BM_KafkaConsume)->MeasureProcessCPUTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace otter
