// `otter analyze series` over a real store: two days of a gauge with a daily plateau at 14:00
// and one spike, written through the store, then scored by a PromQL range query.
#include "analytics/analyze_command.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "store/store_testing.h"
#include "util/harness.h"

namespace otter::analytics {
namespace {

constexpr int64_t kT0 = 1700006400;  // a UTC midnight
constexpr int kPoints = 3000;        // one a minute: two days and two hours
constexpr int kSpike = 2990;         // 01:50 on the third day

double ValueAt(int i) {
  if (i == kSpike) return 1000;
  return 100 + ((i / 60) % 24 == 14 ? 110 : 0) + i % 3;
}

std::string RunToString(const AnalyzeSeriesArgs& args, int* rc) {
  std::FILE* out = std::tmpfile();
  std::FILE* err = std::tmpfile();
  *rc = RunAnalyzeSeries(args, out, err);
  std::string s;
  std::rewind(out);
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, out)) > 0) s.append(buf, n);
  std::fclose(out);
  std::fclose(err);
  return s;
}

TEST(AnalyzeSeriesTest, ReportsTheSpikeAndTheDailyPattern) {
  testing::TempDir dir;
  {
    auto db = otter::testing::OpenQueryTestStore(dir.path() + "/data");
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    pdata::MetricBatch b;
    auto& rm = b.resources().emplace_back();
    rm.resource.attributes.push_back({"service.name", pdata::AnyValue::String("api")});
    auto& m = rm.scope_metrics.emplace_back().metrics.emplace_back();
    m.name = "latency";
    m.type = pdata::MetricType::kGauge;
    for (int i = 0; i < kPoints; ++i) {
      auto& p = m.number_points.emplace_back();
      p.time_unix_nano = static_cast<uint64_t>(kT0 + 60 * i) * 1000000000ull;
      p.value_type = pdata::NumberDataPoint::ValueType::kDouble;
      p.as_double = ValueAt(i);
    }
    ASSERT_TRUE(otter::testing::WriteSync(**db, std::move(b)).ok());
  }
  AnalyzeSeriesArgs args;
  args.store_dir = dir.path() + "/data";
  args.query = "latency";
  args.from = std::to_string(kT0);
  args.to = std::to_string(kT0 + 60 * (kPoints - 1));
  args.step = "60s";
  int rc = -1;
  std::string out = RunToString(args, &rc);
  ASSERT_EQ(rc, 0) << out;
  const std::string series = "{__name__=\"latency\", job=\"api\"}";
  EXPECT_EQ(out.substr(0, 65),
            "series,timestamp,value,anomaly_score,expected,lower,upper,reason\n");
  // The spike is the one point over 0.5, found by the range check.
  std::string spike = "\"" + series + "\"," + std::to_string((kT0 + 60 * kSpike) * 1000) + ",1000,";
  size_t at = out.find(spike);
  ASSERT_NE(at, std::string::npos) << out;
  EXPECT_NE(out.find(",out_of_range\n", at), std::string::npos) << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 4) << out;
  EXPECT_NE(out.find("# " + series + " peaks at 14:00 UTC daily at 2.1x its baseline"),
            std::string::npos)
      << out;
}

TEST(AnalyzeSeriesTest, BadArgumentsNameTheFlag) {
  AnalyzeSeriesArgs args;
  args.store_dir = "/nonexistent/otter";
  args.query = "up";
  args.from = "yesterday";
  args.to = "0";
  int rc = 0;
  std::FILE* out = std::tmpfile();
  std::FILE* err = std::tmpfile();
  rc = RunAnalyzeSeries(args, out, err);
  EXPECT_EQ(rc, 1);
  std::rewind(err);
  char buf[512] = {};
  size_t n = std::fread(buf, 1, sizeof buf - 1, err);
  EXPECT_EQ(std::string(buf, n).substr(0, 39), "otter analyze: INVALID_ARGUMENT: --from");
  std::fclose(out);
  std::fclose(err);
}

}  // namespace
}  // namespace otter::analytics
