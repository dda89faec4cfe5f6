// libFuzzer target for the block readers: the first byte picks the signal (traces, metrics,
// logs), the rest is a block file. Opening it, adding it to that signal's table (which parses
// the signal's index) and reading everything back through the query interfaces must either work
// or fail with an error (DataLoss for damage), never crash.
//   block_fuzz -max_len=65536 corpus/
// FUZZ_WRITE_SEEDS=<dir> block_fuzz writes seed blocks of each signal into <dir> and exits.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "otlp/synthetic.h"
#include "store/block.h"
#include "store/fuzz_support.h"

namespace {

using namespace otter;
using namespace otter::store;

void WriteSeeds(const std::string& out) {
  std::filesystem::create_directories(out);
  for (int seed = 0; seed < 2; ++seed) {
    TraceTable traces;
    traces.Apply(otlp::MakeSyntheticTraces(4, seed));
    traces.Freeze();
    fuzz::WriteFileOrDie(out + "/traces-" + std::to_string(seed),
                         std::string(1, 0) + traces.BuildBlock(1));
    MetricTable metrics;
    ConvertedMetrics converted = metrics.Convert(otlp::MakeSyntheticMetrics(20, seed));
    metrics.Accumulate(converted);
    metrics.Apply(std::move(converted));
    metrics.Freeze();
    fuzz::WriteFileOrDie(out + "/metrics-" + std::to_string(seed),
                         std::string(1, 1) + metrics.BuildBlock(1));
    LogTable logs;
    logs.Apply(otlp::MakeSyntheticLogs(4, seed));
    logs.Freeze();
    fuzz::WriteFileOrDie(out + "/logs-" + std::to_string(seed),
                         std::string(1, 2) + logs.BuildBlock(1));
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (const char* out = std::getenv("FUZZ_WRITE_SEEDS")) {
    WriteSeeds(out);
    std::exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const int signal = data[0] % 3;
  const char* names[] = {"traces", "metrics", "logs"};
  const std::string path = fuzz::ScratchDir() + "/" + BlockFileName(names[signal], 1, 1);
  fuzz::WriteFileOrDie(path, std::string_view(reinterpret_cast<const char*>(data + 1), size - 1));
  bool corrupt_reported = false;
  auto reader = BlockReader::Open(
      path, *PosixEnv(), [&](const std::string&, const Status&) { corrupt_reported = true; });
  if (!reader.ok()) return 0;
  switch (signal) {
    case 0: {
      TraceTable t;
      if (t.AddBlock(*reader, false).ok()) fuzz::ReadTraces(t);
      break;
    }
    case 1: {
      MetricTable t;
      if (t.AddBlock(*reader, false).ok()) fuzz::ReadMetrics(t);
      break;
    }
    default: {
      LogTable t;
      if (t.AddBlock(*reader, false).ok()) fuzz::ReadLogs(t);
      break;
    }
  }
  return 0;
}
