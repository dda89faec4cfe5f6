// Retention of the store: blocks deleted by age and by size leave no file behind and no memory
// behind (series, postings, exemplars and metadata of series with no samples left), and the
// active-series limit refuses new series.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "otlp/proto_codec.h"
#include "store/store.h"
#include "store/store_testing.h"
#include "store/wal.h"
#include "telemetry/self_metrics.h"
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
  // The blocks' share: 176 KiB minus the WAL's (2 x 16 + 16) and a block being written (64).
  EXPECT_LE(store->metrics().block_bytes(), 64u << 10);
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

uint64_t NowNs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

Matchers NameIs(std::string_view name) {
  return {*LabelMatcher::Make(LabelMatcher::Op::kEq, "__name__", std::string(name))};
}

// Label churn: every round brings 500 series never seen before, with samples older than the
// retention, next to one steady series written now (in a block of its own: retention deletes
// whole blocks). Once retention deleted the block of a round, its series are gone from the
// registry, the postings and the metadata, so the registry and the postings come back to the
// steady series' size after every round instead of growing.
TEST_F(RetentionTest, SeriesWithoutSamplesAreForgottenAfterRetention) {
  StoreOptions o = Options();
  o.retention = std::chrono::hours(1);
  auto store = Open(o);
  auto& metrics = store->metrics();
  ASSERT_TRUE(WriteSync(*store, Gauge("steady", "pod", {{"keep", NowNs(), 1}})).ok());
  ASSERT_TRUE(store->FlushForTesting().ok());
  const size_t steady_postings = metrics.postings_count();
  for (int round = 0; round < 4; ++round) {
    std::vector<Point> churn;
    for (int k = 0; k < 500; ++k) {
      churn.push_back({"pod-" + std::to_string(round) + "-" + std::to_string(k),
                       kT0 + static_cast<uint64_t>(round) * 60'000'000'000ull, double(k)});
    }
    ASSERT_TRUE(WriteSync(*store, Gauge("churn", "pod", churn)).ok());
    EXPECT_EQ(metrics.series_count(), 501u);
    EXPECT_EQ(metrics.postings_count(), steady_postings + 501);  // 500 pods, churn's __name__
    ASSERT_TRUE(store->FlushForTesting().ok());
    store->EnforceRetentionForTesting();
    EXPECT_EQ(metrics.series_count(), 1u) << "round " << round;
    EXPECT_EQ(metrics.postings_count(), steady_postings) << "round " << round;
    EXPECT_TRUE(metrics.Metadata("churn", 0).empty());
    EXPECT_EQ(metrics.Metadata("steady", 0).size(), 1u);
    auto names = metrics.LabelValues("pod", {}, 0, INT64_MAX);
    ASSERT_TRUE(names.ok());
    EXPECT_EQ(*names, std::vector<std::string>{"keep"});
  }
  // __name__, job and pod: the steady series' labels only.
  EXPECT_EQ(steady_postings, 3u);
  // Forgotten slots are reused by new series, which answer queries like any other.
  uint64_t now = NowNs();
  ASSERT_TRUE(WriteSync(*store, Gauge("fresh", "pod", {{"p1", now, 7}, {"p2", now, 8}})).ok());
  EXPECT_EQ(metrics.series_count(), 3u);
  auto sel = metrics.Select(NameIs("fresh"), 0, INT64_MAX, 0);
  ASSERT_TRUE(sel.ok());
  ASSERT_EQ(sel->size(), 2u);
  EXPECT_EQ(GetLabel((*sel)[0].labels, "pod"), "p1");
  EXPECT_EQ((*sel)[0].samples.size(), 1u);
  EXPECT_EQ((*sel)[0].samples[0].v, 7);
  auto steady = metrics.Select(NameIs("steady"), 0, INT64_MAX, 0);
  ASSERT_TRUE(steady.ok());
  ASSERT_EQ(steady->size(), 1u);
  EXPECT_EQ((*steady)[0].samples.size(), 1u);
}

// max_series: new series beyond it are refused (a write of only such series permanently),
// existing ones keep being written, refusals are counted, and a refused series does not come
// back when the WAL is replayed.
TEST_F(RetentionTest, SeriesLimitRefusesNewSeriesOnly) {
  telemetry::SelfMetrics self;
  StoreOptions o = Options();
  o.max_series = 3;
  uint64_t now = NowNs();
  {
    auto s = Store::Open(o, NullLogger(), &self);
    ASSERT_TRUE(s.ok());
    Store& store = **s;
    ASSERT_TRUE(WriteSync(store, Gauge("g", "k", {{"a", now, 1}, {"b", now, 1}})).ok());
    // a and b exist, c is the third series, d would be the fourth: refused; the write succeeds
    // as an OTLP partial success naming the limit.
    Status mixed = WriteSync(
        store, Gauge("g", "k", {{"a", now + 1'000'000'000, 2}, {"c", now, 2}, {"d", now, 2}}));
    ASSERT_TRUE(mixed.ok()) << mixed.ToString();
    EXPECT_TRUE(mixed.partial());
    EXPECT_EQ(mixed.rejected_items(), 1u);
    EXPECT_NE(mixed.message().find("max_series (3)"), std::string::npos) << mixed.ToString();
    EXPECT_EQ(store.metrics().series_count(), 3u);
    EXPECT_EQ(self.Value("otter_store_refused_series_total", {}), 1);
    EXPECT_EQ(self.Value("otter_store_refused_samples_total", {}), 1);
    // Only new series: refused as a whole, permanently, naming the limit.
    Status st = WriteSync(store, Gauge("g", "k", {{"e", now, 3}}));
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
    EXPECT_NE(st.message().find("max_series (3)"), std::string::npos) << st.ToString();
    EXPECT_EQ(self.Value("otter_store_refused_series_total", {}), 2);
    // Existing series are still written at the limit.
    ASSERT_TRUE(WriteSync(store, Gauge("g", "k", {{"b", now + 1'000'000'000, 3}})).ok());
    // The 7 points sent: 5 written, 1 refused with its write, 1 not kept from the mixed one.
    const telemetry::Labels metrics_signal = {{"signal", "metrics"}};
    EXPECT_EQ(self.Value("otter_store_written_items_total", metrics_signal), 5);
    EXPECT_EQ(self.Value("otter_store_refused_items_total", metrics_signal), 1);
    EXPECT_EQ(self.Value("otter_store_dropped_items_total", metrics_signal), 1);
  }
  auto check = [&](Store& store) {
    auto sel = store.metrics().Select(NameIs("g"), 0, INT64_MAX, 0);
    ASSERT_TRUE(sel.ok());
    std::vector<std::string> keys;
    size_t samples = 0;
    for (const auto& series : *sel) {
      keys.emplace_back(GetLabel(series.labels, "k"));
      samples += series.samples.size();
    }
    EXPECT_EQ(keys, (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_EQ(samples, 5u);
  };
  // Replayed from the WAL with a limit that would admit them: d and e stay refused.
  o.max_series = 0;
  auto store = Open(o);
  check(*store);
}

// A refused-series record names its metrics record by checksum: when that record is gone (a
// damaged record replay skipped), the refusal must not take the same series out of the next
// metrics record, which was acknowledged.
TEST_F(RetentionTest, ARefusalAppliesOnlyToTheRecordItNames) {
  const uint64_t now = NowNs();
  pdata::MetricBatch accepted = Gauge("g", "k", {{"b", now, 5}});
  std::string request;
  otlp::EncodeMetrics(accepted, &request);
  std::string refusal;
  refusal.append(4, '\0');  // the CRC of some other (lost) record
  PutVarint(refusal, 1);
  const Labels b = {{"__name__", "g"}, {"job", "churn"}, {"k", "b"}};
  PutVarint(refusal, b.size());
  for (const auto& l : b) {
    PutString(refusal, l.name);
    PutString(refusal, l.value);
  }
  {
    Wal::Options wo;
    wo.dir = dir_.path() + "/data/wal";
    wo.logger = NullLogger();
    Wal::ReplayStats stats;
    auto wal = Wal::Open(
        wo, 0, [](uint8_t, std::string_view, uint64_t) { return Status::Ok(); }, &stats);
    ASSERT_TRUE(wal.ok()) << wal.status().ToString();
    ASSERT_TRUE((*wal)->Append(static_cast<uint8_t>(RecordType::kRefusedSeries), refusal).ok());
    ASSERT_TRUE((*wal)->Append(static_cast<uint8_t>(RecordType::kMetrics), request).ok());
    ASSERT_TRUE((*wal)->Sync().ok());
  }
  auto store = Open(Options());
  auto sel = store->metrics().Select(NameIs("g"), 0, INT64_MAX, 0);
  ASSERT_TRUE(sel.ok());
  ASSERT_EQ(sel->size(), 1u);
  EXPECT_EQ((*sel)[0].labels, b);
}

}  // namespace
}  // namespace otter::store
