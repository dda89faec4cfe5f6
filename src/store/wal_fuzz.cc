// libFuzzer target for the WAL reader: the input is a segment file as found on disk after a
// crash. Open must never fail or crash on it (damage is skipped and counted, a torn tail cut);
// every record it replays is decoded into the tables as the store's replay does and read back.
// Then the log must still work: a record appended and synced after the damage must come back on
// the next open, exactly once and intact.
//   wal_fuzz -max_len=65536 corpus/
// FUZZ_WRITE_SEEDS=<dir> wal_fuzz writes seed segments (real OTLP records) into <dir> and exits.
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "otlp/proto_codec.h"
#include "otlp/synthetic.h"
#include "store/fuzz_support.h"
#include "store/store.h"
#include "store/wal.h"

namespace {

using namespace otter;
using namespace otter::store;

std::shared_ptr<spdlog::logger> Logger() {
  static auto l =
      std::make_shared<spdlog::logger>("fuzz", std::make_shared<spdlog::sinks::null_sink_mt>());
  return l;
}

Wal::Options Options(const std::string& dir) {
  Wal::Options o;
  o.dir = dir;
  o.sync = false;
  o.logger = Logger();
  return o;
}

// What Store::Replay does with a record, minus the refused-series bookkeeping.
Status Apply(uint8_t type, std::string_view payload, TraceTable& traces, MetricTable& metrics,
             LogTable& logs) {
  switch (static_cast<RecordType>(type)) {
    case RecordType::kTraces:
      if (!traces.ApplyWire(payload)) {
        auto b = otlp::DecodeTraces(std::string(payload));
        if (b.ok()) traces.Apply(*b);
      }
      break;
    case RecordType::kMetrics: {
      auto b = otlp::DecodeMetrics(std::string(payload));
      if (!b.ok()) break;
      ConvertedMetrics converted = metrics.Convert(*b);
      metrics.Accumulate(converted);
      metrics.Apply(std::move(converted));
      break;
    }
    case RecordType::kLogs: {
      auto b = otlp::DecodeLogs(std::string(payload));
      if (b.ok()) logs.Apply(std::move(*b));
      break;
    }
    default:
      break;
  }
  return Status::Ok();
}

void WriteSeeds(const std::string& out) {
  std::filesystem::create_directories(out);
  std::string dir = fuzz::ScratchDir() + "/seed";
  for (int seed = 0; seed < 3; ++seed) {
    std::filesystem::remove_all(dir);
    auto wal = Wal::Open(
        Options(dir), 0, [](uint8_t, std::string_view, uint64_t) { return Status::Ok(); }, nullptr);
    if (!wal.ok()) std::abort();
    std::string t, m, l;
    otlp::EncodeTraces(otlp::MakeSyntheticTraces(3, seed), &t);
    otlp::EncodeMetrics(otlp::MakeSyntheticMetrics(12, seed), &m);
    otlp::EncodeLogs(otlp::MakeSyntheticLogs(3, seed), &l);
    if (!(*wal)->Append(uint8_t(RecordType::kTraces), t).ok() ||
        !(*wal)->Append(uint8_t(RecordType::kMetrics), m).ok() ||
        !(*wal)->Append(uint8_t(RecordType::kLogs), l).ok() || !(*wal)->Sync().ok())
      std::abort();
    uint64_t segment = (*wal)->current_segment();
    wal->reset();
    char name[32];
    std::snprintf(name, sizeof name, "/%016llu.wal", static_cast<unsigned long long>(segment));
    std::filesystem::copy_file(dir + name, out + "/segment-" + std::to_string(seed),
                               std::filesystem::copy_options::overwrite_existing);
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
  const std::string dir = fuzz::ScratchDir() + "/wal";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  fuzz::WriteFileOrDie(dir + "/0000000000000001.wal",
                       std::string_view(reinterpret_cast<const char*>(data), size));
  TraceTable traces;
  MetricTable metrics;
  LogTable logs;
  Wal::ReplayStats stats;
  auto wal = Wal::Open(
      Options(dir), 0,
      [&](uint8_t type, std::string_view payload, uint64_t) {
        return Apply(type, payload, traces, metrics, logs);
      },
      &stats);
  if (!wal.ok()) std::abort();  // only a replay callback error may fail Open
  fuzz::ReadTraces(traces);
  fuzz::ReadMetrics(metrics);
  fuzz::ReadLogs(logs);

  const std::string marker = "after the damage";
  if (!(*wal)->Append(200, marker).ok() || !(*wal)->Sync().ok()) std::abort();
  wal->reset();
  int seen = 0;
  auto again = Wal::Open(
      Options(dir), 0,
      [&](uint8_t type, std::string_view payload, uint64_t) {
        if (type == 200) {
          if (payload != marker) std::abort();
          ++seen;
        }
        return Status::Ok();
      },
      nullptr);
  if (!again.ok() || seen != 1) std::abort();
  return 0;
}
