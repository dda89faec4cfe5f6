// LogTable::IndexStats: stream, chunk, entry and byte counts from the head and from a block's
// index (chunk line bytes stored beside the trace-id index), without reading entries.
#include <gtest/gtest.h>

#include "store/file_util.h"
#include "store/log_table.h"
#include "util/harness.h"

namespace otter::store {
namespace {

constexpr int64_t kSec = 1'000'000'000;
constexpr int64_t kT = 1'700'000'000 * kSec;

pdata::LogBatch Batch() {
  pdata::LogBatch b;
  auto& rl = b.resources().emplace_back();
  rl.resource.attributes = {{"service.name", pdata::AnyValue::String("api")}};
  auto& sl = rl.scope_logs.emplace_back();
  for (auto [t, line] : std::vector<std::pair<int64_t, std::string_view>>{
           {kT, "a"}, {kT + 10 * kSec, "bb"}, {kT + 20 * kSec, "ccc"}}) {
    auto& r = sl.log_records.emplace_back();
    r.time_unix_nano = static_cast<uint64_t>(t);
    r.body = pdata::AnyValue::String(line);
  }
  auto& other = b.resources().emplace_back();
  other.resource.attributes = {{"service.name", pdata::AnyValue::String("db")}};
  auto& r = other.scope_logs.emplace_back().log_records.emplace_back();
  r.time_unix_nano = static_cast<uint64_t>(kT + 40 * kSec);
  r.body = pdata::AnyValue::String("dddd");
  return b;
}

std::string Describe(const StatusOr<std::vector<StreamStats>>& stats) {
  if (!stats.ok()) return stats.status().ToString();
  std::string out;
  for (const auto& s : stats.value())
    out += LabelsToString(s.labels) + " chunks=" + std::to_string(s.chunks) +
           " entries=" + std::to_string(s.entries) + " bytes=" + std::to_string(s.bytes) + ";";
  return out;
}

TEST(LogIndexStatsTest, HeadAndBlockAgree) {
  LogTable table;
  table.Apply(Batch());
  auto all = *LabelMatcher::Make(LabelMatcher::Op::kRe, "service_name", ".+");
  QueryLimits limits;
  const std::string whole =
      R"({service_name="api"} chunks=1 entries=3 bytes=6;{service_name="db"} chunks=1 entries=1 bytes=4;)";
  EXPECT_EQ(Describe(table.IndexStats({all}, kT, kT + 60 * kSec, limits)), whole);
  // The head counts entries exactly.
  EXPECT_EQ(Describe(table.IndexStats({all}, kT + 5 * kSec, kT + 30 * kSec, limits)),
            R"({service_name="api"} chunks=1 entries=2 bytes=5;)");

  table.Freeze();
  otter::testing::TempDir dir;
  const std::string path = dir.path() + "/logs.blk";
  ASSERT_TRUE(WriteFileAtomic(path, table.BuildBlock(1)).ok());
  auto reader = BlockReader::Open(path);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  ASSERT_TRUE(table.AddBlock(*reader, true).ok());
  EXPECT_EQ(table.record_count(), 0u);
  EXPECT_EQ(Describe(table.IndexStats({all}, kT, kT + 60 * kSec, limits)), whole);
  // A chunk partly in range counts in proportion to the time it covers: 15 s of 20.
  EXPECT_EQ(Describe(table.IndexStats({all}, kT + 5 * kSec, kT + 30 * kSec, limits)),
            R"({service_name="api"} chunks=1 entries=2 bytes=4;)");
  EXPECT_EQ(Describe(table.IndexStats({all}, kT + 50 * kSec, kT + 60 * kSec, limits)), "");
}

}  // namespace
}  // namespace otter::store
