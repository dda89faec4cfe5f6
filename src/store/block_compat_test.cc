// Blocks written by an older otter: tests/testdata/store_v1 holds a trace block of format version
// 1 (rows of index entries, no numeric column codings), written by otter before format 2 from 48
// otter-loadgen spans (4 requests of 12: traces of 5, 5 and 2 spans).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <tuple>
#include <vector>

#include "otlp/proto_codec.h"
#include "otlp/synthetic.h"
#include "store/store.h"
#include "store/store_testing.h"
#include "util/harness.h"

namespace otter::store {
namespace {

using testing::NullLogger;
using testing::WriteSync;

// Every stored trace as OTLP protobuf, by trace id; `check` sees each trace while its strings
// are alive.
std::map<pdata::TraceId, std::string> All(
    Store& store, const std::function<void(const pdata::TraceBatch&)>& check = {}) {
  std::map<pdata::TraceId, std::string> out;
  Status st = store.traces().ScanTraces(0, UINT64_MAX, [&](const pdata::TraceBatch& t) {
    if (check) check(t);
    otlp::EncodeTraces(t, &out[t.resources()[0].scope_spans[0].spans[0].trace_id]);
    return true;
  });
  EXPECT_TRUE(st.ok()) << st.ToString();
  return out;
}

class BlockCompatTest : public ::testing::Test {
 protected:
  std::unique_ptr<Store> Open() {
    StoreOptions o;
    o.directory = dir_.path() + "/data";
    o.retention = std::chrono::milliseconds(0);
    o.compact_in_background = false;
    auto s = Store::Open(o, NullLogger(), nullptr);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s) : nullptr;
  }
  testing::TempDir dir_;
};

// A version-1 block answers queries, and compaction copies its pages into a version-2 block
// (with version-2 blocks' pages) that reads back the same spans.
TEST_F(BlockCompatTest, Version1TraceBlockReadsAndCompacts) {
  std::filesystem::copy(OTTER_SOURCE_DIR "/tests/testdata/store_v1", dir_.path() + "/data",
                        std::filesystem::copy_options::recursive);
  std::map<pdata::TraceId, std::string> old;
  {
    auto store = Open();
    ASSERT_TRUE(store);
    std::vector<size_t> sizes;
    size_t latencies = 0;
    old = All(*store, [&](const pdata::TraceBatch& t) {
      sizes.push_back(t.ItemCount());
      for (const auto& rs : t.resources()) {
        for (const auto& ss : rs.scope_spans) {
          for (const auto& sp : ss.spans) {
            EXPECT_EQ(sp.attributes.size(), 14u);
            EXPECT_EQ(sp.events.size(), 1u);
            // A double written as 8 raw bytes: the duration in ms, as the load generator sent it.
            for (const auto& kv : sp.attributes) {
              if (kv.key != "app.latency_ms") continue;
              ++latencies;
              EXPECT_EQ(kv.value.double_value,
                        static_cast<double>(sp.end_time_unix_nano - sp.start_time_unix_nano) / 1e6);
            }
          }
        }
      }
    });
    EXPECT_EQ(latencies, 48u);
    std::sort(sizes.begin(), sizes.end());
    EXPECT_EQ(sizes, (std::vector<size_t>{2, 2, 2, 2, 5, 5, 5, 5, 5, 5, 5, 5}));
    auto trace = store->traces().GetTrace(old.begin()->first);
    ASSERT_TRUE(trace.ok()) << trace.status().ToString();
    std::string wire;
    otlp::EncodeTraces(*trace, &wire);
    EXPECT_EQ(wire, old.begin()->second);

    // New spans in three version-2 blocks, then all four merged into one (a run of four).
    for (uint64_t seed = 3; seed < 6; ++seed) {
      ASSERT_TRUE(WriteSync(*store, otlp::MakeSyntheticTraces(
                                        100, seed, 1'700'000'000'000'000'000ull + seed * 1000))
                      .ok());
      ASSERT_TRUE(store->FlushForTesting().ok());
    }
    ASSERT_EQ(store->traces().block_count(), 4u);
    ASSERT_TRUE(store->CompactForTesting().ok());
    ASSERT_EQ(store->traces().block_count(), 1u);
  }
  auto store = Open();
  ASSERT_TRUE(store);
  EXPECT_EQ(store->traces().block_count(), 1u);
  std::map<pdata::TraceId, std::string> now = All(*store);
  size_t spans = 0;
  for (const auto& [id, wire] : now) spans += otlp::CountTraces(wire).value_or(0);
  EXPECT_EQ(spans, 348u);
  for (const auto& [id, wire] : old) EXPECT_EQ(now[id], wire);
}

}  // namespace
}  // namespace otter::store
