#include "telemetry/metrics_server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "net/test_util.h"

namespace otter::telemetry {
namespace {

using ::testing::HasSubstr;

TEST(MetricsServerTest, ServesPrometheusText) {
  SelfMetrics metrics;
  metrics
      .GetCounter("otelcol_receiver_accepted_spans", "Accepted spans.",
                  {{"receiver", "otlp"}, {"transport", "http"}})
      .Add(42);
  MetricsServer server(metrics, "localhost:0");
  ASSERT_TRUE(server.Start().ok());
  net::testing::HttpTestClient client(server.port());
  auto r = client.Send({"GET", "/metrics", {}, ""});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_THAT(r->body, HasSubstr("# TYPE otelcol_receiver_accepted_spans counter"));
  EXPECT_THAT(
      r->body,
      HasSubstr("otelcol_receiver_accepted_spans{receiver=\"otlp\",transport=\"http\"} 42"));
  // A scrape sees new values.
  metrics
      .GetCounter("otelcol_receiver_accepted_spans", "Accepted spans.",
                  {{"receiver", "otlp"}, {"transport", "http"}})
      .Add(1);
  auto again = client.Send({"GET", "/metrics", {}, ""});
  ASSERT_TRUE(again.ok());
  EXPECT_THAT(again->body, HasSubstr("} 43"));
  auto other = client.Send({"GET", "/", {}, ""});
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->status, 404);
  auto post = client.Send({"POST", "/metrics", {}, "x"});
  ASSERT_TRUE(post.ok());
  EXPECT_EQ(post->status, 405);
  server.Stop();
  server.Stop();  // idempotent
}

TEST(MetricsServerTest, ServesHttpsWithMutualTls) {
  net::testing::TestCerts certs = net::testing::MakeTestCerts();
  SelfMetrics metrics;
  metrics.GetCounter("otelcol_exporter_sent_spans", "Sent.", {{"exporter", "otlp"}}).Add(5);
  MetricsServer server(metrics, "127.0.0.1:0", nullptr, certs.Server(/*require_client_cert=*/true));
  ASSERT_TRUE(server.Start().ok());
  net::testing::HttpTestClient scraper(server.port(), certs.Client(/*with_cert=*/true));
  auto r = scraper.Send({"GET", "/metrics", {}, ""});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_THAT(r->body, HasSubstr("otelcol_exporter_sent_spans{exporter=\"otlp\"} 5"));
  net::testing::HttpTestClient anonymous(server.port(), certs.Client(/*with_cert=*/false));
  EXPECT_FALSE(anonymous.Send({"GET", "/metrics", {}, ""}).ok());
  net::testing::HttpTestClient plain(server.port());
  EXPECT_FALSE(plain.Send({"GET", "/metrics", {}, ""}).ok());
  std::filesystem::remove_all(certs.dir);
}

TEST(MetricsServerTest, BusyAddressFails) {
  SelfMetrics metrics;
  MetricsServer a(metrics, "127.0.0.1:0");
  ASSERT_TRUE(a.Start().ok());
  MetricsServer b(metrics, "127.0.0.1:" + std::to_string(a.port()));
  Status s = b.Start();
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("listen tcp 127.0.0.1:" + std::to_string(a.port())));
}

}  // namespace
}  // namespace otter::telemetry
