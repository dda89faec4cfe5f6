#include "rules/alert_context.h"

#include <gtest/gtest.h>

#include "rules/rules_testing.h"

namespace otter::rules {
namespace {

// Cumulative request-duration buckets of two routes, reported every 500 ms: 18 req/s on /home
// and 2 on /checkout, all fast; then 20 slow /checkout requests in one report. The alert window
// reads 10 s, so it holds up to 20 steady reports before the incident's: the route's share grows
// only from 10% to ~15%, and must still be reported.
class AlertContextTest : public ::testing::TestWithParam<int> {};

TEST_P(AlertContextTest, ALevelShiftDilutedByTheSteadyWindowIsStillAChange) {
  testing::MemoryMetrics metrics;
  const char* les[] = {"0.25", "1", "2.5", "+Inf"};
  auto series = [&](const char* route, const char* le) {
    return store::Labels{
        {"__name__", "duration_bucket"}, {"job", "shop"}, {"le", le}, {"route", route}};
  };
  double home = 0, checkout = 0, slow = 0;
  auto report = [&](int64_t t) {
    for (const char* le : les) {
      bool fast_bucket = le[0] == '0' || le[0] == '1';  // the slow requests took 2 s
      metrics.Append(series("/home", le), t, home);
      metrics.Append(series("/checkout", le), t, checkout + (fast_bucket ? 0 : slow));
    }
  };
  int64_t t = 1'000'000'000;
  for (int i = 0; i < 24; ++i, t += 500) {
    home += 9;
    checkout += 1;
    report(t);
  }
  const int64_t incident = t;
  slow = 20;
  report(incident);
  // The alert becomes active at the first evaluation after the incident: 0..2 s later.
  const int64_t active_at = incident + GetParam();
  store::Matchers m;
  m.push_back(
      *store::LabelMatcher::Make(store::LabelMatcher::Op::kEq, "__name__", "duration_bucket"));
  store::Labels alert{{"alertname", "LatencySpike"}, {"job", "shop"}};
  store::Labels out =
      AlertContext(metrics, nullptr, {m}, alert, {"alertname"}, active_at - 10'000, active_at);
  std::string changed(store::GetLabel(out, "changed_labels"));
  EXPECT_TRUE(changed.rfind("route=/checkout 10%→", 0) == 0) << "'" << changed << "'";
  EXPECT_EQ(changed.find("/home"), std::string::npos) << changed;
}

INSTANTIATE_TEST_SUITE_P(EvaluationDelays, AlertContextTest, ::testing::Values(0, 500, 1000, 2000));

TEST(AlertContextSteadyTest, SteadySharesAreNoChange) {
  testing::MemoryMetrics metrics;
  store::Labels home{{"__name__", "requests_total"}, {"route", "/home"}};
  store::Labels checkout{{"__name__", "requests_total"}, {"route", "/checkout"}};
  double h = 0, c = 0;
  int64_t t = 1'000'000'000;
  for (int i = 0; i < 100; ++i, t += 500) {
    h += 9 + (i % 3);  // a little jitter in both shares
    c += 1 + (i % 2);
    metrics.Append(home, t, h);
    metrics.Append(checkout, t, c);
  }
  store::Matchers m;
  m.push_back(
      *store::LabelMatcher::Make(store::LabelMatcher::Op::kEq, "__name__", "requests_total"));
  store::Labels out =
      AlertContext(metrics, nullptr, {m}, {{"alertname", "A"}}, {"alertname"}, t - 10'000, t);
  EXPECT_EQ(store::GetLabel(out, "changed_labels"), "");
}

}  // namespace
}  // namespace otter::rules
