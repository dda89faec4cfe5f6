// The store opening a damaged directory: 500 seeded cases of truncated, bit-flipped, emptied and
// deleted blocks, WAL segments and markers, and garbage files. Every open succeeds within 5 s,
// every span whose file was not damaged is served exactly once, a span of the damaged file at
// most once, and what was set aside is counted.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>

#include "store/store.h"
#include "store/store_testing.h"
#include "util/harness.h"

namespace otter::store {
namespace {

namespace fs = std::filesystem;

constexpr int kGroups = 5;  // four flushed into blocks, the last one in the WAL
constexpr int kPerGroup = 30;

pdata::TraceId Id(int group, int i) {
  pdata::TraceId id;
  id.bytes.fill(0);
  id.bytes[0] = static_cast<uint8_t>(group + 1);
  id.bytes[1] = static_cast<uint8_t>(i + 1);
  id.bytes[15] = 0x5a;
  return id;
}

pdata::TraceBatch Group(int group) {
  pdata::TraceBatch b;
  auto& rs = b.resources().emplace_back();
  rs.resource.attributes.push_back({"service.name", pdata::AnyValue::String("damaged")});
  auto& ss = rs.scope_spans.emplace_back();
  for (int i = 0; i < kPerGroup; ++i) {
    auto& s = ss.spans.emplace_back();
    s.trace_id = Id(group, i);
    s.span_id.bytes.fill(static_cast<uint8_t>(i + 1));
    s.name = b.arenas().Copy("op" + std::to_string(i % 3));
    s.start_time_unix_nano = 1'700'000'000'000'000'000ull + uint64_t(group) * 1'000'000'000 + i;
    s.end_time_unix_nano = s.start_time_unix_nano + 1000;
    s.attributes.push_back({"i", pdata::AnyValue::Int(i)});
  }
  return b;
}

StoreOptions Options(const std::string& dir) {
  StoreOptions o;
  o.directory = dir;
  o.retention = std::chrono::milliseconds(0);
  o.compact_in_background = false;
  return o;
}

std::vector<std::string> FilesOf(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file() && e.path().filename() != "LOCK") out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(StoreDamageTest, OpensWithinFiveSecondsAndServesWhatWasNotDamaged) {
  testing::TempDir tmp;
  const std::string tmpl = tmp.path() + "/template";
  std::map<std::string, int> group_of;  // data file -> the group it holds
  {
    auto store = Store::Open(Options(tmpl), testing::NullLogger(), nullptr);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    for (int g = 0; g < kGroups; ++g) {
      auto before = FilesOf(tmpl);
      ASSERT_TRUE(testing::WriteSync(**store, Group(g)).ok());
      if (g + 1 < kGroups) {
        ASSERT_TRUE((*store)->FlushForTesting().ok());
      }
      for (const auto& f : FilesOf(tmpl)) {
        bool is_new = std::find(before.begin(), before.end(), f) == before.end();
        if (is_new && f.find("/blocks/") != std::string::npos) group_of[f] = g;
      }
    }
  }
  for (const auto& f : FilesOf(tmpl))
    if (f.find("/wal/") != std::string::npos) group_of[f] = kGroups - 1;
  ASSERT_EQ(group_of.size(), size_t(kGroups));  // a block per flushed group, one live segment

  std::mt19937_64 rng(20261207);
  int cases = 500, quarantined_cases = 0;
  std::chrono::steady_clock::duration slowest{};
  for (int c = 0; c < cases; ++c) {
    std::string dir = tmp.path() + "/case" + std::to_string(c);
    fs::copy(tmpl, dir, fs::copy_options::recursive);
    auto files = FilesOf(dir);
    std::string victim = files[rng() % files.size()];
    std::string what;
    uint64_t size = fs::file_size(victim);
    switch (rng() % 5) {
      case 0: {
        uint64_t to = size ? rng() % size : 0;
        fs::resize_file(victim, to);
        what = "truncated to " + std::to_string(to);
        break;
      }
      case 1: {
        std::fstream f(victim, std::ios::in | std::ios::out | std::ios::binary);
        int flips = 1 + static_cast<int>(rng() % 3);
        for (int i = 0; i < flips && size; ++i) {
          uint64_t at = rng() % size;
          f.seekg(static_cast<std::streamoff>(at));
          char b = 0;
          f.read(&b, 1);
          b = static_cast<char>(b ^ (1 << (rng() % 8)));
          f.seekp(static_cast<std::streamoff>(at));
          f.write(&b, 1);
        }
        what = std::to_string(flips) + " bits flipped";
        break;
      }
      case 2:
        fs::resize_file(victim, 0);
        what = "emptied";
        break;
      case 3:
        fs::remove(victim);
        what = "deleted";
        break;
      default: {
        // Garbage next to the data, with names the store parses and names it does not.
        std::string garbage(1 + rng() % 5000, '\0');
        for (auto& ch : garbage) ch = static_cast<char>(rng());
        const char* names[] = {
            "/blocks/traces-00000099.blk", "/blocks/logs-00000001.blk", "/blocks/junk.blk",
            "/wal/0000000000000999.wal",   "/wal/0000000000000000.wal", "/stray"};
        std::string name = names[rng() % std::size(names)];
        std::ofstream(dir + name, std::ios::binary) << garbage;
        victim.clear();
        what = "garbage file " + name;
      }
    }
    SCOPED_TRACE("case " + std::to_string(c) + ": " + victim + " " + what);
    int damaged_group = -1;
    if (!victim.empty()) {
      std::string rel = victim.substr(dir.size());
      auto it = group_of.find(tmpl + rel);
      if (it != group_of.end()) damaged_group = it->second;
    }
    telemetry::SelfMetrics metrics;
    auto started = std::chrono::steady_clock::now();
    auto store = Store::Open(Options(dir), testing::NullLogger(), &metrics);
    auto took = std::chrono::steady_clock::now() - started;
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    EXPECT_LT(took, std::chrono::seconds(5));
    slowest = std::max(slowest, took);
    for (int g = 0; g < kGroups; ++g) {
      for (int i = 0; i < kPerGroup; ++i) {
        auto trace = (*store)->traces().GetTrace(Id(g, i));
        size_t spans = trace.ok() ? trace->ItemCount() : 0;
        if (g == damaged_group) {
          EXPECT_LE(spans, 1u) << "group " << g << " trace " << i;
        } else {
          ASSERT_EQ(spans, 1u) << "group " << g << " trace " << i << ": "
                               << (trace.ok() ? "" : trace.status().ToString());
        }
      }
    }
    if (metrics.Value("otter_store_corruption_total", {{"kind", "block"}}) > 0) {
      ++quarantined_cases;
      EXPECT_FALSE(FilesOf(dir).empty());
    }
    store->reset();
    fs::remove_all(dir);
  }
  std::printf("damaged-file cases: %d, blocks set aside and counted in %d, slowest open %lld ms\n",
              cases, quarantined_cases,
              static_cast<long long>(
                  std::chrono::duration_cast<std::chrono::milliseconds>(slowest).count()));
  EXPECT_GT(quarantined_cases, 0);
}

}  // namespace
}  // namespace otter::store
