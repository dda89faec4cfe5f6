// The UI's /api/otter/ endpoints over a real store: RED per service and operation with edges,
// the pipeline's components with their self-metrics, and the logs of one trace.
#include "query/otter_api.h"

#include <gtest/gtest.h>

#include "component/status_hub.h"
#include "store/store_testing.h"
#include "telemetry/self_metrics.h"
#include "util/harness.h"

namespace otter::query {
namespace {

constexpr uint64_t kT0 = 1'700'000'000'000'000'000ull;  // ns
constexpr uint64_t kMs = 1'000'000ull;

pdata::SpanId SpanIdOf(uint8_t trace, uint8_t n) {
  pdata::SpanId id;
  id.bytes[0] = trace;
  id.bytes[7] = n;
  return id;
}

void AddSpan(pdata::TraceBatch& batch, std::string_view service, uint8_t trace, uint8_t n,
             uint8_t parent, std::string_view name, pdata::SpanKind kind, uint64_t start_ms,
             uint64_t dur_ms, bool error) {
  auto& rs = batch.resources().emplace_back();
  rs.resource.attributes.push_back({"service.name", pdata::AnyValue::String(service)});
  auto& s = rs.scope_spans.emplace_back().spans.emplace_back();
  s.trace_id = otter::testing::TraceIdOf(trace);
  s.span_id = SpanIdOf(trace, n);
  if (parent) s.parent_span_id = SpanIdOf(trace, parent);
  s.name = name;
  s.kind = kind;
  s.start_time_unix_nano = kT0 + start_ms * kMs;
  s.end_time_unix_nano = kT0 + (start_ms + dur_ms) * kMs;
  if (error) s.status.code = pdata::StatusCode::kError;
}

class OtterApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = otter::testing::OpenQueryTestStore(dir_.path() + "/data");
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    OtterApi::Options o;
    o.status = &hub_;
    o.metrics = &metrics_;
    o.now_ns = [] { return static_cast<int64_t>(kT0 + 60'000 * kMs); };
    api_ = std::make_unique<OtterApi>(store_->traces(), store_->metrics(), store_->logs(), o);
  }

  net::HttpResponse Get(const std::string& target) {
    net::HttpRequest r;
    r.method = "GET";
    r.target = target;
    net::HttpResponse out;
    api_->Handle(r, &out);
    return out;
  }

  otter::testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  StatusHub hub_;
  telemetry::SelfMetrics metrics_;
  std::unique_ptr<OtterApi> api_;
};

TEST_F(OtterApiTest, SummaryCountsEntrySpansErrorsAndCallsBetweenServices) {
  pdata::TraceBatch batch;
  // Three requests web → api; the third fails in api. web's client span is not an entry span.
  for (uint8_t t = 1; t <= 3; ++t) {
    AddSpan(batch, "web", t, 1, 0, "GET /", pdata::SpanKind::kServer, t * 1000, 100, false);
    AddSpan(batch, "web", t, 2, 1, "call api", pdata::SpanKind::kClient, t * 1000 + 1, 90, false);
    AddSpan(batch, "api", t, 3, 2, "Query", pdata::SpanKind::kServer, t * 1000 + 2, t * 20, t == 3);
  }
  ASSERT_TRUE(otter::testing::WriteSync(*store_, std::move(batch)).ok());
  auto r = Get("/api/otter/summary?start=" + std::to_string(kT0) +
               "&end=" + std::to_string(kT0 + 10'000 * kMs) + "&buckets=10");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body,
            "{\"start\":\"1700000000000000000\",\"end\":\"1700000010000000000\","
            "\"bucket_ns\":\"1000000000\",\"traces\":3,\"spans\":9,\"services\":["
            "{\"name\":\"api\",\"entry_spans\":true,\"count\":3,\"errors\":1,\"rate\":0.3,"
            "\"error_rate\":0.3333333333333333,\"p50\":40,\"p95\":60,\"p99\":60,\"total_ms\":120,"
            "\"spans\":3,\"spark\":[0,1,1,1,0,0,0,0,0,0],\"spark_errors\":[0,0,0,1,0,0,0,0,0,0]},"
            "{\"name\":\"web\",\"entry_spans\":true,\"count\":3,\"errors\":0,\"rate\":0.3,"
            "\"error_rate\":0,\"p50\":100,\"p95\":100,\"p99\":100,\"total_ms\":300,\"spans\":6,"
            "\"spark\":[0,1,1,1,0,0,0,0,0,0],\"spark_errors\":[0,0,0,0,0,0,0,0,0,0]}],"
            "\"operations\":["
            "{\"service\":\"web\",\"name\":\"GET /\",\"count\":3,\"errors\":0,\"rate\":0.3,"
            "\"error_rate\":0,\"p50\":100,\"p95\":100,\"p99\":100,\"total_ms\":300},"
            "{\"service\":\"api\",\"name\":\"Query\",\"count\":3,\"errors\":1,\"rate\":0.3,"
            "\"error_rate\":0.3333333333333333,\"p50\":40,\"p95\":60,\"p99\":60,\"total_ms\":120}"
            "],\"edges\":[{\"parent\":\"web\",\"child\":\"api\",\"count\":3,\"errors\":1,"
            "\"rate\":0.3,\"error_rate\":0.3333333333333333,\"mean_ms\":40}]}");
}

TEST_F(OtterApiTest, ServiceWithoutEntrySpansIsSummarisedOverAllItsSpans) {
  pdata::TraceBatch batch;
  AddSpan(batch, "web", 1, 1, 0, "GET /", pdata::SpanKind::kServer, 1000, 100, false);
  AddSpan(batch, "worker", 1, 2, 1, "poll", pdata::SpanKind::kClient, 2500, 10, true);
  ASSERT_TRUE(otter::testing::WriteSync(*store_, std::move(batch)).ok());
  auto r = Get("/api/otter/summary?start=" + std::to_string(kT0) +
               "&end=" + std::to_string(kT0 + 4'000 * kMs) + "&buckets=4");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("{\"name\":\"worker\",\"entry_spans\":false,\"count\":1,\"errors\":1,"),
            std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("\"spans\":1,\"spark\":[0,0,1,0],\"spark_errors\":[0,0,1,0]}"),
            std::string::npos)
      << r.body;
  // Its span is no operation of the top list (not an entry span); the call is an edge.
  EXPECT_EQ(r.body.find("\"name\":\"poll\""), std::string::npos);
  EXPECT_NE(r.body.find("{\"parent\":\"web\",\"child\":\"worker\",\"count\":1,\"errors\":1,"),
            std::string::npos);
}

TEST_F(OtterApiTest, ACallFailedOnTheCallersSideIsAFailedEdge) {
  pdata::TraceBatch batch;
  // web → api twice: the first answered 404 (the client span failed, the server span did not),
  // the second fine; an internal span's error in web is no failed call.
  AddSpan(batch, "web", 1, 1, 0, "GET /", pdata::SpanKind::kServer, 1000, 100, true);
  AddSpan(batch, "web", 1, 2, 1, "call api", pdata::SpanKind::kClient, 1001, 90, true);
  AddSpan(batch, "api", 1, 3, 2, "Get", pdata::SpanKind::kServer, 1002, 80, false);
  AddSpan(batch, "web", 2, 1, 0, "GET /", pdata::SpanKind::kServer, 2000, 100, false);
  AddSpan(batch, "web", 2, 2, 1, "render", pdata::SpanKind::kInternal, 2001, 90, true);
  AddSpan(batch, "api", 2, 3, 2, "Get", pdata::SpanKind::kServer, 2002, 80, false);
  ASSERT_TRUE(otter::testing::WriteSync(*store_, std::move(batch)).ok());
  auto r = Get("/api/otter/summary?start=" + std::to_string(kT0) +
               "&end=" + std::to_string(kT0 + 4'000 * kMs) + "&buckets=1");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"edges\":[{\"parent\":\"web\",\"child\":\"api\",\"count\":2,"
                        "\"errors\":1,\"rate\":0.5,\"error_rate\":0.5,"),
            std::string::npos)
      << r.body;
}

TEST_F(OtterApiTest, SummaryRejectsABadRange) {
  EXPECT_EQ(Get("/api/otter/summary?start=10&end=5").status, 400);
  EXPECT_EQ(Get("/api/otter/summary?start=x").body, "{\"error\":\"start: not an integer: x\"}");
  EXPECT_EQ(Get("/api/otter/summary?buckets=0").status, 400);
}

TEST_F(OtterApiTest, PipelineShowsTopologyStatesAndComponentCounters) {
  hub_.SetTopology({{"traces", "traces", {"receiver:otlp", "processor:batch", "exporter:store"}}},
                   {"extension:health_check"});
  hub_.SetState("receiver:otlp", ComponentState::kOk);
  hub_.SetState("exporter:store", ComponentState::kRecoverableError, "disk full");
  metrics_
      .GetCounter("otelcol_receiver_accepted_spans", "",
                  {{"receiver", "otlp"}, {"transport", "http"}})
      .Add(5);
  metrics_
      .GetCounter("otelcol_receiver_accepted_spans", "",
                  {{"receiver", "otlp"}, {"transport", "grpc"}})
      .Add(2);
  metrics_.GetCounter("otelcol_exporter_sent_spans", "", {{"exporter", "store"}}).Add(6);
  metrics_.GetCounter("otter_store_bytes_total", "", {{"exporter", "store"}}).Add(99);
  auto r = Get("/api/otter/pipeline");
  ASSERT_EQ(r.status, 200);
  // Times vary; cut each "since" out.
  std::string body = r.body;
  for (size_t at; (at = body.find("\"since\":\"")) != std::string::npos;)
    body.erase(at, body.find('"', at + 9) + 2 - at);
  EXPECT_EQ(body,
            "{\"pipelines\":[{\"name\":\"traces\",\"signal\":\"traces\",\"components\":["
            "\"receiver:otlp\",\"processor:batch\",\"exporter:store\"]}],"
            "\"extensions\":[\"extension:health_check\"],\"components\":{"
            "\"exporter:store\":{\"state\":\"StatusRecoverableError\",\"error\":\"disk full\","
            "\"metrics\":{\"sent_spans\":6}},"
            "\"processor:batch\":{\"metrics\":{}},"
            "\"receiver:otlp\":{\"state\":\"StatusOK\",\"error\":\"\","
            "\"metrics\":{\"accepted_spans\":7}}}}");
}

TEST_F(OtterApiTest, TraceLogsAreTheTracesRecordsInTimeOrder) {
  pdata::LogBatch batch;
  auto& rl = batch.resources().emplace_back();
  rl.resource.attributes.push_back({"service.name", pdata::AnyValue::String("api")});
  auto& sl = rl.scope_logs.emplace_back();
  auto add = [&](uint64_t ms, std::string_view line, uint8_t trace, uint8_t span) {
    auto& r = sl.log_records.emplace_back();
    r.time_unix_nano = kT0 + ms * kMs;
    r.body = pdata::AnyValue::String(line);
    if (trace) r.trace_id = otter::testing::TraceIdOf(trace);
    if (span) r.span_id = SpanIdOf(trace, span);
  };
  add(30, "third", 7, 2);
  add(10, "first", 7, 1);
  add(20, "other trace", 8, 1);
  add(25, "second", 7, 2);
  add(5, "no trace", 0, 0);
  ASSERT_TRUE(otter::testing::WriteSync(*store_, std::move(batch)).ok());
  std::string id = otter::testing::TraceIdOf(7).Hex();
  auto r = Get("/api/otter/traces/" + id + "/logs");
  ASSERT_EQ(r.status, 200) << r.body;
  auto lines = [](const std::string& body) {
    std::vector<std::string> out;
    for (size_t at = 0; (at = body.find("\"line\":\"", at)) != std::string::npos;) {
      at += 8;
      out.push_back(body.substr(at, body.find('"', at) - at));
    }
    return out;
  };
  EXPECT_EQ(lines(r.body), (std::vector<std::string>{"first", "second", "third"}));
  EXPECT_NE(r.body.find("\"span_id\":\"0700000000000001\""), std::string::npos) << r.body;
  auto one = Get("/api/otter/traces/" + id + "/logs?span_id=0700000000000002");
  EXPECT_EQ(lines(one.body), (std::vector<std::string>{"second", "third"}));
  auto limited = Get("/api/otter/traces/" + id + "/logs?limit=2");
  EXPECT_EQ(lines(limited.body), (std::vector<std::string>{"first", "second"}));
  EXPECT_NE(limited.body.find("\"truncated\":true"), std::string::npos);
  EXPECT_EQ(Get("/api/otter/traces/" + std::string(48, 'a') + "/logs").status, 400);
}

TEST_F(OtterApiTest, InfoSaysWhetherTheStoreIsEmpty) {
  EXPECT_EQ(Get("/api/otter/info").body,
            "{\"services\":0,\"has_logs\":false,\"has_metrics\":false,\"empty\":true,"
            "\"now\":\"1700000060000000000\"}");
  pdata::TraceBatch batch;
  AddSpan(batch, "web", 1, 1, 0, "GET /", pdata::SpanKind::kServer, 0, 1, false);
  ASSERT_TRUE(otter::testing::WriteSync(*store_, std::move(batch)).ok());
  EXPECT_NE(Get("/api/otter/info").body.find("\"services\":1,"), std::string::npos);
  EXPECT_EQ(Get("/api/otter/nope").status, 404);
}

}  // namespace
}  // namespace otter::query
