// Retention of the store: blocks deleted by age and by size leave no file behind and no memory
// behind (series, postings, exemplars and metadata of series with no samples left), and the
// active-series limit refuses new series.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "store/store.h"
#include "store/store_testing.h"
#include "util/harness.h"

namespace otter::store {
namespace {

using testing::NullLogger;
using testing::WriteSync;

constexpr uint64_t kT0 = 1'700'000'000'000'000'000ull;  // 2023: older than any short retention

// One gauge `name` with a point per (label value, time, value); the label is `key`.
struct Point {
  std::string value;
  uint64_t t_ns;
  double v;
};
pdata::MetricBatch Gauge(std::string_view name, std::string_view key,
                         const std::vector<Point>& points) {
  pdata::MetricBatch b;
  auto& rm = b.resources().emplace_back();
  rm.resource.attributes.push_back({"service.name", pdata::AnyValue::String("churn")});
  auto& m = rm.scope_metrics.emplace_back().metrics.emplace_back();
  m.name = b.arenas().Copy(name);
  m.description = "A gauge.";
  m.type = pdata::MetricType::kGauge;
  for (const Point& pt : points) {
    auto& p = m.number_points.emplace_back();
    p.time_unix_nano = pt.t_ns;
    p.value_type = pdata::NumberDataPoint::ValueType::kDouble;
    p.as_double = pt.v;
    p.attributes.push_back(
        {b.arenas().Copy(key), pdata::AnyValue::String(b.arenas().Copy(pt.value))});
  }
  return b;
}

std::vector<std::string> BlockFiles(const std::string& dir, std::string_view signal) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir + "/blocks")) {
    std::string name = e.path().filename().string();
    if (name.starts_with(std::string(signal) + "-") && name.ends_with(".blk")) out.push_back(name);
  }
  return out;
}

class RetentionTest : public ::testing::Test {
 protected:
  std::unique_ptr<Store> Open(const StoreOptions& o) {
    auto s = Store::Open(o, NullLogger(), nullptr);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s) : nullptr;
  }
  StoreOptions Options() {
    StoreOptions o;
    o.directory = dir_.path() + "/data";
    o.retention = std::chrono::milliseconds(0);
    o.compact_in_background = false;
    return o;
  }
  testing::TempDir dir_;
};

// Two metric blocks whose newest samples have the same time: removing "the oldest block" for the
// size budget takes both from memory, so both files must go too (they leaked: only the first
// path was returned, and the second file stayed on disk, unknown to the table, forever).
TEST_F(RetentionTest, SizeRetentionDeletesTheFileOfEveryBlockItRemoves) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> value(0, 1);
  auto series = [&](const std::string& label) {
    std::vector<Point> points;
    // Random values do not compress: each block is about 120 KiB.
    for (uint64_t i = 0; i < 12000; ++i)
      points.push_back({label, kT0 + i * 1'000'000'000ull, value(rng)});
    return Gauge("load", "cpu", points);
  };
  {
    auto store = Open(Options());
    ASSERT_TRUE(WriteSync(*store, series("a")).ok());
    ASSERT_TRUE(store->FlushForTesting().ok());
    ASSERT_TRUE(WriteSync(*store, series("b")).ok());
    ASSERT_TRUE(store->FlushForTesting().ok());
    ASSERT_EQ(store->metrics().block_count(), 2u);
  }
  ASSERT_EQ(BlockFiles(dir_.path() + "/data", "metrics").size(), 2u);
  StoreOptions o = Options();
  o.head_max_bytes = 16 << 10;
  o.max_pending_bytes = 16 << 10;
  o.compaction_max_bytes = 64 << 10;
  o.max_disk_bytes = 176 << 10;  // room for one of the blocks at most
  auto store = Open(o);
  ASSERT_EQ(store->metrics().block_count(), 2u);
  store->EnforceRetentionForTesting();
  EXPECT_LT(store->metrics().block_count(), 2u);
  EXPECT_EQ(BlockFiles(dir_.path() + "/data", "metrics").size(), store->metrics().block_count());
}

// The WAL's share of max_disk (2 x head + pending) and a block being written are reserved: a
// budget that leaves the blocks no room for one block is refused, not served by deleting every
// block whenever the WAL is full.
TEST_F(RetentionTest, OpenRefusesADiskBudgetThatCannotHoldTheWalAndABlock) {
  StoreOptions o = Options();
  o.head_max_bytes = 16 << 10;
  o.max_pending_bytes = 16 << 10;
  o.compaction_max_bytes = 64 << 10;
  o.max_disk_bytes = (176 << 10) - 1;
  auto s = Store::Open(o, NullLogger(), nullptr);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.status().message().find("180224"), std::string::npos) << s.status().ToString();
  o.max_disk_bytes = 176 << 10;
  EXPECT_NE(Open(o), nullptr);
}

}  // namespace
}  // namespace otter::store
