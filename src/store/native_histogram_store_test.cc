// OTLP exponential histograms through the store: native histogram samples in the head, in
// blocks (and compacted blocks), after a reopen; delta ones accumulated across a restart.
#include <gtest/gtest.h>

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

// An exponential histogram point of "latency" (scale 0) over (t0 + start s, t0 + end s] with
// OTLP buckets from offset 0, plus a gauge "temp" at the same time.
pdata::MetricBatch Exp(pdata::AggregationTemporality temporality, uint64_t start, uint64_t end,
                       std::vector<uint64_t> counts, double sum) {
  pdata::MetricBatch b;
  auto& rm = b.resources().emplace_back();
  rm.resource.attributes.push_back({"service.name", pdata::AnyValue::String("api")});
  auto& sm = rm.scope_metrics.emplace_back();
  auto& m = sm.metrics.emplace_back();
  m.name = "latency";
  m.type = pdata::MetricType::kExponentialHistogram;
  m.temporality = temporality;
  auto& p = m.exp_histogram_points.emplace_back();
  p.start_time_unix_nano = kT0 + start * kSec;
  p.time_unix_nano = kT0 + end * kSec;
  p.positive.bucket_counts = counts;
  for (uint64_t c : counts) p.count += c;
  p.sum = sum;
  auto& g = sm.metrics.emplace_back();
  g.name = "temp";
  g.type = pdata::MetricType::kGauge;
  auto& gp = g.number_points.emplace_back();
  gp.time_unix_nano = kT0 + end * kSec;
  gp.as_double = 20;
  return b;
}

NativeHistogram Want(std::vector<double> buckets, double sum) {
  NativeHistogram h;
  h.zero_threshold = 1e-128;
  h.positive_spans = {{1, static_cast<uint32_t>(buckets.size())}};
  h.positive_buckets = buckets;
  for (double c : buckets) h.count += c;
  h.sum = sum;
  return h;
}

class NativeHistogramStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<Store> Open() {
    auto s = otter::testing::OpenTestStore(dir_.path() + "/data", false);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s) : nullptr;
  }
  SeriesData Latency(Store& store) {
    Matchers m = {*LabelMatcher::Make(LabelMatcher::Op::kEq, "__name__", "latency")};
    auto sel = store.metrics().Select(m, 0, INT64_MAX, 0);
    EXPECT_TRUE(sel.ok()) << sel.status().ToString();
    if (!sel.ok() || sel->size() != 1) return {};
    return (*sel)[0];
  }
  testing::TempDir dir_;
};

TEST_F(NativeHistogramStoreTest, CumulativeHistogramsInHeadBlocksCompactionAndAfterReopen) {
  const auto cumulative = pdata::AggregationTemporality::kCumulative;
  std::vector<HistogramSample> want = {{kMs0 + 10000, Want({1, 2}, 5)},
                                       {kMs0 + 20000, Want({2, 3}, 9)},
                                       {kMs0 + 30000, Want({2, 3, 1}, 20)}};
  {
    auto store = Open();
    ASSERT_TRUE(WriteSync(*store, Exp(cumulative, 0, 10, {1, 2}, 5)).ok());
    ASSERT_TRUE(store->FlushForTesting().ok());
    ASSERT_TRUE(WriteSync(*store, Exp(cumulative, 0, 20, {2, 3}, 9)).ok());
    ASSERT_TRUE(store->FlushForTesting().ok());
    ASSERT_TRUE(WriteSync(*store, Exp(cumulative, 0, 30, {2, 3, 1}, 20)).ok());
    SeriesData d = Latency(*store);
    EXPECT_EQ(d.labels, (Labels{{"__name__", "latency"}, {"job", "api"}}));
    EXPECT_TRUE(d.samples.empty());
    EXPECT_EQ(d.histograms, want);
  }
  auto store = Open();
  EXPECT_EQ(Latency(*store).histograms, want);
  ASSERT_TRUE(store->FlushForTesting().ok());
  ASSERT_TRUE(WriteSync(*store, Exp(cumulative, 0, 40, {2, 3, 1, 1}, 30)).ok());
  ASSERT_TRUE(store->FlushForTesting().ok());
  want.push_back({kMs0 + 40000, Want({2, 3, 1, 1}, 30)});
  EXPECT_EQ(store->metrics().block_count(), 4u);
  ASSERT_TRUE(store->CompactForTesting(true).ok());
  EXPECT_EQ(store->metrics().block_count(), 1u);
  EXPECT_EQ(Latency(*store).histograms, want);
  // The gauge written with them is unaffected.
  Matchers m = {*LabelMatcher::Make(LabelMatcher::Op::kEq, "__name__", "temp")};
  auto temp = store->metrics().Select(m, 0, INT64_MAX, 0);
  ASSERT_TRUE(temp.ok());
  ASSERT_EQ(temp->size(), 1u);
  EXPECT_EQ((*temp)[0].samples.size(), 4u);
  EXPECT_TRUE((*temp)[0].histograms.empty());
  // A histogram sample counts against a query's sample budget.
  Matchers all = {*LabelMatcher::Make(LabelMatcher::Op::kEq, "job", "api")};
  EXPECT_EQ(store->metrics().Select(all, 0, INT64_MAX, 7).status().code(),
            StatusCode::kResourceExhausted);
}

TEST_F(NativeHistogramStoreTest, DeltaHistogramsAccumulateAcrossAFlushAndARestart) {
  const auto delta = pdata::AggregationTemporality::kDelta;
  {
    auto store = Open();
    ASSERT_TRUE(WriteSync(*store, Exp(delta, 0, 10, {1, 2}, 5)).ok());
    ASSERT_TRUE(store->FlushForTesting().ok());
    ASSERT_TRUE(WriteSync(*store, Exp(delta, 10, 20, {0, 1, 4}, 30)).ok());
  }
  auto store = Open();
  ASSERT_TRUE(WriteSync(*store, Exp(delta, 20, 30, {1}, 1)).ok());
  EXPECT_EQ(Latency(*store).histograms,
            (std::vector<HistogramSample>{{kMs0 + 10000, Want({1, 2}, 5)},
                                          {kMs0 + 20000, Want({1, 3, 4}, 35)},
                                          {kMs0 + 30000, Want({2, 3, 4}, 36)}}));
}

}  // namespace
}  // namespace otter::store
