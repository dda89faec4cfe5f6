#include "query/loki_patterns.h"

#include <gtest/gtest.h>

#include "query/logql/testing.h"
#include "query/loki_api.h"

namespace otter::query {
namespace {

constexpr int64_t kSec = 1'000'000'000;
constexpr int64_t kT = 1'700'000'040 * kSec;  // a multiple of 60 s

class LokiPatternsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const store::Labels checkout = {{"service_name", "checkout"}};
    const store::Labels info = {{"detected_level", "info"}};
    const store::Labels error = {{"detected_level", "ERROR"}};
    fake_.Add(checkout, kT + 5 * kSec, "user 1001 logged in from 10.0.0.1", info);
    fake_.Add(checkout, kT + 15 * kSec, "user 1002 logged in from 10.0.0.2", info);
    fake_.Add(checkout, kT + 70 * kSec, "user 1003 logged in from 10.0.0.9", info);
    fake_.Add(checkout, kT + 20 * kSec, "payment failed for order ord-1 amount=20", error);
    fake_.Add(checkout, kT + 25 * kSec, "payment failed for order ord-2 amount=35", error);
    fake_.Add(checkout, kT + 30 * kSec, "cache <miss> & retry count=3", {{"detected_level", "x"}});
    fake_.Add({{"service_name", "cart"}}, kT + 10 * kSec, "user 7 logged in from 10.0.0.7");
  }

  logql::testing::FakeLogQuerier fake_;
};

TEST_F(LokiPatternsTest, PatternsWithCountsPerStepAndLevel) {
  PatternsRequest req;
  req.query = R"({service_name=~"checkout|cart"})";
  req.start_ns = kT;
  req.end_ns = kT + 120 * kSec;
  req.step_ns = 60 * kSec;
  auto body = PatternsResponse(fake_, req, store::QueryLimits{});
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  // The cart stream's line has no level ("unknown") and keeps its own, literal pattern; levels
  // outside Loki's list count as "unknown"; <, > and & are escaped as Loki's encoder does.
  const std::string t0 = std::to_string(kT / kSec), t1 = std::to_string(kT / kSec + 60);
  EXPECT_EQ(
      *body,
      R"({"status":"success","data":[)"
      R"({"pattern":"user \u003c_\u003e logged in from \u003c_\u003e","level":"info","samples":[[)" +
          t0 + ",2],[" + t1 +
          R"(,1]]},)"
          R"({"pattern":"payment failed for order \u003c_\u003e amount=\u003c_\u003e","level":"error","samples":[[)" +
          t0 +
          R"(,2]]},)"
          R"({"pattern":"cache \u003cmiss\u003e \u0026 retry count=3","level":"unknown","samples":[[)" +
          t0 +
          R"(,1]]},)"
          R"({"pattern":"user 7 logged in from 10.0.0.7","level":"unknown","samples":[[)" +
          t0 + R"(,1]]}]})");
}

TEST_F(LokiPatternsTest, EmptyAndBadSelectors) {
  PatternsRequest req;
  req.query = R"({service_name="none"})";
  req.start_ns = kT;
  req.end_ns = kT + 120 * kSec;
  req.step_ns = 60 * kSec;
  EXPECT_EQ(*PatternsResponse(fake_, req, store::QueryLimits{}),
            "{\"status\":\"success\",\"data\":[]}");
  req.query = R"({service_name="checkout"} |= "x")";
  EXPECT_EQ(PatternsResponse(fake_, req, store::QueryLimits{}).status().message(),
            "parse error : only label matchers are supported");
  store::QueryLimits expired;
  expired.deadline = store::QueryLimits::Clock::now() - std::chrono::seconds(1);
  req.query = R"({service_name="checkout"})";
  EXPECT_EQ(PatternsResponse(fake_, req, expired).status().code(), StatusCode::kDeadlineExceeded);
}

TEST_F(LokiPatternsTest, ServedByTheLokiApi) {
  LokiApi::Options options;
  options.now_ns = [] { return kT + 3600 * kSec; };
  LokiApi api(fake_, options);
  auto get = [&](std::string target) {
    net::HttpRequest req;
    req.method = "GET";
    req.target = std::move(target);
    EXPECT_TRUE(api.Handles(req.path()));
    net::HttpResponse resp;
    api.Handle(req, &resp);
    return resp;
  };
  const std::string range =
      "&start=" + std::to_string(kT / kSec) + "&end=" + std::to_string(kT / kSec + 120);
  auto ok = get("/loki/api/v1/patterns?query=%7Bservice_name%3D%22cart%22%7D&step=60s" + range);
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, R"({"status":"success","data":[{"pattern":"user 7 logged in from 10.0.0.7",)"
                     R"("level":"unknown","samples":[[)" +
                         std::to_string(kT / kSec) + ",1]]}]}\n");
  auto zero = get("/loki/api/v1/patterns?query=%7Bservice_name%3D%22cart%22%7D&step=0" + range);
  EXPECT_EQ(zero.status, 400);
  EXPECT_EQ(zero.body,
            "zero or negative query resolution step widths are not accepted. Try a positive "
            "integer\n");
  auto bad = get("/loki/api/v1/patterns?query=%7B%7D" + range);
  EXPECT_EQ(bad.status, 400);
}

}  // namespace
}  // namespace otter::query
