#include "rules/notifier.h"

#include <gtest/gtest.h>

#include "exporters/exporterhelper/fake_backend.h"

namespace otter::rules {
namespace {

constexpr int64_t kT = 1796083200000;  // 2026-12-01T00:00:00Z

Alert Firing() {
  Alert a;
  a.labels = {{"alertname", "Down"}, {"job", "api"}};
  a.annotations = {{"summary", "api is down"}};
  a.context = {{"summary", "not this"}, {"trace_ids", "0af7651916cd43dd8448eb211c80319c"}};
  a.state = AlertState::kFiring;
  a.active_at_ms = kT - 60000;
  a.fired_at_ms = kT;
  a.last_sent_at_ms = kT;
  a.valid_until_ms = kT + 240000;
  return a;
}

TEST(NotifierTest, SendsAlertmanagerV2AndWebhookPayloads) {
  exporterhelper::testing::FakeBackend am, hook;
  NotifierOptions o;
  o.alertmanagers = {am.url() + "/"};
  o.webhooks = {hook.url() + "/hook"};
  o.external_labels = {{"cluster", "eu1"}, {"job", "ignored: the alert has one"}};
  o.external_url = "http://otter:16686/";
  auto n = Notifier::Create(o);
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  Alert resolved = Firing();
  resolved.labels = {{"alertname", "Down"}, {"job", "db"}};
  resolved.resolved_at_ms = kT + 5000;
  (*n)->Send({Firing(), resolved}, "up == 0");
  (*n)->Flush();

  ASSERT_EQ(am.requests().size(), 1u);
  EXPECT_EQ(am.requests()[0].target, "/api/v2/alerts");
  EXPECT_EQ(am.requests()[0].body,
            "[{\"labels\":{\"alertname\":\"Down\",\"cluster\":\"eu1\",\"job\":\"api\"},"
            "\"annotations\":{\"summary\":\"api is down\",\"trace_ids\":"
            "\"0af7651916cd43dd8448eb211c80319c\"},\"startsAt\":\"2026-12-01T00:00:00.000Z\","
            "\"endsAt\":\"2026-12-01T00:04:00.000Z\",\"generatorURL\":"
            "\"http://otter:16686/graph?g0.expr=up+%3D%3D+0&g0.tab=1\"},"
            "{\"labels\":{\"alertname\":\"Down\",\"cluster\":\"eu1\",\"job\":\"db\"},"
            "\"annotations\":{\"summary\":\"api is down\",\"trace_ids\":"
            "\"0af7651916cd43dd8448eb211c80319c\"},\"startsAt\":\"2026-12-01T00:00:00.000Z\","
            "\"endsAt\":\"2026-12-01T00:00:05.000Z\",\"generatorURL\":"
            "\"http://otter:16686/graph?g0.expr=up+%3D%3D+0&g0.tab=1\"}]");
  ASSERT_EQ(hook.requests().size(), 1u);
  EXPECT_EQ(hook.requests()[0].target, "/hook");
  const std::string body = hook.requests()[0].body;
  const std::string head =
      "{\"version\":\"4\",\"groupKey\":\"{}:{}\",\"truncatedAlerts\":0,\"status\":\"firing\","
      "\"receiver\":\"otter\",\"groupLabels\":{},\"commonLabels\":{},\"commonAnnotations\""
      ":{},\"externalURL\":\"http://otter:16686/\",\"alerts\":[{\"status\":\"firing\",\"lab";
  EXPECT_EQ(body.substr(0, head.size()), head);
  EXPECT_NE(body.find("{\"status\":\"resolved\",\"labels\":{\"alertname\":\"Down\",\"cluster\":"
                      "\"eu1\",\"job\":\"db\"}"),
            std::string::npos);
  EXPECT_NE(body.find("\"endsAt\":\"0001-01-01T00:00:00Z\""), std::string::npos);
}

TEST(NotifierTest, AFullQueueDropsTheOldestAndAFailingTargetIsCounted) {
  exporterhelper::testing::FakeBackend am;
  am.Script({{net::HttpResponse::Text(500, "boom"), false}});
  telemetry::SelfMetrics metrics;
  NotifierOptions o;
  o.alertmanagers = {am.url()};
  o.queue_capacity = 2;
  o.metrics = &metrics;
  auto n = Notifier::Create(o);
  ASSERT_TRUE(n.ok());
  std::vector<Alert> three(3, Firing());
  for (int i = 0; i < 3; ++i) store::SetLabel(three[i].labels, "i", std::to_string(i));
  (*n)->Send(three, "up == 0");
  (*n)->Flush();
  ASSERT_EQ(am.requests().size(), 1u);
  EXPECT_EQ(am.requests()[0].body.find("\"i\":\"0\""), std::string::npos);  // dropped
  EXPECT_NE(am.requests()[0].body.find("\"i\":\"2\""), std::string::npos);
  std::string text = metrics.RenderPrometheus();
  EXPECT_NE(text.find("otter_rules_notifications_dropped_total 1"), std::string::npos) << text;
  EXPECT_NE(text.find("otter_rules_notifications_errors_total 1"), std::string::npos);
  EXPECT_NE(text.find("otter_rules_notifications_sent_total 0"), std::string::npos);
}

TEST(NotifierTest, RejectsBadUrls) {
  NotifierOptions o;
  o.alertmanagers = {"am:9093"};
  EXPECT_FALSE(Notifier::Create(o).ok());
}

}  // namespace
}  // namespace otter::rules
