#include "query/prometheus_api.h"

#include <gtest/gtest.h>

#include <string>

#include "query/promql/testing.h"

namespace otter::query {
namespace {

using promql::testing::FakeMetricQuerier;
using promql::testing::L;

class PrometheusApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_.Add(L({{"__name__", "up"}, {"job", "api"}}), {{1700000000000, 1}, {1700000060000, 0}});
    db_.Add(L({{"__name__", "up"}, {"job", "db"}}), {{1700000000000, 1}});
    db_.AddMetadata("up", {"gauge", "Target is up.", ""});
    db_.AddMetadata("http_requests_total", {"counter", "Requests.", ""});
    store::SeriesExemplars ex{L({{"__name__", "up"}, {"job", "api"}}),
                              {{L({{"trace_id", "abc"}}), 6, 1700000000123}}};
    db_.AddExemplars(ex);
    options_.now = [] { return int64_t{1700000030500}; };
    api_ = std::make_unique<PrometheusApi>(db_, options_);
  }

  net::HttpResponse Get(const std::string& target) {
    net::HttpRequest req;
    req.method = "GET";
    req.target = target;
    net::HttpResponse resp;
    api_->Handle(req, &resp);
    return resp;
  }
  net::HttpResponse Post(const std::string& path, const std::string& form) {
    net::HttpRequest req;
    req.method = "POST";
    req.target = path;
    req.headers.push_back({"Content-Type", "application/x-www-form-urlencoded"});
    req.body = form;
    net::HttpResponse resp;
    api_->Handle(req, &resp);
    return resp;
  }

  FakeMetricQuerier db_;
  PrometheusApi::Options options_;
  std::unique_ptr<PrometheusApi> api_;
};

std::string Header(const net::HttpResponse& r, std::string_view name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return "";
}
std::string ContentType(const net::HttpResponse& r) { return Header(r, "Content-Type"); }

TEST_F(PrometheusApiTest, SeriesAndLabelLookupsAnswerTimeoutPastTheDeadline) {
  options_.query_timeout = std::chrono::milliseconds(0);
  api_ = std::make_unique<PrometheusApi>(db_, options_);
  for (std::string target :
       {"/api/v1/series?match[]=up", "/api/v1/labels", "/api/v1/label/job/values"}) {
    auto r = Get(target);
    EXPECT_EQ(r.status, 503) << target;
    EXPECT_NE(r.body.find("\"errorType\":\"timeout\""), std::string::npos) << r.body;
  }
  options_.query_timeout = std::chrono::minutes(1);
  api_ = std::make_unique<PrometheusApi>(db_, options_);
  EXPECT_EQ(Get("/api/v1/series?match[]=up").status, 200);
}

TEST_F(PrometheusApiTest, InstantQueryVector) {
  auto r = Get("/api/v1/query?query=up&time=1700000000.123");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(ContentType(r), "application/json");
  EXPECT_EQ(
      r.body,
      "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
      "{\"metric\":{\"__name__\":\"up\",\"job\":\"api\"},\"value\":[1700000000.123,\"1\"]},"
      "{\"metric\":{\"__name__\":\"up\",\"job\":\"db\"},\"value\":[1700000000.123,\"1\"]}]}}");
}

TEST_F(PrometheusApiTest, InstantQueryDefaultsToNowAndPostForm) {
  // now() = 1700000030.5: up{job="api"} still reads its sample at 1700000000.
  auto r = Post("/api/v1/query", "query=sum%28up%29+%2F+2");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body,
            "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
            "{\"metric\":{},\"value\":[1700000030.500,\"1\"]}]}}");
}

TEST_F(PrometheusApiTest, ScalarStringAndRfc3339) {
  EXPECT_EQ(Get("/api/v1/query?query=1%2F0&time=2023-11-14T22:13:20.5Z").body,
            "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":"
            "[1700000000.500,\"+Inf\"]}}");
  EXPECT_EQ(Get("/api/v1/query?query=%22x%22&time=1700000000").body,
            "{\"status\":\"success\",\"data\":{\"resultType\":\"string\",\"result\":"
            "[1700000000,\"x\"]}}");
}

TEST_F(PrometheusApiTest, AnnotationsFollowTheData) {
  EXPECT_EQ(Get("/api/v1/query?query=quantile(2,%20up)&time=1700000000").body,
            "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
            "{\"metric\":{},\"value\":[1700000000,\"+Inf\"]}]},\"warnings\":[\"PromQL "
            "warning: quantile value should be between 0 and 1, got 2 (1:10)\"]}");
  auto r = Get("/api/v1/query_range?query=rate(up[2m])&start=1700000060&end=1700000060&step=1");
  EXPECT_EQ(r.status, 200);
  const std::string infos =
      ",\"infos\":[\"PromQL info: metric might not be a counter, name does not end in "
      "_total/_sum/_count/_bucket: \\\"up\\\" (1:6)\"]}";
  ASSERT_GT(r.body.size(), infos.size()) << r.body;
  EXPECT_EQ(r.body.substr(r.body.size() - infos.size()), infos) << r.body;
  EXPECT_EQ(r.body.find("warnings"), std::string::npos) << r.body;
}

TEST_F(PrometheusApiTest, RangeQueryMatrix) {
  auto r = Get("/api/v1/query_range?query=up&start=1700000000&end=1700000060&step=30s");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body,
            "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
            "{\"metric\":{\"__name__\":\"up\",\"job\":\"api\"},\"values\":[[1700000000,\"1\"],"
            "[1700000030,\"1\"],[1700000060,\"0\"]]},"
            "{\"metric\":{\"__name__\":\"up\",\"job\":\"db\"},\"values\":[[1700000000,\"1\"],"
            "[1700000030,\"1\"],[1700000060,\"1\"]]}]}}");
}

TEST_F(PrometheusApiTest, BadDataErrors) {
  auto r = Get("/api/v1/query?query=foo(up)");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body,
            "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"invalid parameter "
            "\\\"query\\\": 1:1: parse error: unknown function with name \\\"foo\\\"\"}");
  EXPECT_EQ(Get("/api/v1/query?query=up&time=abc").body,
            "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"invalid parameter "
            "\\\"time\\\": cannot parse \\\"abc\\\" to a valid timestamp\"}");
  EXPECT_EQ(Get("/api/v1/query_range?query=up&start=10&end=5&step=1").body,
            "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"invalid parameter "
            "\\\"end\\\": end timestamp must not be before start time\"}");
  EXPECT_EQ(Get("/api/v1/query_range?query=up&start=0&end=5&step=0").body,
            "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"invalid parameter "
            "\\\"step\\\": zero or negative query resolution step widths are not accepted. Try a "
            "positive integer\"}");
  EXPECT_EQ(Get("/api/v1/query_range?query=up&start=0&end=5&step=x").body,
            "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"invalid parameter "
            "\\\"step\\\": cannot parse \\\"x\\\" to a valid duration\"}");
  auto big = Get("/api/v1/query_range?query=up&start=0&end=11001&step=1");
  EXPECT_EQ(big.status, 400);
  EXPECT_EQ(big.body,
            "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"exceeded maximum "
            "resolution of 11,000 points per timeseries. Try decreasing the query resolution "
            "(?step=XX)\"}");
  EXPECT_EQ(Get("/api/v1/query_range?query=up&start=0&end=11000&step=1").status, 200);
  EXPECT_EQ(Get("/api/v1/query_range?query=up[5m]&start=0&end=1&step=1").body,
            "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"invalid parameter "
            "\\\"query\\\": invalid expression type \\\"range vector\\\" for range query, must be "
            "Scalar or instant Vector\"}");
}

TEST_F(PrometheusApiTest, ExecutionTimeoutAndNotFound) {
  db_.Add(L({{"__name__", "dup"}, {"a", "1"}, {"b", "x"}}), {{1700000000000, 1}});
  db_.Add(L({{"__name__", "dup"}, {"a", "1"}, {"b", "y"}}), {{1700000000000, 1}});
  auto r = Get("/api/v1/query?query=up%20%2B%20on(a)%20dup&time=1700000000");
  EXPECT_EQ(r.status, 422);
  EXPECT_NE(r.body.find("\"errorType\":\"execution\""), std::string::npos);
  EXPECT_NE(r.body.find("many-to-many matching not allowed"), std::string::npos);

  // A 1ns timeout on a query that needs thousands of subquery steps.
  auto t =
      Get("/api/v1/query_range?query=sum_over_time(vector(1)%5B1d%3A1s%5D)&start=0&end=100&"
          "step=1&timeout=0.000000001");
  EXPECT_EQ(t.status, 503);
  EXPECT_EQ(t.body,
            "{\"status\":\"error\",\"errorType\":\"timeout\",\"error\":\"query timed out in "
            "expression evaluation\"}");

  auto nf = Get("/api/v1/nope");
  EXPECT_EQ(nf.status, 404);
  EXPECT_EQ(nf.body,
            "{\"status\":\"error\",\"errorType\":\"not_found\",\"error\":\"unknown API endpoint "
            "\\\"/api/v1/nope\\\"\"}");
  EXPECT_TRUE(api_->Handles("/api/v1/query"));
  EXPECT_FALSE(api_->Handles("/loki/api/v1/query"));
}

TEST_F(PrometheusApiTest, MaxSamples) {
  options_.max_samples = 1;
  PrometheusApi api(db_, options_);
  net::HttpRequest req;
  req.method = "GET";
  req.target = "/api/v1/query?query=up&time=1700000000";
  net::HttpResponse r;
  api.Handle(req, &r);
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(r.body,
            "{\"status\":\"error\",\"errorType\":\"execution\",\"error\":\"query processing would "
            "load too many samples into memory in query execution\"}");
}

TEST_F(PrometheusApiTest, SeriesLabelsAndValues) {
  EXPECT_EQ(Get("/api/v1/series?match%5B%5D=up%7Bjob%3D%22db%22%7D").body,
            "{\"status\":\"success\",\"data\":[{\"__name__\":\"up\",\"job\":\"db\"}]}");
  EXPECT_EQ(Get("/api/v1/series").body,
            "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"no match[] parameter "
            "provided\"}");
  EXPECT_EQ(Get("/api/v1/labels").body, "{\"status\":\"success\",\"data\":[\"__name__\",\"job\"]}");
  EXPECT_EQ(Get("/api/v1/label/job/values").body,
            "{\"status\":\"success\",\"data\":[\"api\",\"db\"]}");
  EXPECT_EQ(Get("/api/v1/label/job/values?match[]=up{job=\"api\"}").body,
            "{\"status\":\"success\",\"data\":[\"api\"]}");
  EXPECT_EQ(Get("/api/v1/label/1x/values").body,
            "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"invalid label name: "
            "\\\"1x\\\"\"}");
  // Time range: nothing before 1700000000.
  EXPECT_EQ(Get("/api/v1/labels?start=0&end=1000").body, "{\"status\":\"success\",\"data\":[]}");
}

TEST_F(PrometheusApiTest, MetadataExemplarsBuildinfo) {
  EXPECT_EQ(Get("/api/v1/metadata?metric=up").body,
            "{\"status\":\"success\",\"data\":{\"up\":[{\"type\":\"gauge\",\"help\":\"Target is "
            "up.\",\"unit\":\"\"}]}}");
  EXPECT_EQ(Get("/api/v1/metadata?limit=1").body,
            "{\"status\":\"success\",\"data\":{\"http_requests_total\":[{\"type\":\"counter\","
            "\"help\":\"Requests.\",\"unit\":\"\"}]}}");
  EXPECT_EQ(Get("/api/v1/metadata?limit=x").status, 400);
  EXPECT_EQ(
      Get("/api/v1/query_exemplars?query=rate(up%5B5m%5D)&start=1699999999&end=1700000001").body,
      "{\"status\":\"success\",\"data\":[{\"seriesLabels\":{\"__name__\":\"up\",\"job\":"
      "\"api\"},\"exemplars\":[{\"labels\":{\"trace_id\":\"abc\"},\"value\":\"6\","
      "\"timestamp\":1700000000.123}]}]}");
  auto b = Get("/api/v1/status/buildinfo");
  EXPECT_EQ(b.status, 200);
  EXPECT_EQ(b.body, R"({"status":"success","data":{"version":"3.0.0","revision":"","branch":"",)"
                    R"("buildUser":"","buildDate":"","goVersion":"","application":"otter",)"
                    R"("applicationVersion":"0.1.0"}})");
}

TEST(PrometheusApiParams, TimesAndDurations) {
  EXPECT_EQ(*ParsePromTimeMillis("1700000000.1234"), 1700000000123);
  EXPECT_EQ(*ParsePromTimeMillis("2023-11-14T22:13:20Z"), 1700000000000);
  EXPECT_EQ(*ParsePromTimeMillis("2023-11-14T23:13:20.25+01:00"), 1700000000250);
  EXPECT_FALSE(ParsePromTimeMillis("2023-11-14").ok());
  EXPECT_EQ(*ParsePromDurationMillis("1.5"), 1500);
  EXPECT_EQ(*ParsePromDurationMillis("1h30m"), 5400000);
  EXPECT_FALSE(ParsePromDurationMillis("5x").ok());
}

}  // namespace
}  // namespace otter::query

namespace otter::query {
namespace {

// No rules exist: /rules and /alerts answer as a Prometheus without rule files, and validate
// their filters as Prometheus does, in its order.
TEST_F(PrometheusApiTest, RulesAndAlertsWithoutRules) {
  // Grafana's loadRules() and the alerting list.
  auto r = Get("/api/v1/rules");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(ContentType(r), "application/json");
  EXPECT_EQ(r.body, R"({"status":"success","data":{"groups":[]}})");
  EXPECT_EQ(Get("/api/v1/rules?type=ALERT&exclude_alerts=TRUE&group_limit=5"
                "&rule_name%5B%5D=x&rule_group%5B%5D=g&file%5B%5D=f.yml&match%5B%5D=up")
                .body,
            R"({"status":"success","data":{"groups":[]}})");
  EXPECT_EQ(Get("/api/v1/alerts").body, R"({"status":"success","data":{"alerts":[]}})");

  struct Case {
    std::string target;
    std::string error;
  };
  const Case cases[] = {
      {"/api/v1/rules?type=recording", R"(invalid parameter \"type\": not supported value )"
                                       R"(\"recording\")"},
      {"/api/v1/rules?exclude_alerts=maybe",
       R"(invalid parameter \"exclude_alerts\": error converting exclude_alerts: )"
       R"(strconv.ParseBool: parsing \"maybe\": invalid syntax)"},
      {"/api/v1/rules?group_next_token=abc",
       R"(invalid parameter \"group_next_token\": group_limit needs to be present in order to )"
       R"(paginate over the groups)"},
      {"/api/v1/rules?group_limit=x",
       R"(invalid parameter \"group_limit\": group_limit needs to be a valid number: )"
       R"(strconv.ParseInt: parsing \"x\": invalid syntax)"},
      {"/api/v1/rules?group_limit=0",
       R"(invalid parameter \"group_limit\": group_limit needs to be greater than 0)"},
      {"/api/v1/rules?group_limit=2&group_next_token=abc",
       R"(invalid parameter \"group_next_token\": invalid group_next_token 'abc'. were rule )"
       R"(groups changed?)"},
  };
  for (const Case& c : cases) {
    r = Get(c.target);
    EXPECT_EQ(r.status, 400) << c.target;
    EXPECT_EQ(r.body, R"({"status":"error","errorType":"bad_data","error":")" + c.error + "\"}")
        << c.target;
  }
  // A bad match[] fails before the other filters.
  r = Get("/api/v1/rules?match%5B%5D=%7B&type=x");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find(R"("errorType":"bad_data")"), std::string::npos);
  EXPECT_EQ(r.body.find("type"), std::string::npos) << r.body;
}

TEST_F(PrometheusApiTest, MethodsPerRoute) {
  auto r = Post("/api/v1/rules", "");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.body, "Method Not Allowed\n");
  EXPECT_EQ(Header(r, "Allow"), "GET, OPTIONS");
  EXPECT_EQ(Post("/api/v1/status/buildinfo", "").status, 405);
  EXPECT_EQ(Post("/api/v1/label/job/values", "").status, 405);
  EXPECT_EQ(Post("/api/v1/labels", "").status, 200);
  net::HttpRequest req;
  req.method = "PUT";
  req.target = "/api/v1/query";
  net::HttpResponse resp;
  api_->Handle(req, &resp);
  EXPECT_EQ(resp.status, 405);
  EXPECT_EQ(Header(resp, "Allow"), "GET, OPTIONS, POST");
}

// Grafana's areExemplarsAvailable(): query=test with start/end in milliseconds.
TEST_F(PrometheusApiTest, GrafanaExemplarProbe) {
  auto r = Get("/api/v1/query_exemplars?query=test&start=1700000000000&end=1700001800000");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"status":"success","data":[]})");
}

}  // namespace
}  // namespace otter::query
