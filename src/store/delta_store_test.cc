// Delta metrics through the store: accumulated in commit order, and the running totals survive a
// restart whether the points are still in the WAL or already in blocks.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "store/store.h"
#include "store/store_testing.h"
#include "util/harness.h"

namespace otter::store {
namespace {

using otter::testing::NullLogger;
using otter::testing::WriteSync;

constexpr uint64_t kT0 = 1'700'000'000'000'000'000ull;
constexpr uint64_t kSec = 1'000'000'000ull;
constexpr int64_t kMs0 = static_cast<int64_t>(kT0 / 1'000'000);

// A delta counter point covering (t0 + start s, t0 + end s].
pdata::MetricBatch Delta(uint64_t start, uint64_t end, int64_t v) {
  pdata::MetricBatch b;
  auto& rm = b.resources().emplace_back();
  rm.resource.attributes.push_back({"service.name", pdata::AnyValue::String("shop")});
  auto& m = rm.scope_metrics.emplace_back().metrics.emplace_back();
  m.name = "orders";
  m.type = pdata::MetricType::kSum;
  m.is_monotonic = true;
  m.temporality = pdata::AggregationTemporality::kDelta;
  auto& p = m.number_points.emplace_back();
  p.start_time_unix_nano = kT0 + start * kSec;
  p.time_unix_nano = kT0 + end * kSec;
  p.value_type = pdata::NumberDataPoint::ValueType::kInt;
  p.as_int = v;
  return b;
}

class DeltaStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<Store> Open() {
    auto s = otter::testing::OpenTestStore(dir_.path() + "/data", true);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s) : nullptr;
  }
  std::vector<Sample> Orders(Store& store) {
    Matchers m = {*LabelMatcher::Make(LabelMatcher::Op::kEq, "__name__", "orders_total")};
    auto sel = store.metrics().Select(m, 0, INT64_MAX, 0);
    EXPECT_TRUE(sel.ok());
    if (!sel.ok() || sel->size() != 1) return {};
    return (*sel)[0].samples;
  }
  std::vector<std::string> StateFiles() {
    std::vector<std::string> v;
    for (const auto& e : std::filesystem::directory_iterator(dir_.path() + "/data")) {
      std::string name = e.path().filename().string();
      if (name.starts_with("DELTA-")) v.push_back(name);
    }
    std::sort(v.begin(), v.end());
    return v;
  }
  testing::TempDir dir_;
};

TEST_F(DeltaStoreTest, TotalsContinueAfterAReopenThatReplaysTheWal) {
  {
    auto store = Open();
    ASSERT_TRUE(WriteSync(*store, Delta(0, 10, 5)).ok());
    ASSERT_TRUE(WriteSync(*store, Delta(10, 20, 2)).ok());
    EXPECT_EQ(Orders(*store), (std::vector<Sample>{{kMs0 + 10000, 5}, {kMs0 + 20000, 7}}));
  }
  auto store = Open();
  // A point already seen is out of order after the replay too: nothing is counted twice.
  Status resent = WriteSync(*store, Delta(10, 20, 2));
  EXPECT_EQ(resent.rejected_items(), 1u) << resent.ToString();
  ASSERT_TRUE(WriteSync(*store, Delta(20, 30, 1)).ok());
  EXPECT_EQ(Orders(*store),
            (std::vector<Sample>{{kMs0 + 10000, 5}, {kMs0 + 20000, 7}, {kMs0 + 30000, 8}}));
}

TEST_F(DeltaStoreTest, TotalsContinueAfterTheirPointsWereFlushedIntoBlocks) {
  {
    auto store = Open();
    ASSERT_TRUE(WriteSync(*store, Delta(0, 10, 5)).ok());
    ASSERT_TRUE(store->FlushForTesting().ok());
    ASSERT_TRUE(WriteSync(*store, Delta(10, 20, 2)).ok());  // in the WAL after the flush
    ASSERT_TRUE(store->FlushForTesting().ok());
    ASSERT_TRUE(WriteSync(*store, Delta(20, 30, 3)).ok());
    EXPECT_EQ(StateFiles().size(), 1u);  // the older state went with the newer flush
  }
  {
    auto store = Open();
    ASSERT_TRUE(WriteSync(*store, Delta(30, 40, 1)).ok());
    EXPECT_EQ(Orders(*store),
              (std::vector<Sample>{
                  {kMs0 + 10000, 5}, {kMs0 + 20000, 7}, {kMs0 + 30000, 10}, {kMs0 + 40000, 11}}));
    ASSERT_TRUE(store->FlushForTesting().ok());
  }
  auto store = Open();
  ASSERT_TRUE(WriteSync(*store, Delta(40, 50, 1)).ok());
  EXPECT_EQ(Orders(*store).back(), (Sample{kMs0 + 50000, 12}));
}

TEST_F(DeltaStoreTest, ADamagedStateFileRestartsTheStreams) {
  {
    auto store = Open();
    ASSERT_TRUE(WriteSync(*store, Delta(0, 10, 5)).ok());
    ASSERT_TRUE(store->FlushForTesting().ok());
  }
  auto files = StateFiles();
  ASSERT_EQ(files.size(), 1u);
  {
    std::fstream f(dir_.path() + "/data/" + files[0],
                   std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-1, std::ios::end);
    f.put('\x7f');
  }
  auto store = Open();
  ASSERT_TRUE(WriteSync(*store, Delta(10, 20, 2)).ok());
  // The stream starts over at 2: to PromQL, a counter reset.
  EXPECT_EQ(Orders(*store), (std::vector<Sample>{{kMs0 + 10000, 5}, {kMs0 + 20000, 2}}));
}

}  // namespace
}  // namespace otter::store
