#include "extensions/health_check/extension.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "component/status_hub.h"
#include "config/loader.h"
#include "net/test_util.h"

namespace otter::health_check {
namespace {

using net::testing::HttpTestClient;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

class HealthCheckTest : public ::testing::Test {
 protected:
  void Start(HealthCheckConfig cfg = {}) {
    cfg.endpoint = "127.0.0.1:0";
    ASSERT_TRUE(cfg.Validate().ok());
    ComponentContext ctx;
    ctx.id = {"health_check", ""};
    ctx.kind = ComponentKind::kExtension;
    ctx.status = &hub_;
    ext_ = std::make_unique<HealthCheckExtension>(ctx, cfg);
    ASSERT_TRUE(ext_->Start().ok());
  }
  net::testing::TestHttpResponse Get(const std::string& path) {
    HttpTestClient client(ext_->port());
    auto r = client.Send({"GET", path, {}, ""});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : net::testing::TestHttpResponse{};
  }
  StatusHub hub_;
  std::unique_ptr<HealthCheckExtension> ext_;
};

TEST_F(HealthCheckTest, NotReadyThenReady) {
  Start();
  auto before = Get("/");
  EXPECT_EQ(before.status, 503);
  EXPECT_EQ(before.body,
            R"({"status":"Server not available","upSince":"0001-01-01T00:00:00Z","uptime":""})");
  hub_.SetReady(true);
  auto after = Get("/");
  EXPECT_EQ(after.status, 200);
  EXPECT_EQ(after.Header("content-type"), "application/json");
  EXPECT_THAT(
      after.body,
      MatchesRegex(
          R"(\{"status":"Server available","upSince":"20[0-9-]+T[0-9:.]+Z","uptime":"[0-9.]+[^"]*s"\})"));
  EXPECT_EQ(Get("/anything/below").status, 200);  // "/" answers the whole tree, like Go's ServeMux
  hub_.SetReady(false);
  EXPECT_EQ(Get("/").status, 503);
}

TEST_F(HealthCheckTest, ExactPath) {
  HealthCheckConfig cfg;
  cfg.path = "/health/status";
  Start(cfg);
  hub_.SetReady(true);
  EXPECT_EQ(Get("/health/status").status, 200);
  EXPECT_EQ(Get("/health/status/x").status, 404);
  EXPECT_EQ(Get("/").status, 404);
}

TEST_F(HealthCheckTest, PipelineCheckFollowsExporterFailures) {
  HealthCheckConfig cfg;
  cfg.check_collector_pipeline.enabled = true;
  Start(cfg);
  hub_.SetReady(true);
  EXPECT_EQ(Get("/").status, 200);
  hub_.Report("exporter/otlp_grpc", Unavailable("connection refused"));
  EXPECT_EQ(Get("/").status, 503);
  hub_.Report("exporter/otlp_grpc", Status::Ok());
  EXPECT_EQ(Get("/").status, 200);
}

TEST_F(HealthCheckTest, DegradedComponentsAreShownWithTheirReason) {
  Start();
  hub_.SetReady(true);
  hub_.ReportDegraded("exporter/store", "block \"b.blk\" set aside as corrupt");
  auto r = Get("/");
  EXPECT_EQ(r.status, 200);  // it still serves
  EXPECT_THAT(
      r.body,
      HasSubstr(R"("degraded":{"exporter/store":"block \"b.blk\" set aside as corrupt"}})"));
  hub_.ReportDegraded("exporter/store", "");
  EXPECT_THAT(Get("/").body, ::testing::Not(HasSubstr("degraded")));
}

TEST_F(HealthCheckTest, FailuresIgnoredWithoutPipelineCheck) {
  Start();
  hub_.SetReady(true);
  hub_.Report("exporter/otlp_grpc", Unavailable("connection refused"));
  EXPECT_EQ(Get("/").status, 200);
}

TEST_F(HealthCheckTest, CustomBodies) {
  HealthCheckConfig cfg;
  cfg.response_body = ResponseBody{"I'm OK", "I'm not well"};
  Start(cfg);
  EXPECT_EQ(Get("/").body, "I'm not well");
  hub_.SetReady(true);
  EXPECT_EQ(Get("/").body, "I'm OK");
}

TEST(HealthCheckConfigTest, DefaultsAndWarnings) {
  auto node = config::ParseYaml(
      "check_collector_pipeline:\n  enabled: true\n  exporter_failure_threshold: 3\n", "hc.yaml");
  ASSERT_TRUE(node.ok());
  HealthCheckConfig cfg;
  config::Diagnostics d;
  HealthCheckTable().Parse(*node, cfg, d);
  EXPECT_TRUE(d.ok()) << d.ErrorsText();
  EXPECT_EQ(cfg.endpoint, "localhost:13133");
  EXPECT_EQ(cfg.path, "/");
  EXPECT_TRUE(cfg.check_collector_pipeline.enabled);
  EXPECT_EQ(cfg.check_collector_pipeline.exporter_failure_threshold, 3);
  EXPECT_EQ(cfg.check_collector_pipeline.interval, std::chrono::minutes(5));
  ASSERT_EQ(d.warnings().size(), 1u);
  EXPECT_THAT(d.warnings()[0], HasSubstr("exporter_failure_threshold has no effect"));
  cfg.path = "health";
  EXPECT_FALSE(cfg.Validate().ok());
}

TEST(GoFormatTest, Durations) {
  using namespace std::chrono;
  EXPECT_EQ(FormatGoDuration(nanoseconds(0)), "0s");
  EXPECT_EQ(FormatGoDuration(nanoseconds(999)), "999ns");
  EXPECT_EQ(FormatGoDuration(microseconds(1500)), "1.5ms");
  EXPECT_EQ(FormatGoDuration(nanoseconds(49013251800)), "49.0132518s");
  EXPECT_EQ(FormatGoDuration(minutes(2)), "2m0s");
  EXPECT_EQ(FormatGoDuration(hours(1) + seconds(3) + milliseconds(500)), "1h0m3.5s");
  EXPECT_EQ(
      FormatRfc3339Nano(system_clock::time_point(seconds(1605068151) + nanoseconds(684717400))),
      "2020-11-11T04:15:51.6847174Z");
}

}  // namespace
}  // namespace otter::health_check
