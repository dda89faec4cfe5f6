#include "rules/rule_manager.h"

#include <gtest/gtest.h>

#include <cmath>

#include "exporters/exporterhelper/fake_backend.h"
#include "rules/rules_testing.h"

namespace otter::rules {
namespace {

constexpr int64_t kMin = 60'000;
constexpr int64_t kDay = 24 * 60 * kMin;
// Tuesday 2026-12-01 00:00 UTC.
constexpr int64_t kStart = 1796083200000;

std::vector<GroupSpec> Groups(const std::string& text) {
  config::Diagnostics d;
  auto g = ParseRuleFile(text, "rules.yml", RuleLanguage::kPromQL, d);
  EXPECT_TRUE(d.ok()) << d.ErrorsText();
  return g;
}

class RuleManagerTest : public ::testing::Test {
 protected:
  RuleManagerTest() {
    env_.metrics = &metrics_;
    env_.write = metrics_.Writer();
    env_.default_interval_ms = 5 * kMin;
    env_.resend_delay_ms = kMin;
    env_.external_url = "http://otter:16686";
  }
  testing::MemoryMetrics metrics_;
  RuleEnv env_;
};

TEST_F(RuleManagerTest, RecordsAlertsAndServesThePrometheusShapes) {
  store::Labels req{{"__name__", "requests_total"}, {"job", "api"}};
  store::Labels err{{"__name__", "errors_total"}, {"job", "api"}};
  for (int i = 0; i <= 20; ++i) {
    metrics_.Append(req, kStart + i * kMin, i * 600.0);
    metrics_.Append(err, kStart + i * kMin, i <= 10 ? 0 : (i - 10) * 60.0);
  }
  RuleManager m(env_, nullptr);
  m.Update(Groups(R"(groups:
  - name: api
    interval: 5m
    rules:
      - record: job:errors:ratio5m
        expr: sum by (job) (rate(errors_total[5m])) / sum by (job) (rate(requests_total[5m]))
      - alert: ErrorRatioHigh
        expr: job:errors:ratio5m > 0.05
        for: 5m
        labels: {severity: page}
        annotations:
          summary: '{{ $labels.job }}: {{ $value | humanizePercentage }} of requests fail'
)"));
  m.RunDue(kStart + 10 * kMin);  // before the errors start
  m.RunDue(kStart + 15 * kMin);  // pending
  EXPECT_NE(m.AlertsJson().find("\"state\":\"pending\""), std::string::npos) << m.AlertsJson();
  m.RunDue(kStart + 17 * kMin);  // not due: the group runs every 5m
  m.RunDue(kStart + 20 * kMin);  // firing
  const store::SeriesData& rec =
      metrics_.series().at(store::Labels{{"__name__", "job:errors:ratio5m"}, {"job", "api"}});
  ASSERT_EQ(rec.samples.size(), 3u);
  EXPECT_EQ(rec.samples[0], (store::Sample{kStart + 10 * kMin, 0}));
  EXPECT_EQ(rec.samples[2], (store::Sample{kStart + 20 * kMin, 0.1}));
  EXPECT_EQ(
      m.AlertsJson(),
      "{\"alerts\":[{\"labels\":{\"alertname\":\"ErrorRatioHigh\",\"job\":\"api\","
      "\"severity\":\"page\"},\"annotations\":{\"summary\":\"api: 10% of requests fail\"},"
      "\"state\":\"firing\",\"activeAt\":\"2026-12-01T00:15:00.000Z\",\"value\":\"1e-01\"}]}");
  std::string rules = m.RulesJson({});
  EXPECT_NE(rules.find("{\"groups\":[{\"name\":\"api\",\"file\":\"rules.yml\",\"rules\":[{"
                       "\"name\":\"job:errors:ratio5m\",\"query\":\"sum by (job) "
                       "(rate(errors_total[5m])) / sum by (job) (rate(requests_total[5m]))\","
                       "\"health\":\"ok\",\"evaluationTime\":"),
            std::string::npos)
      << rules;
  EXPECT_NE(rules.find("\"lastEvaluation\":\"2026-12-01T00:20:00.000Z\",\"type\":\"recording\"},"
                       "{\"state\":\"firing\",\"name\":\"ErrorRatioHigh\",\"query\":"
                       "\"job:errors:ratio5m > 0.05\",\"duration\":300,\"keepFiringFor\":0,"
                       "\"labels\":{\"severity\":\"page\"},\"annotations\":{\"summary\":"),
            std::string::npos)
      << rules;
  EXPECT_NE(rules.find("\"interval\":300,\"limit\":0,"), std::string::npos);
  // The ALERTS series, as Prometheus writes them.
  EXPECT_EQ(metrics_.series()
                .at(store::Labels{{"__name__", "ALERTS"},
                                  {"alertname", "ErrorRatioHigh"},
                                  {"alertstate", "firing"},
                                  {"job", "api"},
                                  {"severity", "page"}})
                .samples.size(),
            1u);
  // Filters.
  query::RuleFilter other_group;
  other_group.groups = {"other"};
  EXPECT_EQ(m.RulesJson(other_group), "{\"groups\":[]}");
  query::RuleFilter only_alerts;
  only_alerts.type = "alert";
  only_alerts.exclude_alerts = true;
  EXPECT_EQ(m.RulesJson(only_alerts).find("\"name\":\"job:errors:ratio5m\""), std::string::npos);
  EXPECT_EQ(m.RulesJson(only_alerts).find("\"alerts\""), std::string::npos);
  EXPECT_EQ(m.RuleGroupsYaml(""),
            "\"rules.yml\":\n"
            "    - name: \"api\"\n"
            "      interval: 5m\n"
            "      rules:\n"
            "        - record: \"job:errors:ratio5m\"\n"
            "          expr: \"sum by (job) (rate(errors_total[5m])) / sum by (job) "
            "(rate(requests_total[5m]))\"\n"
            "        - alert: \"ErrorRatioHigh\"\n"
            "          expr: \"job:errors:ratio5m > 0.05\"\n"
            "          for: 5m\n"
            "          labels:\n"
            "            severity: \"page\"\n"
            "          annotations:\n"
            "            summary: \"{{ $labels.job }}: {{ $value | humanizePercentage }} of "
            "requests fail\"\n");
  EXPECT_EQ(m.RuleGroupsYaml("nope"), "");
}

TEST_F(RuleManagerTest, ErrorsShowAsRuleHealth) {
  RuleManager m(env_, nullptr);
  m.Update(
      Groups("groups:\n  - name: g\n    rules:\n      - record: r\n"
             "        expr: label_replace(up, \"a\", \"x\", \"b\", \"(\")\n"));
  metrics_.Append({{"__name__", "up"}}, kStart, 1);
  m.RunDue(kStart);
  EXPECT_NE(m.RulesJson({}).find("\"health\":\"err\",\"lastError\":\"invalid regular "
                                 "expression in label_replace(): ("),
            std::string::npos)
      << m.RulesJson({});
}

// A week of a daily-seasonal request rate (trough 30/s, peak 170/s, ±3% noise) evaluated every
// 5 minutes with a fake clock: the seasonal rule (compared with the same time a day before) stays
// silent, the naive "1.5 × 7-day average" rule fires at every daily peak. Then an incident — the
// /checkout route's traffic jumps — fires the seasonal rule within 2 evaluation intervals, with
// the exemplar trace ids of the incident and the route as the label that changed.
TEST_F(RuleManagerTest, SeasonalWeekStaysQuietAndAnIncidentFiresWithContext) {
  exporterhelper::testing::FakeBackend alertmanager;
  NotifierOptions no;
  no.alertmanagers = {alertmanager.url()};
  no.external_url = env_.external_url;
  auto notifier = Notifier::Create(no);
  ASSERT_TRUE(notifier.ok());
  RuleManager m(env_, notifier->get());
  m.Update(Groups(R"(groups:
  - name: traffic
    rules:
      - record: job:requests:rate5m
        expr: sum by (job) (rate(requests_total[5m]))
      - alert: RequestRateAboveSameTimeYesterday
        expr: job:requests:rate5m > 1.5 * max_over_time(job:requests:rate5m[1h] offset 1d)
        for: 5m
  - name: naive
    rules:
      - alert: RequestRateAboveWeeklyAverage
        expr: job:requests:rate5m > 1.5 * avg_over_time(job:requests:rate5m[7d])
)"));
  store::Labels home{{"__name__", "requests_total"}, {"job", "api"}, {"route", "/home"}};
  store::Labels checkout{{"__name__", "requests_total"}, {"job", "api"}, {"route", "/checkout"}};
  const int64_t incident = kStart + 7 * kDay + 14 * 60 * kMin + 2 * kMin;  // day 8, 14:02
  double c_home = 0, c_checkout = 0;
  uint64_t noise = 12345;
  int naive_firing_evals = 0;
  int64_t sent_at = 0;
  for (int64_t t = kStart; t <= incident + 30 * kMin; t += kMin) {
    double phase = 2 * M_PI * static_cast<double>((t - kStart) % kDay) / kDay;
    noise = noise * 6364136223846793005ull + 1442695040888963407ull;
    double jitter = 1 + 0.03 * ((static_cast<double>(noise >> 11) / 9007199254740992.0) * 2 - 1);
    double rate = (100 + 70 * std::sin(phase)) * jitter;
    c_home += 60 * rate * 0.9;
    c_checkout += 60 * rate * 0.1 * (t >= incident ? 20 : 1);
    metrics_.Append(home, t, c_home);
    metrics_.Append(checkout, t, c_checkout);
    if (t >= incident) {
      char id[33];
      std::snprintf(id, sizeof id, "%032llx", static_cast<unsigned long long>(t / kMin));
      metrics_.AddExemplar(checkout, {{{"span_id", "00000000000000aa"}, {"trace_id", id}}, 2.5, t});
    }
    m.RunDue(t);
    if (m.AlertsJson().find("RequestRateAboveWeeklyAverage") != std::string::npos &&
        t % (5 * kMin) == 0)
      ++naive_firing_evals;
    notifier->get()->Flush();
    if (t >= incident && sent_at == 0) {
      for (const auto& r : alertmanager.requests())
        if (r.body.find("RequestRateAboveSameTimeYesterday") != std::string::npos) sent_at = t;
    }
    if (t < incident) {
      ASSERT_EQ(m.AlertsJson().find("RequestRateAboveSameTimeYesterday"), std::string::npos)
          << "seasonal rule alerted at minute " << (t - kStart) / kMin;
    }
  }
  EXPECT_GT(naive_firing_evals, 7 * 12);  // hours of daily-peak alerts over the week
  ASSERT_NE(sent_at, 0);
  EXPECT_LE(sent_at, incident + 2 * 5 * kMin);
  std::string body;
  for (const auto& r : alertmanager.requests())
    if (r.body.find("RequestRateAboveSameTimeYesterday") != std::string::npos) body = r.body;
  EXPECT_EQ(alertmanager.requests()[0].target, "/api/v2/alerts");
  // The first exemplars after the incident (highest value first, then time order), and the
  // route whose share grew.
  EXPECT_NE(body.find("\"trace_ids\":\"00000000000000000000000001c8ef2a"), std::string::npos)
      << body;
  EXPECT_NE(body.find("\"changed_labels\":\"route=/checkout 10%→"), std::string::npos) << body;
  EXPECT_NE(body.find("\"generatorURL\":\"http://otter:16686/graph?g0.expr=job%3Arequests%3Arate5m"
                      "+%3E+1.5+%2A+max_over_time"),
            std::string::npos)
      << body;
}

TEST_F(RuleManagerTest, ReloadKeepsTheStateOfUnchangedRules) {
  metrics_.Append({{"__name__", "up"}, {"job", "a"}}, kStart, 0);
  RuleManager m(env_, nullptr);
  const std::string text =
      "groups:\n  - name: g\n    rules:\n      - alert: Down\n        expr: up == 0\n"
      "        for: 10m\n";
  m.Update(Groups(text));
  m.RunDue(kStart);
  m.Update(Groups(text + "      - record: r\n        expr: up\n"));
  EXPECT_NE(m.AlertsJson().find("\"activeAt\":\"2026-12-01T00:00:00.000Z\""), std::string::npos);
  // A changed rule starts over.
  m.Update(
      Groups("groups:\n  - name: g\n    rules:\n      - alert: Down\n"
             "        expr: up == 0\n        for: 5m\n"));
  EXPECT_EQ(m.AlertsJson(), "{\"alerts\":[]}");
}

}  // namespace
}  // namespace otter::rules
