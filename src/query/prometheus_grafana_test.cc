// The requests Grafana's Prometheus data source sends (start-up probes, the metrics and label
// browsers, panel queries as its backend posts them), answered over data written through the
// store, each with the exact body Prometheus gives on the same series.
#include <gtest/gtest.h>

#include <string>

#include "query/prometheus_api.h"
#include "store/store.h"
#include "store/store_testing.h"
#include "util/harness.h"

namespace otter::query {
namespace {

constexpr uint64_t kT0 = 1'700'000'000'000'000'000ull;  // 2023-11-14T22:13:20Z
constexpr uint64_t kSecond = 1'000'000'000ull;

// http.requests (cumulative, monotonic) of service "checkout", status 200 and 500, every 15 s:
// 10, 25, 40, 55 (status 200) and 1, 1, 2, 2 (status 500).
pdata::MetricBatch Requests(int i) {
  pdata::MetricBatch b;
  auto& rm = b.resources().emplace_back();
  rm.resource.attributes.push_back({"service.name", pdata::AnyValue::String("checkout")});
  auto& m = rm.scope_metrics.emplace_back().metrics.emplace_back();
  m.name = "http.requests";
  m.description = "Requests served.";
  m.type = pdata::MetricType::kSum;
  m.is_monotonic = true;
  m.temporality = pdata::AggregationTemporality::kCumulative;
  for (auto [status, value] : {std::pair{"200", 10 + 15 * i}, std::pair{"500", 1 + i / 2}}) {
    auto& p = m.number_points.emplace_back();
    p.time_unix_nano = kT0 + static_cast<uint64_t>(i) * 15 * kSecond;
    p.value_type = pdata::NumberDataPoint::ValueType::kInt;
    p.as_int = value;
    p.attributes.push_back({"status", pdata::AnyValue::String(status)});
  }
  return b;
}

class PrometheusGrafanaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = otter::testing::OpenQueryTestStore(dir_.path() + "/data");
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    for (int i = 0; i < 4; ++i) ASSERT_TRUE(otter::testing::WriteSync(*store_, Requests(i)).ok());
    PrometheusApi::Options options;
    options.now = [] { return int64_t{1700000060000}; };
    api_ = std::make_unique<PrometheusApi>(store_->metrics(), options);
  }

  net::HttpResponse Send(const std::string& method, const std::string& target,
                         const std::string& form = "") {
    net::HttpRequest req;
    req.method = method;
    req.target = target;
    if (method == "POST")
      req.headers.push_back({"Content-Type", "application/x-www-form-urlencoded"});
    req.body = form;
    net::HttpResponse resp;
    api_->Handle(req, &resp);
    return resp;
  }
  std::string Body(const std::string& method, const std::string& target,
                   const std::string& form = "") {
    auto r = Send(method, target, form);
    EXPECT_EQ(r.status, 200) << target << " " << r.body;
    return r.body;
  }

  otter::testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<PrometheusApi> api_;
};

// What Grafana asks when a data source is saved, opened in Explore or used by alerting.
TEST_F(PrometheusGrafanaTest, StartupProbes) {
  EXPECT_EQ(Body("GET", "/api/v1/status/buildinfo"),
            R"({"status":"success","data":{"version":"3.0.0","revision":"","branch":"",)"
            R"("buildUser":"","buildDate":"","goVersion":"","application":"otter",)"
            R"("applicationVersion":"0.1.0"}})");
  EXPECT_EQ(Body("GET", "/api/v1/rules"), R"({"status":"success","data":{"groups":[]}})");
  EXPECT_EQ(Body("GET", "/api/v1/alerts"), R"({"status":"success","data":{"alerts":[]}})");
  // "Save & test" runs an instant query of 1+1.
  EXPECT_EQ(Body("POST", "/api/v1/query", "query=1%2B1&time=1700000060"),
            R"({"status":"success","data":{"resultType":"scalar","result":[1700000060,"2"]}})");
  // areExemplarsAvailable(): start/end in milliseconds.
  EXPECT_EQ(Body("GET", "/api/v1/query_exemplars?query=test&start=1700000000000&end=1700001800000"),
            R"({"status":"success","data":[]})");
}

// The metrics browser and label filters (language provider), start/end in seconds.
TEST_F(PrometheusGrafanaTest, MetricsAndLabelBrowser) {
  const std::string range = "start=1699999800&end=1700000100";
  EXPECT_EQ(Body("GET", "/api/v1/label/__name__/values?" + range),
            R"({"status":"success","data":["http_requests_total"]})");
  EXPECT_EQ(Body("GET", "/api/v1/labels?" + range),
            R"({"status":"success","data":["__name__","job","status"]})");
  EXPECT_EQ(Body("POST", "/api/v1/labels",
                 "match%5B%5D=http_requests_total%7Bstatus%3D%22500%22%7D&" + range),
            R"({"status":"success","data":["__name__","job","status"]})");
  EXPECT_EQ(Body("GET", "/api/v1/label/status/values?match%5B%5D=http_requests_total&" + range),
            R"({"status":"success","data":["200","500"]})");
  EXPECT_EQ(
      Body("POST", "/api/v1/series",
           "match%5B%5D=%7B__name__%3D%22http_requests_total%22%2Cstatus%3D%22200%22%7D&" + range),
      R"({"status":"success","data":[{"__name__":"http_requests_total","job":"checkout",)"
      R"("status":"200"}]})");
  EXPECT_EQ(Body("GET", "/api/v1/metadata"),
            R"({"status":"success","data":{"http_requests_total":[{"type":"counter",)"
            R"("help":"Requests served.","unit":""}]}})");
  // A window before the data has no names.
  EXPECT_EQ(Body("GET", "/api/v1/label/__name__/values?start=1600000000&end=1600000100"),
            R"({"status":"success","data":[]})");
}

// Panel queries as Grafana's backend posts them (form body, seconds). Timestamps keep three
// decimals when they have a fraction, as Prometheus writes them.
TEST_F(PrometheusGrafanaTest, PanelQueries) {
  EXPECT_EQ(Body("POST", "/api/v1/query_range",
                 "query=sum+by+%28status%29+%28http_requests_total%29&start=1700000000&end="
                 "1700000045&step=15"),
            R"({"status":"success","data":{"resultType":"matrix","result":[)"
            R"({"metric":{"status":"200"},"values":[[1700000000,"10"],[1700000015,"25"],)"
            R"([1700000030,"40"],[1700000045,"55"]]},)"
            R"({"metric":{"status":"500"},"values":[[1700000000,"1"],[1700000015,"1"],)"
            R"([1700000030,"2"],[1700000045,"2"]]}]}})");
  EXPECT_EQ(Body("POST", "/api/v1/query",
                 "query=http_requests_total%7Bstatus%3D%22500%22%7D&time=1700000050.5"),
            R"({"status":"success","data":{"resultType":"vector","result":[)"
            R"({"metric":{"__name__":"http_requests_total","job":"checkout","status":"500"},)"
            R"("value":[1700000050.500,"2"]}]}})");
  auto r = Send("POST", "/api/v1/query_range", "query=up&start=1700000000&end=1700000045");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, R"({"status":"error","errorType":"bad_data","error":"invalid parameter )"
                    R"(\"step\": cannot parse \"\" to a valid duration"})");
}

}  // namespace
}  // namespace otter::query
