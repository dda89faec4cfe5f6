// filelog throughput: a file of 100k JSON log lines in the seed's format (timestamp, severity,
// message, trace_id, span_id, service.name) read from the beginning by a fresh receiver, split at
// newlines and parsed by json_parser with embedded timestamp, severity and trace blocks, into a
// downstream that accepts at once. BM_FilelogReadOnly is the same without operators.
// Run: otter_bench --benchmark_filter=Filelog
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "config/loader.h"
#include "receivers/filelog/receiver.h"

namespace otter::filelog {
namespace {

constexpr int kLines = 100000;

class Discard : public LogConsumer {
 public:
  void Consume(pdata::LogBatch&& b, Completion done) override {
    benchmark::DoNotOptimize(b);
    done(Status::Ok());
  }
};

const std::string& LogFile() {
  static const std::string path = [] {
    char tmpl[] = "/tmp/otter-filelog-bench-XXXXXX";
    std::string dir = ::mkdtemp(tmpl);
    std::string p = dir + "/app.log";
    std::ofstream out(p);
    char line[512];
    for (int i = 0; i < kLines; ++i) {
      std::snprintf(line, sizeof line,
                    "{\"timestamp\": \"2025-11-10T14:23:%02d.%03dZ\", \"severity\": \"%s\", "
                    "\"message\": \"Processing order %d for user\", \"trace_id\": "
                    "\"4bf92f3577b34da6a3ce929d%08x\", \"span_id\": \"00f067aa%08x\", "
                    "\"service.name\": \"order-service\", \"user_id\": \"%d\"}\n",
                    i % 60, i % 1000, i % 10 ? "INFO" : "ERROR", i, i, i, i % 977);
      out << line;
    }
    return p;
  }();
  return path;
}

void Run(benchmark::State& state, const std::string& operators) {
  auto node = config::ParseYaml("include: [" + LogFile() + "]\nstart_at: beginning\n" + operators,
                                "bench.yaml");
  config::Diagnostics d;
  FileLogConfig cfg;
  FileLogConfigTable().Parse(*node, cfg, d);
  if (!d.ok()) state.SkipWithError(d.ErrorsText().c_str());
  Discard sink;
  for (auto _ : state) {
    ComponentContext ctx;
    ctx.id = {"filelog", ""};
    FileLogOptions o;
    o.manual_polling = true;
    FileLogReceiver r(ctx, cfg, &sink, o);
    (void)r.Start();
    r.PollOnce();
  }
  state.SetItemsProcessed(state.iterations() * kLines);
  state.SetBytesProcessed(state.iterations() *
                          static_cast<int64_t>(std::filesystem::file_size(LogFile())));
}

void BM_FilelogReadOnly(benchmark::State& state) { Run(state, ""); }
BENCHMARK(BM_FilelogReadOnly)->Unit(benchmark::kMillisecond);

void BM_FilelogJsonParser(benchmark::State& state) {
  Run(state,
      "operators:\n"
      "  - type: json_parser\n"
      "    timestamp:\n"
      "      parse_from: attributes.timestamp\n"
      "      layout: '%Y-%m-%dT%H:%M:%S.%LZ'\n"
      "    severity:\n"
      "      parse_from: attributes.severity\n"
      "    trace:\n"
      "      trace_id:\n"
      "        parse_from: attributes.trace_id\n"
      "      span_id:\n"
      "        parse_from: attributes.span_id\n");
}
BENCHMARK(BM_FilelogJsonParser)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace otter::filelog
