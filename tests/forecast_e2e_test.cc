// End-to-end: a week of a log-rotated disk's usage in through OTLP/HTTP into the real `otter`
// binary's store, then the Prometheus query API answers the forecast extensions (and the
// classic predict_linear rule that cries wolf on the same data).
#include <gtest/gtest.h>
#include <simdjson.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "util/harness.h"
#include "util/store_e2e.h"

namespace otter::testing {
namespace {

// Disk usage % rotated every 24 h: 40 → 80 over each day, 5-minute points, for six days and
// 18 hours up to `last_ns`.
std::string RotatedDiskMetrics(uint64_t last_ns) {
  const int n = 6 * 288 + 216;
  std::string points;
  for (int i = 0; i < n; ++i) {
    uint64_t t = last_ns - static_cast<uint64_t>(n - 1 - i) * 300'000'000'000ull;
    char v[32];
    std::snprintf(v, sizeof(v), "%.17g", 40 + 40.0 * (i % 288) / 287);
    if (!points.empty()) points += ",";
    points += R"({"timeUnixNano":)" + Str(t) + R"(,"asDouble":)" + v +
              R"(,"attributes":[{"key":"mountpoint","value":{"stringValue":"/var"}}]})";
  }
  return R"({"resourceMetrics":[{)" + Resource("host-1") +
         R"(,"scopeMetrics":[{"metrics":[{"name":"disk.used.percent","gauge":{"dataPoints":[)" +
         points + "]}}]}]}]}";
}

TEST(ForecastE2eTest, QueryApiAnswersTimeToThresholdAndForecast) {
  TempDir dir;
  Ports p;
  OtterProcess otter(dir, "otter", StoreConfig(p, dir.path() + "/data"));
  ASSERT_TRUE(otter.Start(p.health)) << otter.Log();
  const int64_t t_s = static_cast<int64_t>(NowNs() / 1000000000) - 10;
  auto r = HttpRequest("POST", p.otlp, "/v1/metrics",
                       MetricsProto(RotatedDiskMetrics(static_cast<uint64_t>(t_s) * 1000000000)),
                       kProtobuf);
  ASSERT_EQ(r.status, 200) << r.body;

  // The result of an instant query at t_s as "labels => value" lines.
  auto instant = [&](const std::string& query) {
    auto res = HttpRequest(
        "GET", p.query, "/api/v1/query?query=" + UrlEncode(query) + "&time=" + std::to_string(t_s));
    std::string out;
    EXPECT_EQ(res.status, 200) << res.body;
    CheckJson(res, [&](element root) {
      EXPECT_EQ(Text(root["status"].value()), "success") << res.body;
      for (element sample : Array(root["data"]["result"])) {
        std::string labels;
        for (auto [k, v] : Object(sample["metric"])) labels += std::string(k) + "=" + Text(v) + " ";
        out += labels + "=> " + Text(Array(sample["value"]).at(1).value()) + "\n";
      }
    });
    return out;
  };
  // The store's name for the gauge, with the resource's job.
  const std::string disk = R"(disk_used_percent{mountpoint="/var"})";
  EXPECT_EQ(instant("predict_linear(" + disk + "[6h], 86400) > 100"),
            "job=host-1 mountpoint=/var => 110.10452961672485\n");
  EXPECT_EQ(instant("time_to_threshold(" + disk + "[7d], 100)"),
            "job=host-1 mountpoint=/var => +Inf\n");
  // 75 is reached inside today's cycle, 36.125 five-minute steps after the last point.
  EXPECT_EQ(instant("time_to_threshold(" + disk + "[7d], 75)"),
            "job=host-1 mountpoint=/var => 10837.5\n");
  EXPECT_EQ(instant("time_to_threshold(" + disk + "[7d], 100) < 86400"), "");
  // Tomorrow at this time the daily season says ~70 again (the value now).
  std::string tomorrow = instant("round(forecast(" + disk + "[7d], 86400))");
  EXPECT_EQ(tomorrow, "job=host-1 mountpoint=/var => 70\n");
  auto bad = HttpRequest("GET", p.query,
                         "/api/v1/query?query=" + UrlEncode("forecast(" + disk + "[7d], 1, 2)"));
  EXPECT_EQ(bad.status, 422) << bad.body;
  EXPECT_NE(bad.body.find("invalid quantile. Expected: 0 < q < 1, got: 2"), std::string::npos)
      << bad.body;
  EXPECT_EQ(otter.Stop(), 0);
}

}  // namespace
}  // namespace otter::testing
