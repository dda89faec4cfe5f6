// Jaeger's api_v3 over the real store: the requests Jaeger UI 2.x (its v3 client:
// services, operations, trace-summaries) and Grafana's Jaeger data source (v1 and /api/v3)
// send, each with the exact response Jaeger 2 gives on the same data.
#include <gtest/gtest.h>

#include <string>

#include "query/jaeger_api.h"
#include "store/store.h"
#include "store/store_testing.h"
#include "util/harness.h"

namespace otter::query {
namespace {

using pdata::AnyValue;

constexpr uint64_t kT0 = 1700000000000000000;  // 2023-11-14T22:13:20Z
constexpr uint64_t kMs = 1000000;

std::string Header(const net::HttpResponse& r, std::string_view name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return "";
}

pdata::TraceId IdOf(uint8_t last) {
  pdata::TraceId id;
  id.bytes[0] = 0xa0;
  id.bytes[15] = last;
  return id;
}
pdata::SpanId SpanOf(uint8_t last) {
  pdata::SpanId id;
  id.bytes[7] = last;
  return id;
}

pdata::Span MakeSpan(uint8_t trace, uint8_t id, uint8_t parent, std::string_view name,
                     pdata::SpanKind kind, uint64_t start, uint64_t end) {
  pdata::Span s;
  s.trace_id = IdOf(trace);
  s.span_id = SpanOf(id);
  if (parent) s.parent_span_id = SpanOf(parent);
  s.name = name;
  s.kind = kind;
  s.start_time_unix_nano = start;
  s.end_time_unix_nano = end;
  return s;
}

pdata::ResourceSpans& AddResource(pdata::TraceBatch& b, std::string_view service) {
  auto& rs = b.resources().emplace_back();
  rs.resource.attributes.push_back({"service.name", AnyValue::String(service)});
  return rs;
}

// Trace 1: frontend "GET /checkout" (server, 10 ms) -> backend "SELECT orders" (client, ERROR,
// db.system=postgres, 5 ms) -> backend "query" (unspecified kind, 1 ms).
pdata::TraceBatch Checkout() {
  pdata::TraceBatch b;
  pdata::Span root =
      MakeSpan(1, 1, 0, "GET /checkout", pdata::SpanKind::kServer, kT0, kT0 + 10 * kMs);
  root.attributes.push_back({"http.method", AnyValue::String("GET")});
  AddResource(b, "frontend").scope_spans.emplace_back().spans.push_back(root);
  pdata::Span select =
      MakeSpan(1, 2, 1, "SELECT orders", pdata::SpanKind::kClient, kT0 + 2 * kMs, kT0 + 7 * kMs);
  select.attributes.push_back({"db.system", AnyValue::String("postgres")});
  select.status.code = pdata::StatusCode::kError;
  auto& scope = AddResource(b, "backend").scope_spans.emplace_back();
  scope.spans.push_back(select);
  scope.spans.push_back(
      MakeSpan(1, 3, 2, "query", pdata::SpanKind::kUnspecified, kT0 + 3 * kMs, kT0 + 4 * kMs));
  return b;
}

// Trace 2, a second later: frontend "GET /health" (1 ms) and an orphan "late" whose parent
// was never received.
pdata::TraceBatch Health() {
  pdata::TraceBatch b;
  auto& scope = AddResource(b, "frontend").scope_spans.emplace_back();
  scope.spans.push_back(MakeSpan(2, 4, 0, "GET /health", pdata::SpanKind::kServer, kT0 + 1000 * kMs,
                                 kT0 + 1001 * kMs));
  scope.spans.push_back(
      MakeSpan(2, 5, 9, "late", pdata::SpanKind::kInternal, kT0 + 1002 * kMs, kT0 + 1003 * kMs));
  return b;
}

class JaegerApiV3Test : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = otter::testing::OpenQueryTestStore(dir_.path() + "/data");
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    ASSERT_TRUE(otter::testing::WriteSync(*store_, Checkout()).ok());
    ASSERT_TRUE(otter::testing::WriteSync(*store_, Health()).ok());
    JaegerApiOptions options;
    options.now_ns = [] { return static_cast<int64_t>(kT0 + 60000 * kMs); };
    api_ = std::make_unique<JaegerApi>(store_->traces(), options);
  }

  net::HttpResponse Get(const std::string& target, const std::string& method = "GET",
                        const std::string& body = "") {
    net::HttpRequest req;
    req.method = method;
    req.target = target;
    req.body = body;
    net::HttpResponse resp;
    api_->Handle(req, &resp);
    return resp;
  }

  // The body Go's http.Error writes for api_v3's GRPCGatewayError.
  static std::string V3Error(int code, const std::string& escaped_message) {
    return R"({"error":{"httpCode":)" + std::to_string(code) + R"(,"message":")" + escaped_message +
           "\"}}\n";
  }

  otter::testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<JaegerApi> api_;
};

constexpr char kSummaryCheckout[] =
    R"({"traceId":"a0000000000000000000000000000001","rootServiceName":"frontend",)"
    R"("rootOperationName":"GET /checkout","minStartTimeUnixNano":"1700000000000000000",)"
    R"("maxEndTimeUnixNano":"1700000000010000000","spanCount":3,"errorSpanCount":1,)"
    R"("services":[{"name":"backend","spanCount":2,"errorSpanCount":1},)"
    R"({"name":"frontend","spanCount":1}]})";
constexpr char kSummaryHealth[] =
    R"({"traceId":"a0000000000000000000000000000002","rootServiceName":"frontend",)"
    R"("rootOperationName":"GET /health","minStartTimeUnixNano":"1700000001000000000",)"
    R"("maxEndTimeUnixNano":"1700000001003000000","spanCount":2,"orphanSpanCount":1,)"
    R"("services":[{"name":"frontend","spanCount":2}]})";

// Trace 2 as OTLP/JSON. (Jaeger's pdata marshaler also writes empty "scope":{} and
// "status":{} objects; otter's encoder leaves empty messages out, which OTLP/JSON readers treat
// alike.)
constexpr char kHealthOtlp[] =
    R"({"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":)"
    R"({"stringValue":"frontend"}}]},"scopeSpans":[{"spans":[)"
    R"({"traceId":"a0000000000000000000000000000002","spanId":"0000000000000004",)"
    R"("name":"GET /health","kind":2,"startTimeUnixNano":"1700000001000000000",)"
    R"("endTimeUnixNano":"1700000001001000000"},)"
    R"({"traceId":"a0000000000000000000000000000002","spanId":"0000000000000005",)"
    R"("parentSpanId":"0000000000000009","name":"late","kind":1,)"
    R"("startTimeUnixNano":"1700000001002000000","endTimeUnixNano":"1700000001003000000"}]}]}]})";

TEST_F(JaegerApiV3Test, JaegerUiServicesAndOperations) {
  auto r = Get("/api/v3/services");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Header(r, "Content-Type"), "application/json");
  EXPECT_EQ(r.body, R"({"services":["backend","frontend"]})");
  // Unspecified kind is listed as "internal": the UI's schema requires spanKind.
  r = Get("/api/v3/operations?service=backend");
  EXPECT_EQ(r.body, R"({"operations":[{"name":"SELECT orders","spanKind":"client"},)"
                    R"({"name":"query","spanKind":"internal"}]})");
  EXPECT_EQ(Get("/api/v3/operations?service=frontend&spanKind=server").body,
            R"({"operations":[{"name":"GET /checkout","spanKind":"server"},)"
            R"({"name":"GET /health","spanKind":"server"}]})");
  EXPECT_EQ(Get("/api/v3/operations?service=frontend&span_kind=client").body,
            R"({"operations":[]})");
}

TEST_F(JaegerApiV3Test, JaegerUiTraceSummaries) {
  // As the UI's URLSearchParams encodes its search form (times from Date.toISOString()).
  const std::string window =
      "query.startTimeMin=2023-11-14T21%3A13%3A20.000Z&query.startTimeMax=2023-11-14T22%3A14%3A20."
      "000Z";
  auto r =
      Get("/api/v3/trace-summaries?query.serviceName=frontend&" + window + "&query.searchDepth=20");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Header(r, "Content-Type"), "application/json");
  EXPECT_EQ(r.body,
            std::string(R"({"summaries":[)") + kSummaryHealth + "," + kSummaryCheckout + "]}");
  // Operation, attributes and a minimum duration narrow it to the checkout trace.
  r = Get("/api/v3/trace-summaries?query.serviceName=backend&query.operationName=SELECT+orders&" +
          window + "&query.searchDepth=20&query.durationMin=2ms" +
          "&query.attributes=%7B%22db.system%22%3A%22postgres%22%7D");
  EXPECT_EQ(r.body, std::string(R"({"summaries":[)") + kSummaryCheckout + "]}");
  // "All services": the UI leaves the service out.
  r = Get("/api/v3/trace-summaries?" + window + "&query.durationMax=1500us");
  EXPECT_EQ(r.body,
            std::string(R"({"summaries":[)") + kSummaryHealth + "," + kSummaryCheckout + "]}");
  r = Get("/api/v3/trace-summaries?query.serviceName=frontend&" + window + "&query.searchDepth=1");
  EXPECT_EQ(r.body, std::string(R"({"summaries":[)") + kSummaryHealth + "]}");
  r = Get("/api/v3/trace-summaries?query.serviceName=nobody&" + window);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"summaries":[]})");
}

TEST_F(JaegerApiV3Test, GrafanaSearchAndTraceById) {
  // Grafana's v3 search: snake_case names, times appended unencoded.
  auto r =
      Get("/api/v3/traces?query.operation_name=GET+%2Fhealth&query.service_name=frontend"
          "&query.start_time_min=2023-11-14T21:13:20Z&query.start_time_max=2023-11-14T22:14:20Z");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, std::string(R"({"result":)") + kHealthOtlp + "}");
  r =
      Get("/api/v3/traces/a0000000000000000000000000000002"
          "?start_time=2023-11-14T21:13:20Z&end_time=2023-11-14T22:14:20Z");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, std::string(R"({"result":)") + kHealthOtlp + "}");
  // The same id in URL-safe and standard base64.
  EXPECT_EQ(Get("/api/v3/traces/oAAAAAAAAAAAAAAAAAAAAg").body, r.body);
  EXPECT_EQ(Get("/api/v3/traces/oAAAAAAAAAAAAAAAAAAAAg%3D%3D").body, r.body);
  // Both traces in one TracesData: the newest's resources first.
  r =
      Get("/api/v3/traces?query.serviceName=frontend&query.startTimeMin=2023-11-14T21:13:20Z"
          "&query.startTimeMax=2023-11-14T22:14:20Z&query.rawTraces=true");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body.rfind(std::string(R"({"result":{"resourceSpans":[)") +
                             std::string(kHealthOtlp).substr(18, 100),
                         0),
            0u)
      << r.body;
  EXPECT_NE(r.body.find("GET /checkout"), std::string::npos);
}

TEST_F(JaegerApiV3Test, NotFoundAndErrors) {
  auto r = Get("/api/v3/traces/a0000000000000000000000000000003");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(Header(r, "Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(r.body, V3Error(404, "No traces found"));
  r =
      Get("/api/v3/traces?query.serviceName=nobody&query.startTimeMin=2023-11-14T21:13:20Z"
          "&query.startTimeMax=2023-11-14T22:14:20Z");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, V3Error(404, "No traces found"));

  struct Case {
    std::string target;
    std::string message;
  };
  const std::string window =
      "&query.startTimeMin=2023-11-14T21:13:20Z&query.startTimeMax=2023-11-14T22:14:20Z";
  const Case cases[] = {
      {"/api/v3/trace-summaries", "query.startTimeMin and query.startTimeMax are required"},
      {"/api/v3/traces?query.startTimeMin=2023-11-14T21:13:20Z",
       "query.startTimeMin and query.startTimeMax are required"},
      {"/api/v3/traces?query.startTimeMin=yesterday&query.startTimeMax=2023-11-14T22:14:20Z",
       R"(malformed parameter query.startTimeMin: parsing time \"yesterday\" as )"
       R"(\"2006-01-02T15:04:05.999999999Z07:00\": cannot parse \"yesterday\" as \"2006\")"},
      {"/api/v3/traces?query.start_time_min=2023-11-14&query.startTimeMax=2023-11-14T22:14:20Z",
       R"(malformed parameter query.start_time_min: parsing time \"2023-11-14\" as )"
       R"(\"2006-01-02T15:04:05.999999999Z07:00\": cannot parse \"\" as \"T\")"},
      {"/api/v3/traces?query.startTimeMin=2023-11-14T21:13:20Z"
       "&query.startTimeMax=2023-13-14T22:14:20Z",
       R"(malformed parameter query.startTimeMax: parsing time \"2023-13-14T22:14:20Z\": )"
       R"(month out of range)"},
      {"/api/v3/traces?query.startTimeMin=2023-11-14T22:14:20Z"
       "&query.startTimeMax=2023-11-14T22:14:20Z",
       "query.startTimeMin must be before query.startTimeMax"},
      {"/api/v3/traces?query.searchDepth=ten" + window,
       R"(malformed parameter query.searchDepth: strconv.Atoi: parsing \"ten\": invalid syntax)"},
      {"/api/v3/traces?query.num_traces=0" + window,
       "malformed parameter query.num_traces: search depth must be greater than 0"},
      {"/api/v3/traces?query.duration_min=5" + window,
       R"(malformed parameter query.duration_min: time: missing unit in duration \"5\")"},
      {"/api/v3/trace-summaries?query.rawTraces=yes" + window,
       R"(malformed parameter query.rawTraces: strconv.ParseBool: parsing \"yes\": invalid syntax)"},
      {"/api/v3/traces?query.attributes=%5B%5D" + window,
       "malformed parameter query.attributes: json: cannot unmarshal array into Go value of "
       "type map[string]string"},
      {"/api/v3/traces?query.filter=%7B%7D" + window,
       R"(the structured query filter is disabled: enable the )"
       R"(\"jaeger.query.structuredFilters\" feature gate to use it)"},
      {"/api/v3/traces/xyz", R"(malformed parameter trace_id: strconv.ParseUint: parsing )"
                             R"(\"xyz\": invalid syntax)"},
      {"/api/v3/traces/a0000000000000000000000000000002?startTime=noon",
       R"(malformed parameter startTime: parsing time \"noon\" as )"
       R"(\"2006-01-02T15:04:05.999999999Z07:00\": cannot parse \"noon\" as \"2006\")"},
      {"/api/v3/traces/a0000000000000000000000000000002?raw_traces=2",
       R"(malformed parameter raw_traces: strconv.ParseBool: parsing \"2\": invalid syntax)"},
  };
  for (const Case& c : cases) {
    r = Get(c.target);
    EXPECT_EQ(r.status, 400) << c.target;
    EXPECT_EQ(r.body, V3Error(400, c.message)) << c.target;
  }
  r = Get("/api/v3/services", "POST");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.body, "Method Not Allowed\n");
  EXPECT_EQ(Header(r, "Allow"), "GET, HEAD");
  EXPECT_FALSE(api_->Handles("/api/v3/nothing"));
}

// Jaeger UI's and Grafana's v1 calls on the same data (search and trace JSON are covered in
// jaeger_api_test.cc).
TEST_F(JaegerApiV3Test, V1CatalogueUnchanged) {
  EXPECT_EQ(Get("/api/services").body,
            R"({"data":["backend","frontend"],"total":2,"limit":0,"offset":0,"errors":null})"
            "\n");
  EXPECT_EQ(Get("/api/services/backend/operations").body,
            R"({"data":["SELECT orders","query"],"total":2,"limit":0,"offset":0,"errors":null})"
            "\n");
  EXPECT_EQ(Get("/api/operations?service=frontend&spanKind=server").body,
            R"({"data":[{"name":"GET /checkout","spanKind":"server"},{"name":"GET /health",)"
            R"("spanKind":"server"}],"total":2,"limit":0,"offset":0,"errors":null})"
            "\n");
  EXPECT_EQ(Get("/api/dependencies?endTs=1700000060000&lookback=604800000").body,
            R"({"data":[{"parent":"frontend","child":"backend","callCount":1}],"total":0,)"
            R"("limit":0,"offset":0,"errors":null})"
            "\n");
}

// Jaeger UI's trace view (fetchTrace) and Grafana's v1 search (no start/end: the last hour).
TEST_F(JaegerApiV3Test, V1TraceAndSearch) {
  auto trace = Get("/api/traces/a0000000000000000000000000000002");
  EXPECT_EQ(trace.status, 200);
  EXPECT_EQ(trace.body,
            R"({"data":[{"traceID":"a0000000000000000000000000000002","spans":[)"
            R"({"traceID":"a0000000000000000000000000000002","spanID":"0000000000000004",)"
            R"("operationName":"GET /health","references":[],"startTime":1700000001000000,)"
            R"("duration":1000,"tags":[{"key":"span.kind","type":"string","value":"server"}],)"
            R"("logs":[],"processID":"p1","warnings":null},)"
            R"({"traceID":"a0000000000000000000000000000002","spanID":"0000000000000005",)"
            R"("operationName":"late","references":[{"refType":"CHILD_OF",)"
            R"("traceID":"a0000000000000000000000000000002","spanID":"0000000000000009"}],)"
            R"("startTime":1700000001002000,"duration":1000,"tags":[{"key":"span.kind",)"
            R"("type":"string","value":"internal"}],"logs":[],"processID":"p1","warnings":null}],)"
            R"("processes":{"p1":{"serviceName":"frontend","tags":[]}},"warnings":null}],)"
            R"("total":0,"limit":0,"offset":0,"errors":null})"
            "\n");
  auto search = Get("/api/traces?limit=20&operation=GET+%2Fhealth&service=frontend");
  EXPECT_EQ(search.status, 200);
  EXPECT_EQ(search.body, trace.body);
}

// Jaeger UI's upload of an OTLP/JSON file: the same UI traces the query API gives for the data.
TEST_F(JaegerApiV3Test, V1TransformOtlp) {
  auto r = Get("/api/transform", "POST", kHealthOtlp);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, Get("/api/traces/a0000000000000000000000000000002").body);
  // Both traces, their resources in one TracesData: one UI trace each, in order of appearance.
  auto both =
      Get("/api/v3/traces?query.startTimeMin=2023-11-14T21:13:20Z"
          "&query.startTimeMax=2023-11-14T22:14:20Z");
  ASSERT_EQ(both.status, 200);
  std::string otlp = both.body.substr(10, both.body.size() - 11);  // inside {"result":...}
  r = Get("/api/transform", "POST", otlp);
  EXPECT_EQ(r.status, 200);
  auto search = Get("/api/traces?service=frontend&start=1700000000000000&end=1700000060000000");
  EXPECT_NE(search.body.find("GET /checkout"), std::string::npos);
  EXPECT_EQ(r.body, search.body);
  r = Get("/api/transform", "POST", "{\"resourceSpans\":7}");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body.rfind(R"({"data":null,"total":0,"limit":0,"offset":0,"errors":[{"code":400,)"
                         R"("msg":"cannot unmarshal OTLP : )",
                         0),
            0u)
      << r.body;
  EXPECT_EQ(Get("/api/transform").status, 405);
}

}  // namespace
}  // namespace otter::query
