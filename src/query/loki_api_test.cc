#include "query/loki_api.h"

#include <gtest/gtest.h>

#include "query/logql/testing.h"
#include "query/loki_testing.h"

namespace otter::query {
namespace {

using loki_testing::Encode;
using loki_testing::Stats;

constexpr int64_t kSec = 1'000'000'000;
constexpr int64_t kT = 1'700'000'000 * kSec;

class LokiApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake_.Add({{"service_name", "checkout"}}, kT + 10 * kSec,
              R"({"level":"error","msg":"payment failed"})", {{"trace_id", "abc123"}});
    fake_.Add({{"service_name", "checkout"}}, kT + 20 * kSec, R"({"level":"info","msg":"ok"})");
    fake_.Add({{"service_name", "cart"}, {"env", "prod"}}, kT + 15 * kSec, "level=warn msg=low");
    options_.now_ns = [] { return kT + 3600 * kSec; };
  }

  net::HttpResponse Get(std::string target) {
    return loki_testing::Get(fake_, options_, std::move(target));
  }

  logql::testing::FakeLogQuerier fake_;
  LokiApi::Options options_;
};

TEST_F(LokiApiTest, QueryRangeStreams) {
  auto r = Get("/loki/api/v1/query_range?query=" +
               Encode(R"({service_name="checkout"} | json | level=~"error|info")") +
               "&start=1700000000&end=1700000060&limit=10");
  EXPECT_EQ(r.status, 200);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].second, "application/json; charset=UTF-8");
  EXPECT_EQ(
      r.body,
      R"({"status":"success","data":{"resultType":"streams","result":[)"
      R"({"stream":{"level":"error","msg":"payment failed","service_name":"checkout","trace_id":"abc123"},)"
      R"("values":[["1700000010000000000","{\"level\":\"error\",\"msg\":\"payment failed\"}"]]},)"
      R"({"stream":{"level":"info","msg":"ok","service_name":"checkout"},)"
      R"("values":[["1700000020000000000","{\"level\":\"info\",\"msg\":\"ok\"}"]]}],)" +
          Stats(67, 2, 2, 2) + "}}\n");
  ASSERT_EQ(fake_.selects.size(), 1u);
  EXPECT_EQ(fake_.selects[0].start_ns, kT);
  EXPECT_EQ(fake_.selects[0].end_ns, kT + 60 * kSec);
  EXPECT_EQ(fake_.selects[0].direction, store::Direction::kBackward);
}

TEST_F(LokiApiTest, DefaultRangeAndTimeFormats) {
  auto r = Get("/loki/api/v1/query_range?query=" + Encode(R"({env="prod"})"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(fake_.selects.back().start_ns, kT);  // last hour ending "now"
  EXPECT_EQ(fake_.selects.back().end_ns, kT + 3600 * kSec);
  EXPECT_EQ(fake_.selects.back().limit, 100u);
  r = Get("/loki/api/v1/query_range?query=" + Encode(R"({env="prod"})") +
          "&start=2023-11-14T22:13:20Z&end=1700000001.5&direction=FORWARD");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(fake_.selects.back().start_ns, kT);
  EXPECT_EQ(fake_.selects.back().end_ns, kT + 1'500'000'000);
  EXPECT_EQ(fake_.selects.back().direction, store::Direction::kForward);
  r = Get("/loki/api/v1/query_range?query=" + Encode(R"({env="prod"})") +
          "&start=1700000000000000001&end=1700000002000000000");
  EXPECT_EQ(fake_.selects.back().start_ns, kT + 1);
  r = Get("/loki/api/v1/query_range?query=" + Encode(R"({env="prod"})") + "&start=yesterday");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body,
            "invalid parameter \"start\": cannot parse \"yesterday\" to a valid timestamp\n");
}

TEST_F(LokiApiTest, InstantVectorQuery) {
  auto r = Get("/loki/api/v1/query?query=" +
               Encode(R"(sum by (service_name) (count_over_time({service_name=~".+"}[5m])))") +
               "&time=1700000060");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"status":"success","data":{"resultType":"vector","result":[)"
                    R"({"metric":{"service_name":"cart"},"value":[1700000060,"1"]},)"
                    R"({"metric":{"service_name":"checkout"},"value":[1700000060,"2"]}],)" +
                        Stats(85, 3, 0, 3) + "}}\n");
}

TEST_F(LokiApiTest, RangeMatrixQuery) {
  auto r = Get(
      "/loki/api/v1/query_range?query=" + Encode(R"(sum(rate({service_name="checkout"}[20s])))") +
      "&start=1700000010&end=1700000030.5&step=10");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(
      r.body,
      R"({"status":"success","data":{"resultType":"matrix","result":[)"
      R"({"metric":{},"values":[[1700000010,"0.05"],[1700000020,"0.1"],[1700000030,"0.05"]]}],)" +
          Stats(67, 2, 0, 2) + "}}\n");
  r = Get("/loki/api/v1/query_range?query=" + Encode("1+1") +
          "&start=1700000010.25&end=1700000011&step=0.5");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find(R"("values":[[1700000010.25,"2"],[1700000010.75,"2"]])"), std::string::npos)
      << r.body;
}

TEST_F(LokiApiTest, Errors) {
  auto r = Get("/loki/api/v1/query_range?query=" + Encode(R"({app="foo")"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.headers[0].second, "text/plain; charset=utf-8");
  EXPECT_EQ(r.body,
            "parse error at line 1, col 11: syntax error: unexpected $end, expecting } or ,\n");
  r = Get("/loki/api/v1/query_range?query=" + Encode(R"({app="foo"})") + "&limit=6000");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body,
            "max entries limit per query exceeded, limit > max_entries_limit_per_query (6000 > "
            "5000)\n");
  r = Get("/loki/api/v1/query?query=" + Encode(R"({app="foo"})"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body,
            "log queries are not supported as an instant query type, please change your query "
            "to a range query type\n");
  r = Get("/loki/api/v1/query_range?query=" + Encode(R"(count_over_time({app="foo"}[1m]))") +
          "&start=1700000000&end=1700100000&step=1");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body,
            "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the "
            "query resolution (?step=XX)\n");
  r = Get("/loki/api/v1/query_range?query=" + Encode(R"({app="foo"})") + "&start=20&end=10");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "end timestamp must not be before or equal to start time\n");
  fake_.fail = Unavailable("store closed");
  r = Get("/loki/api/v1/query_range?query=" + Encode(R"({app="foo"})"));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, "store closed\n");
}

TEST_F(LokiApiTest, Timeout) {
  options_.timeout = std::chrono::milliseconds(0);
  auto r = Get("/loki/api/v1/query_range?query=" + Encode(R"({env="prod"})"));
  EXPECT_EQ(r.status, 504);
  EXPECT_EQ(r.body,
            "request timed out, decrease the duration of the request or add more label matchers "
            "(prefer exact match over regex match) to reduce the amount of data processed\n");
}

TEST_F(LokiApiTest, LabelsValuesSeriesReady) {
  auto r = Get("/loki/api/v1/labels");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, std::string(R"({"status":"success","data":["env","service_name"]})") + "\n");
  r = Get("/loki/api/v1/label/service_name/values?start=1700000000");
  EXPECT_EQ(r.body, std::string(R"({"status":"success","data":["cart","checkout"]})") + "\n");
  r = Get("/loki/api/v1/series?match%5B%5D=" + Encode(R"({env="prod"})"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(
      r.body,
      std::string(R"({"status":"success","data":[{"env":"prod","service_name":"cart"}]})") + "\n");
  r = Get("/loki/api/v1/series?match[]=" + Encode(R"({env="prod"} |= "x")"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "parse error : only label matchers are supported\n");
  r = Get("/loki/api/v1/index/stats?query=" + Encode(R"({service_name=~".+"})"));
  EXPECT_EQ(r.body, std::string(R"({"streams":2,"chunks":2,"bytes":85,"entries":3})") + "\n");
  r = Get("/ready");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ready\n");
  LokiApi api(fake_, options_);
  EXPECT_TRUE(api.Handles("/loki/api/v1/tail"));  // answered 400 unless a WebSocket upgrade
  EXPECT_FALSE(api.Handles("/loki/api/v1/nothing"));
  EXPECT_FALSE(api.Handles("/api/v1/query"));
}

TEST_F(LokiApiTest, PostForm) {
  net::HttpRequest req;
  req.method = "POST";
  req.target = "/loki/api/v1/query_range";
  req.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  req.body = "query=" + Encode(R"({env="prod"} | logfmt | line_format "{{.msg}}")") +
             "&start=1700000000&end=1700000060&direction=forward";
  LokiApi api(fake_, options_);
  net::HttpResponse resp;
  api.Handle(req, &resp);
  EXPECT_EQ(resp.status, 200);
  EXPECT_EQ(resp.body,
            R"({"status":"success","data":{"resultType":"streams","result":[)"
            R"({"stream":{"env":"prod","level":"warn","msg":"low","service_name":"cart"},)"
            R"("values":[["1700000015000000000","low"]]}],)" +
                Stats(18, 1, 1, 1) + "}}\n");
}

TEST_F(LokiApiTest, TimeoutAndEntryBudget) {
  const std::string q = "/loki/api/v1/query_range?start=1700000000&end=1700000060&query=";
  // A query past its deadline: Loki's 504 and text.
  options_.timeout = std::chrono::milliseconds(0);
  auto r = Get(q + Encode(R"({service_name=~".+"})"));
  EXPECT_EQ(r.status, 504);
  EXPECT_EQ(r.body.substr(0, 18), "request timed out,");
  // The client's ?timeout= applies when smaller than the server's, and must parse.
  options_.timeout = std::chrono::minutes(1);
  EXPECT_EQ(Get(q + Encode(R"({service_name=~".+"})") + "&timeout=0.000000001").status, 504);
  EXPECT_EQ(Get(q + Encode(R"({service_name=~".+"})") + "&timeout=30s").status, 200);
  EXPECT_EQ(Get(q + Encode(R"({service_name=~".+"})") + "&timeout=soon").status, 400);
  // A metric query holding more samples than max_entries: 400 naming the limit.
  options_.max_entries = 2;
  r = Get("/loki/api/v1/query?time=1700000060&query=" +
          Encode(R"(count_over_time({service_name=~".+"}[5m]))"));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("query::max_log_entries"), std::string::npos) << r.body;
  options_.max_entries = 3;
  EXPECT_EQ(Get("/loki/api/v1/query?time=1700000060&query=" +
                Encode(R"(count_over_time({service_name=~".+"}[5m]))"))
                .status,
            200);
}

}  // namespace
}  // namespace otter::query
