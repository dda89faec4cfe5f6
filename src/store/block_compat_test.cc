// Blocks written by an older otter, each from 48 otter-loadgen spans (4 requests of 12: traces of
// 5, 5 and 2 spans): tests/testdata/store_v1 holds a trace block of format version 1 (rows of
// index entries, no numeric column codings), written by otter before format 2; store_v2 one of
// format 2 (every trace's index entry in the block index, no page directories), written by otter
// before format 3.
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

class BlockCompatTest : public ::testing::TestWithParam<const char*> {
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

// An old block answers queries (every trace by id too), and compaction copies its pages into a
// current block (with current blocks' pages) that reads back the same spans.
TEST_P(BlockCompatTest, OldTraceBlockReadsAndCompacts) {
  std::filesystem::copy(std::string(OTTER_SOURCE_DIR "/tests/testdata/") + GetParam(),
                        dir_.path() + "/data", std::filesystem::copy_options::recursive);
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
    for (const auto& [id, want] : old) {
      auto trace = store->traces().GetTrace(id);
      ASSERT_TRUE(trace.ok()) << trace.status().ToString();
      std::string wire;
      otlp::EncodeTraces(*trace, &wire);
      EXPECT_EQ(wire, want);
    }

    // New spans in three current blocks, then all four merged into one (a run of four).
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
  for (const auto& [id, wire] : old) {
    EXPECT_EQ(now[id], wire);
    auto trace = store->traces().GetTrace(id);
    ASSERT_TRUE(trace.ok()) << trace.status().ToString();
    std::string by_id;
    otlp::EncodeTraces(*trace, &by_id);
    EXPECT_EQ(by_id, wire);
  }
}

INSTANTIATE_TEST_SUITE_P(Versions, BlockCompatTest, ::testing::Values("store_v1", "store_v2"));

}  // namespace
}  // namespace otter::store
