// Recorded Grafana requests (Explore, the label browser, logs volume, Logs Drilldown, the alert
// list) against the Loki API over a fixed data set written through the store's log table as
// OTLP, each with the exact answer Loki 3 gives on the same data.
#include <gtest/gtest.h>

#include "query/loki_api.h"
#include "query/loki_testing.h"
#include "store/log_table.h"

namespace otter::query {
namespace {

using loki_testing::Encode;
using loki_testing::Stats;

constexpr int64_t kSec = 1'000'000'000;
constexpr int64_t kT = 1'700'000'000 * kSec;  // 2023-11-14T22:13:20Z

constexpr std::string_view kLine1 =
    R"({"level":"error","msg":"payment failed","order":{"id":"ord-1001"},"duration":"250ms"})";
constexpr std::string_view kLine2 =
    R"({"level":"info","msg":"ok","order":{"id":"ord-1002"},"duration":"12ms"})";

pdata::LogRecord Record(int64_t t, std::string_view body) {
  pdata::LogRecord r;
  r.time_unix_nano = static_cast<uint64_t>(t);
  r.body = pdata::AnyValue::String(body);
  return r;
}

// checkout (index labels service_name, deployment_environment): two JSON lines with severity,
// trace context, a record attribute and a scope; cart: a logfmt line and a plain one; a
// resource without service.name whose k8s.container.name names the service.
void Load(store::LogTable& table) {
  pdata::LogBatch b;
  auto& checkout = b.resources().emplace_back();
  checkout.resource.attributes = {{"service.name", pdata::AnyValue::String("checkout")},
                                  {"deployment.environment", pdata::AnyValue::String("prod")},
                                  {"host.name", pdata::AnyValue::String("h1")}};
  auto& scope = checkout.scope_logs.emplace_back();
  scope.scope.name = "shop.checkout";
  scope.scope.version = "1.2.0";
  pdata::LogRecord r1 = Record(kT + 10 * kSec, kLine1);
  r1.observed_time_unix_nano = static_cast<uint64_t>(kT + 11 * kSec);
  r1.severity_text = "ERROR";
  r1.severity_number = 17;
  r1.attributes = {{"order_id", pdata::AnyValue::String("ord-1001")}};
  EXPECT_TRUE(pdata::ParseHexId("0102030405060708090a0b0c0d0e0f10", &r1.trace_id));
  EXPECT_TRUE(pdata::ParseHexId("0102030405060708", &r1.span_id));
  pdata::LogRecord r2 = Record(kT + 20 * kSec, kLine2);
  r2.severity_number = 9;
  r2.attributes = {{"order_id", pdata::AnyValue::String("ord-1002")}};
  scope.log_records = {r1, r2};
  auto& cart = b.resources().emplace_back();
  cart.resource.attributes = {{"service.name", pdata::AnyValue::String("cart")}};
  cart.scope_logs.emplace_back().log_records = {
      Record(kT + 15 * kSec, R"(level=warn msg="low stock" size=10KB)"),
      Record(kT + 70 * kSec, "cache refreshed")};
  auto& worker = b.resources().emplace_back();
  worker.resource.attributes = {{"k8s.container.name", pdata::AnyValue::String("worker")}};
  worker.scope_logs.emplace_back().log_records = {Record(kT + 30 * kSec, "DEBUG: tick")};
  table.Apply(std::move(b));
}

class LokiGrafanaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Load(table_);
    options_.now_ns = [] { return kT + 3600 * kSec; };
  }

  net::HttpResponse Get(std::string target, net::HttpHeaders headers = {}) {
    return loki_testing::Get(table_, options_, std::move(target), std::move(headers));
  }

  store::LogTable table_;
  LokiApi::Options options_;
};

std::string Escaped(std::string_view line) {
  std::string out;
  for (char c : line) {
    if (c == '"') out += '\\';
    out += c;
  }
  return out;
}

constexpr std::string_view kMetadata1 =
    R"("detected_level":"error","host_name":"h1","observed_timestamp":"1700000011000000000",)"
    R"("order_id":"ord-1001","scope_name":"shop.checkout","scope_version":"1.2.0",)"
    R"("severity_number":"17","severity_text":"ERROR","span_id":"0102030405060708",)"
    R"("trace_id":"0102030405060708090a0b0c0d0e0f10")";
constexpr std::string_view kMetadata2 =
    R"("detected_level":"info","host_name":"h1","order_id":"ord-1002",)"
    R"("scope_name":"shop.checkout","scope_version":"1.2.0","severity_number":"9")";

// Explore's logs query (Grafana 11/12 asks for categorized labels).
TEST_F(LokiGrafanaTest, ExploreLogsCategorized) {
  auto r =
      Get("/loki/api/v1/query_range?direction=backward&end=1700000100000000000&limit=1000&"
          "query=" +
              Encode(R"({service_name="checkout"})") + "&start=1700000000000000000&step=1000ms",
          {{"X-Loki-Response-Encoding-Flags", "categorize-labels"},
           {"X-Query-Tags", "Source=grafana-lokiexplore-app"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, R"({"status":"success","data":{"resultType":"streams","encodingFlags":)"
                    R"(["categorize-labels"],"result":[{"stream":{"deployment_environment":"prod",)"
                    R"("service_name":"checkout"},"values":[["1700000020000000000",")" +
                        Escaped(kLine2) + R"(",{"structuredMetadata":{)" + std::string(kMetadata2) +
                        R"(}}],["1700000010000000000",")" + Escaped(kLine1) +
                        R"(",{"structuredMetadata":{)" + std::string(kMetadata1) + R"(}}]]}],)" +
                        Stats(156, 2, 2, 2) + "}}\n");
}

// A parser stage's labels come back as "parsed"; a filter on structured metadata needs none.
TEST_F(LokiGrafanaTest, ExploreParsedAndMetadataFilter) {
  auto r = Get(
      "/loki/api/v1/query_range?direction=backward&end=1700000100000000000&limit=1000&"
      "query=" +
          Encode(R"({service_name="cart"} | logfmt | level="warn")") + "&start=1700000000000000000",
      {{"X-Loki-Response-Encoding-Flags", "categorize-labels"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body,
            R"({"status":"success","data":{"resultType":"streams","encodingFlags":)"
            R"(["categorize-labels"],"result":[{"stream":{"service_name":"cart"},"values":[)"
            R"(["1700000015000000000","level=warn msg=\"low stock\" size=10KB",)"
            R"({"structuredMetadata":{"detected_level":"warn"},"parsed":{"level":"warn",)"
            R"("msg":"low stock","size":"10KB"}}]]}],)" +
                Stats(51, 2, 1, 1) + "}}\n");
  r = Get("/loki/api/v1/query_range?limit=10&query=" +
          Encode(R"({service_name="checkout"} | order_id="ord-1001")") +
          "&start=1700000000&end=1700000100");
  ASSERT_EQ(r.status, 200) << r.body;
  // Without the flag every label is a stream label, as Loki answers older clients.
  EXPECT_EQ(r.body,
            R"({"status":"success","data":{"resultType":"streams","result":[{"stream":{)"
            R"("deployment_environment":"prod","detected_level":"error","host_name":"h1",)"
            R"("observed_timestamp":"1700000011000000000","order_id":"ord-1001",)"
            R"("scope_name":"shop.checkout","scope_version":"1.2.0","service_name":"checkout",)"
            R"("severity_number":"17","severity_text":"ERROR","span_id":"0102030405060708",)"
            R"("trace_id":"0102030405060708090a0b0c0d0e0f10"},"values":[["1700000010000000000",")" +
                Escaped(kLine1) + R"("]]}],)" + Stats(156, 2, 1, 1) + "}}\n");
}

// A parsed name that an entry's structured metadata already has gets "_extracted", as with
// stream labels: the metadata keeps its value.
TEST_F(LokiGrafanaTest, ExploreJsonParserKeepsMetadataApart) {
  auto r =
      Get("/loki/api/v1/query_range?direction=backward&limit=1&query=" +
              Encode(R"({service_name="checkout"} | json)") + "&start=1700000000&end=1700000100",
          {{"X-Loki-Response-Encoding-Flags", "categorize-labels"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, R"({"status":"success","data":{"resultType":"streams","encodingFlags":)"
                    R"(["categorize-labels"],"result":[{"stream":{"deployment_environment":"prod",)"
                    R"("service_name":"checkout"},"values":[["1700000020000000000",")" +
                        Escaped(kLine2) + R"(",{"structuredMetadata":{)" + std::string(kMetadata2) +
                        R"(},"parsed":{"duration":"12ms","level":"info","msg":"ok",)"
                        R"("order_id_extracted":"ord-1002"}}]]}],)" +
                        Stats(71, 1, 1, 1) + "}}\n");
}

// Explore's logs volume histogram (query_range, grouped by level).
TEST_F(LokiGrafanaTest, LogsVolumeByLevel) {
  auto r = Get("/loki/api/v1/query_range?direction=backward&end=1700000120&query=" +
               Encode(R"(sum by (level, detected_level) (count_over_time({service_name=~".+"} | )"
                      R"(drop __error__[1m])))") +
               "&start=1700000000&step=60");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, R"({"status":"success","data":{"resultType":"matrix","result":[)"
                    R"({"metric":{"detected_level":"debug"},"values":[[1700000060,"1"]]},)"
                    R"({"metric":{"detected_level":"error"},"values":[[1700000060,"1"]]},)"
                    R"({"metric":{"detected_level":"info"},"values":[[1700000060,"1"]]},)"
                    R"({"metric":{"detected_level":"unknown"},"values":[[1700000120,"1"]]},)"
                    R"({"metric":{"detected_level":"warn"},"values":[[1700000060,"1"]]}],)" +
                        Stats(218, 5, 0, 5) + "}}\n");
}

// The label browser: names and values, narrowed by the selector when it sends one.
TEST_F(LokiGrafanaTest, LabelBrowser) {
  const std::string range = "start=1700000000000000000&end=1700000100000000000";
  auto r = Get("/loki/api/v1/labels?" + range);
  EXPECT_EQ(r.body, R"({"status":"success","data":["deployment_environment","k8s_container_name",)"
                    R"("service_name"]})"
                    "\n");
  r = Get("/loki/api/v1/labels?" + range + "&query=" + Encode(R"({service_name="checkout"})"));
  EXPECT_EQ(r.body, R"({"status":"success","data":["deployment_environment","service_name"]})"
                    "\n");
  r = Get("/loki/api/v1/label/service_name/values?" + range);
  EXPECT_EQ(r.body, R"({"status":"success","data":["cart","checkout","worker"]})"
                    "\n");
  r = Get("/loki/api/v1/label/service_name/values?" + range +
          "&query=" + Encode(R"({deployment_environment="prod"})"));
  EXPECT_EQ(r.body, R"({"status":"success","data":["checkout"]})"
                    "\n");
  r = Get("/loki/api/v1/label/service_name/values?" + range +
          "&query=" + Encode(R"({service_name="nope"})"));
  EXPECT_EQ(r.body, R"({"status":"success"})"
                    "\n");
  r = Get("/loki/api/v1/labels?" + range + "&query=" + Encode("{service_name="));
  EXPECT_EQ(r.status, 400);
}

// Query inspector / Drilldown's index stats.
TEST_F(LokiGrafanaTest, IndexStats) {
  auto r = Get("/loki/api/v1/index/stats?query=" + Encode(R"({service_name=~".+"})") +
               "&start=1700000000000000000&end=1700000100000000000");
  EXPECT_EQ(r.body, R"({"streams":3,"chunks":3,"bytes":218,"entries":5})"
                    "\n");
  r = Get("/loki/api/v1/index/stats?query=" + Encode(R"({service_name="cart"})") +
          "&start=1700000000&end=1700000060");
  EXPECT_EQ(r.body, R"({"streams":1,"chunks":1,"bytes":36,"entries":1})"
                    "\n");
}

// Logs Drilldown's service list: index/volume with limit=5000, RFC3339 times.
TEST_F(LokiGrafanaTest, IndexVolume) {
  const std::string range = "end=2023-11-14T22%3A15%3A00.000Z&start=2023-11-14T22%3A13%3A20.000Z";
  const std::string stats = Stats(0, 0, 0, 0);
  auto r = Get("/loki/api/v1/index/volume?" + range +
               "&limit=5000&query=" + Encode(R"({service_name=~".+"})"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, R"({"status":"success","data":{"resultType":"vector","result":[)"
                    R"({"metric":{"service_name":"checkout"},"value":[1700000100,"156"]},)"
                    R"({"metric":{"service_name":"cart"},"value":[1700000100,"51"]},)"
                    R"({"metric":{"service_name":"worker"},"value":[1700000100,"11"]}],)" +
                        stats + "}}");
  r = Get("/loki/api/v1/index/volume?" + range + "&query=" + Encode(R"({service_name=~".+"})") +
          "&aggregateBy=labels");
  EXPECT_EQ(r.body, R"({"status":"success","data":{"resultType":"vector","result":[)"
                    R"({"metric":{"service_name":""},"value":[1700000100,"218"]},)"
                    R"({"metric":{"deployment_environment":""},"value":[1700000100,"156"]},)"
                    R"({"metric":{"k8s_container_name":""},"value":[1700000100,"11"]}],)" +
                        stats + "}}");
  r = Get("/loki/api/v1/index/volume?" + range + "&query=" + Encode(R"({service_name=~".+"})") +
          "&targetLabels=deployment_environment&limit=1");
  EXPECT_EQ(r.body, R"({"status":"success","data":{"resultType":"vector","result":[)"
                    R"({"metric":{"deployment_environment":"prod"},"value":[1700000100,"156"]}],)" +
                        stats + "}}");
  r = Get("/loki/api/v1/index/volume?" + range + "&query=" + Encode(R"({service_name=~".+"})") +
          "&aggregateBy=streams");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "invalid aggregation option\n");
}

// The volume histogram of the label browser / Drilldown: buckets aligned to the step, the first
// starting at `start`; a series with one bucket only makes the answer a vector, as in Loki.
TEST_F(LokiGrafanaTest, IndexVolumeRange) {
  const std::string stats = Stats(0, 0, 0, 0);
  auto r = Get("/loki/api/v1/index/volume_range?query=" + Encode(R"({service_name=~".+"})") +
               "&start=1700000000&end=1700000120&step=60");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body,
            R"({"status":"success","data":{"resultType":"matrix","result":[)"
            R"({"metric":{"service_name":"checkout"},"values":[[1700000000,"156"]]},)"
            R"({"metric":{"service_name":"cart"},"values":[[1700000000,"36"],[1700000040,"15"]]},)"
            R"({"metric":{"service_name":"worker"},"values":[[1700000000,"11"]]}],)" +
                stats + "}}");
  r = Get("/loki/api/v1/index/volume_range?query=" + Encode(R"({service_name="checkout"})") +
          "&start=1700000000&end=1700000120&step=60");
  EXPECT_EQ(r.body, R"({"status":"success","data":{"resultType":"vector","result":[)"
                    R"({"metric":{"service_name":"checkout"},"value":[1700000000,"156"]}],)" +
                        stats + "}}");
}

// Logs Drilldown's label tabs.
TEST_F(LokiGrafanaTest, DetectedLabels) {
  const std::string range = "end=2023-11-14T22%3A15%3A00.000Z&start=2023-11-14T22%3A13%3A20.000Z";
  auto r = Get("/loki/api/v1/detected_labels?" + range + "&query=",
               {{"X-Query-Tags", "Source=grafana-lokiexplore-app"}});
  EXPECT_EQ(r.body, R"({"detectedLabels":[{"label":"deployment_environment","cardinality":1},)"
                    R"({"label":"k8s_container_name","cardinality":1},)"
                    R"({"label":"service_name","cardinality":3}]})"
                    "\n");
  r = Get("/loki/api/v1/detected_labels?" + range + "&query=" + Encode(R"({service_name="nope"})"));
  EXPECT_EQ(r.body, "{}\n");
}

// Logs Drilldown's field list and a field's values (the query as its variables leave it).
TEST_F(LokiGrafanaTest, DetectedFields) {
  const std::string range = "end=2023-11-14T22%3A15%3A00.000Z&start=2023-11-14T22%3A13%3A20.000Z";
  auto r = Get("/loki/api/v1/detected_fields?" + range +
               "&query=" + Encode(R"({service_name="checkout"}      )"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(
      r.body,
      R"({"fields":[)"
      R"({"label":"detected_level","type":"string","cardinality":2,"parsers":null},)"
      R"({"label":"duration","type":"duration","cardinality":2,"parsers":["json"],)"
      R"("jsonPath":["duration"]},)"
      R"({"label":"host_name","type":"string","cardinality":1,"parsers":null},)"
      R"({"label":"level","type":"string","cardinality":2,"parsers":["json"],"jsonPath":["level"]},)"
      R"({"label":"msg","type":"string","cardinality":2,"parsers":["json"],"jsonPath":["msg"]},)"
      R"({"label":"observed_timestamp","type":"int","cardinality":1,"parsers":null},)"
      R"({"label":"order_id","type":"string","cardinality":2,"parsers":["json"],)"
      R"("jsonPath":["order","id"]},)"
      R"({"label":"scope_name","type":"string","cardinality":1,"parsers":null},)"
      R"({"label":"scope_version","type":"string","cardinality":1,"parsers":null},)"
      R"({"label":"severity_number","type":"int","cardinality":2,"parsers":null},)"
      R"({"label":"severity_text","type":"string","cardinality":1,"parsers":null},)"
      R"({"label":"span_id","type":"int","cardinality":1,"parsers":null},)"
      R"({"label":"trace_id","type":"string","cardinality":1,"parsers":null}],"limit":1000})"
      "\n");
  r = Get("/loki/api/v1/detected_fields?" + range + "&query=" + Encode(R"({service_name="cart"})") +
          "&limit=2");
  EXPECT_EQ(r.body, R"({"fields":[)"
                    R"({"label":"detected_level","type":"string","cardinality":2,"parsers":null},)"
                    R"({"label":"level","type":"string","cardinality":1,"parsers":["logfmt"]}],)"
                    R"("limit":2})"
                    "\n");
  r = Get("/loki/api/v1/detected_field/order_id/values?" + range +
          "&query=" + Encode(R"({service_name="checkout"})"));
  EXPECT_EQ(r.body, R"({"values":["ord-1001","ord-1002"],"limit":1000})"
                    "\n");
  r = Get("/loki/api/v1/detected_field/nope/values?" + range +
          "&query=" + Encode(R"({service_name="checkout"})"));
  EXPECT_EQ(r.body, "{}\n");
  r = Get("/loki/api/v1/detected_fields?" + range +
          "&query=" + Encode(R"(sum(count_over_time({service_name="checkout"}[1m])))"));
  EXPECT_EQ(r.status, 400);
}

// Grafana's alert list asks the Loki ruler; with no rules it must see an empty list.
TEST_F(LokiGrafanaTest, RulesWithoutRules) {
  auto r = Get("/prometheus/api/v1/rules");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers[0].second, "application/json");
  EXPECT_EQ(r.body, R"({"status":"success","data":{"groups":[]},"errorType":"","error":""})");
  r = Get("/prometheus/api/v1/rules?type=alert");
  EXPECT_EQ(r.body, R"({"status":"success","data":{"groups":[]},"errorType":"","error":""})");
  r = Get("/prometheus/api/v1/rules?type=bogus");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, R"({"status":"error","data":null,"errorType":"bad_data",)"
                    R"("error":"not supported value \"bogus\""})");
  r = Get("/prometheus/api/v1/alerts");
  EXPECT_EQ(r.body, R"({"status":"success","data":{"alerts":[]},"errorType":"","error":""})");
  r = Get("/loki/api/v1/rules");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "no rule groups found\n");
  r = Get("/loki/api/v1/rules/team-a");
  EXPECT_EQ(r.status, 404);
}

}  // namespace
}  // namespace otter::query
