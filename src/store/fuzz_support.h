// Shared by the store's libFuzzer targets (wal_fuzz.cc, block_fuzz.cc), nothing else: a scratch
// directory for the fuzzed files, reading everything a table holds through its query interfaces
// (so a damaged record is decoded, not just indexed), and writing seed files for the corpora.
// Single-threaded, like the fuzzers.
#pragma once

#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <string>
#include <string_view>

#include "store/log_table.h"
#include "store/matcher.h"
#include "store/metric_table.h"
#include "store/trace_table.h"

namespace otter::store::fuzz {

// A directory for the process's scratch files: under /dev/shm when it exists (no disk I/O).
inline const std::string& ScratchDir() {
  static const std::string dir = [] {
    std::string base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    std::string tmpl = base + "/otter-fuzz-XXXXXX";
    if (!mkdtemp(tmpl.data())) std::abort();
    return tmpl;
  }();
  static const bool cleanup = [] {
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    });
    return true;
  }();
  (void)cleanup;
  return dir;
}

inline void WriteFileOrDie(const std::string& path, std::string_view bytes) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) std::abort();
  if (!bytes.empty() && std::fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size()) std::abort();
  std::fclose(f);
}

// Every span, sample and log entry the tables hold, through the same calls the query APIs make.
inline void ReadTraces(TraceTable& t) {
  for (const auto& service : t.Services()) (void)t.Operations(service);
  TraceSearch search;
  search.end_ns = std::numeric_limits<uint64_t>::max();
  search.limit = 100;
  if (auto found = t.FindTraces(search); found.ok())
    for (const auto& b : *found) (void)b.ItemCount();
  (void)t.ScanTraces(0, std::numeric_limits<uint64_t>::max(), [](const pdata::TraceBatch& b) {
    (void)b.ItemCount();
    return true;
  });
  (void)t.Dependencies(0, std::numeric_limits<uint64_t>::max(), QueryLimits{});
}

// Compiled once: an RE2 compile per input was a tenth of wal_fuzz's time.
inline const Matchers& AnyName() {
  static const Matchers m = {*LabelMatcher::Make(LabelMatcher::Op::kRe, "__name__", ".+")};
  return m;
}

inline void ReadMetrics(MetricTable& t) {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  (void)t.Select(AnyName(), kMin, kMax, 1000000);
  (void)t.LabelNames({}, kMin, kMax);
  (void)t.Exemplars({AnyName()}, kMin, kMax);
  (void)t.Metadata("", 0);
}

inline void ReadLogs(LogTable& t) {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  auto names = t.LabelNames(kMin, kMax);
  if (!names.ok() || names->empty()) return;
  LogSelect select;
  select.stream_matchers = {*LabelMatcher::Make(LabelMatcher::Op::kRe, (*names)[0], ".*")};
  select.start_ns = kMin;
  select.end_ns = kMax;
  (void)t.Select(select);
  select.trace_id = "0af7651916cd43dd8448eb211c80319c";
  select.direction = Direction::kForward;
  (void)t.Scan(select, QueryLimits{}, [](const Labels&, LogEntry&&) { return true; });
}

}  // namespace otter::store::fuzz
