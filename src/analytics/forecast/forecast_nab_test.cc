// The forecast acceptance check on NAB's real series (nab_eval.h): with the last 20% withheld,
// the ETS forecast's mean MASE beats seasonal-naive and linear extrapolation, overall and in
// each category. Needs NAB's data (OTTER_NAB_DATA, default ../shared/nab/data beside the
// source tree); skipped without it. Prints the table recorded in BENCHMARKS.md.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>

#include "analytics/forecast/nab_eval.h"

namespace otter::analytics::forecast {
namespace {

TEST(ForecastNab, MaseBeatsSeasonalNaiveAndLinear) {
  const char* env = std::getenv("OTTER_NAB_DATA");
  std::string dir = env != nullptr ? env : OTTER_SOURCE_DIR "/../shared/nab/data";
  if (!std::filesystem::exists(dir + "/realKnownCause")) GTEST_SKIP() << "no NAB data in " << dir;
  const std::string categories[] = {"realAWSCloudwatch", "realAdExchange", "realKnownCause",
                                    "realTraffic", "realTweets"};
  auto report = EvaluateMase(dir, categories);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  std::printf("%s", FormatMaseReport(*report).c_str());
  std::printf("series: %zu, skipped (constant): %zu, ETS fitting CPU: %.2f s\n",
              report->rows.size(), report->skipped, report->fit_seconds);
  ASSERT_EQ(report->rows.size(), 47u);
  struct Sum {
    double ets = 0, snaive = 0, lin = 0;
  };
  std::map<std::string, Sum> by;
  for (const auto& r : report->rows) {
    for (Sum* s : {&by[r.category], &by["all"]}) {
      s->ets += r.ets;
      s->snaive += r.seasonal_naive;
      s->lin += r.linear;
    }
  }
  for (const auto& [category, s] : by) {
    EXPECT_LT(s.ets, s.snaive) << category;
    EXPECT_LT(s.ets, s.lin) << category;
  }
}

}  // namespace
}  // namespace otter::analytics::forecast
