#include "exporters/elasticsearch/exporter.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "exporters/exporterhelper/fake_backend.h"
#include "exporters/exporterhelper/testing.h"

namespace otter::elasticsearch_exporter {
namespace {

using exporterhelper::testing::Answer;
using exporterhelper::testing::FakeBackend;
using exporterhelper::testing::Respond;
using exporterhelper::testing::TestContext;
using pdata::AnyValue;
using namespace std::chrono_literals;

pdata::LogBatch Logs(int n) {
  pdata::LogBatch b;
  auto& sl = b.resources().emplace_back().scope_logs.emplace_back();
  for (int i = 0; i < n; ++i) {
    auto& r = sl.log_records.emplace_back();
    r.time_unix_nano = 1'700'000'000'000'000'000ull + i;
    r.body = AnyValue::String(b.arenas().Copy("line " + std::to_string(i)));
  }
  return b;
}

ElasticsearchExporterConfig Config(const FakeBackend& es) {
  ElasticsearchExporterConfig cfg;
  cfg.endpoint = es.url();
  cfg.logs_index = "app";
  cfg.flush.bytes = 1;  // every batch is a bulk request of its own
  cfg.sending_queue.wait_for_result = true;
  cfg.retry.initial_interval = 1ms;
  cfg.retry.max_interval = 1ms;
  return cfg;
}

// The source lines of an NDJSON body.
std::vector<std::string> Sources(const std::string& ndjson) {
  std::vector<std::string> out;
  size_t at = 0;
  for (int line = 0; at < ndjson.size(); ++line) {
    size_t nl = ndjson.find('\n', at);
    if (line % 2) out.push_back(ndjson.substr(at, nl - at));
    at = nl + 1;
  }
  return out;
}

constexpr const char* kAllIndexed = R"({"took":1,"errors":false,"items":[]})";

TEST(ElasticsearchExporterTest, BulkRequestShapeAndAuth) {
  FakeBackend es;
  es.Script({Respond(200, kAllIndexed), Respond(200, kAllIndexed)});
  TestContext t{{"elasticsearch", ""}};
  auto cfg = Config(es);
  cfg.endpoint = es.url() + "/";
  cfg.api_key = "a2V5OnNlY3JldA==";
  cfg.pipeline = "geo ip";
  cfg.headers = {{"X-Tenant", "t1"}};
  cfg.mapping.mode = "none";
  auto e = CreateExporter(t.ctx(), cfg);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  Answer a;
  (*e)->consumers().logs->Consume(Logs(2), a.done());
  ASSERT_TRUE(a.get().ok());
  auto reqs = es.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[0].target, "/_bulk?pipeline=geo%20ip");
  EXPECT_EQ(reqs[0].Header("Content-Type"), "application/x-ndjson");
  EXPECT_EQ(reqs[0].Header("Authorization"), "ApiKey a2V5OnNlY3JldA==");
  EXPECT_EQ(reqs[0].Header("X-Tenant"), "t1");
  EXPECT_EQ(reqs[0].body,
            "{\"create\":{\"_index\":\"app\"}}\n"
            "{\"@timestamp\":\"2023-11-14T22:13:20.000000000Z\",\"Body\":\"line 0\","
            "\"Scope.name\":\"\",\"Scope.version\":\"\",\"SeverityNumber\":0,\"TraceFlags\":0}\n"
            "{\"create\":{\"_index\":\"app\"}}\n"
            "{\"@timestamp\":\"2023-11-14T22:13:20.000000001Z\",\"Body\":\"line 1\","
            "\"Scope.name\":\"\",\"Scope.version\":\"\",\"SeverityNumber\":0,\"TraceFlags\":0}\n");
  EXPECT_EQ(t.Counter("sent", "log_records"), 2);

  cfg.api_key.clear();
  cfg.user = "elastic";
  cfg.password = "changeme";
  auto basic = CreateExporter(t.ctx(), cfg);
  ASSERT_TRUE(basic.ok());
  Answer b;
  (*basic)->consumers().logs->Consume(Logs(1), b.done());
  ASSERT_TRUE(b.get().ok());
  EXPECT_EQ(es.requests().back().Header("Authorization"), "Basic ZWxhc3RpYzpjaGFuZ2VtZQ==");
}

// 3 documents: one indexed, one rejected (400), one throttled (429). Only the throttled one is
// sent again; the rejected one is counted and logged, the rest delivered.
TEST(ElasticsearchExporterTest, RetriesOnlyRetryableDocumentsAndCountsRejected) {
  FakeBackend es;
  es.Script(
      {Respond(200,
               R"({"errors":true,"items":[{"create":{"status":201}},)"
               R"({"create":{"status":400,"error":{"type":"mapper_parsing_exception",)"
               R"("reason":"failed to parse field [x]"}}},)"
               R"({"create":{"status":429,"error":{"type":"es_rejected_execution_exception"}}}]})"),
       Respond(200, R"({"errors":false,"items":[{"create":{"status":201}}]})")});
  TestContext t{{"elasticsearch", ""}};
  auto e = CreateExporter(t.ctx(), Config(es));
  ASSERT_TRUE(e.ok());
  Answer a;
  (*e)->consumers().logs->Consume(Logs(3), a.done());
  Status s = a.get();
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(s.rejected_items(), 1u);
  auto reqs = es.requests();
  ASSERT_EQ(reqs.size(), 2u);
  ASSERT_EQ(Sources(reqs[0].body).size(), 3u);
  EXPECT_EQ(reqs[1].body, "{\"create\":{\"_index\":\"app\"}}\n" + Sources(reqs[0].body)[2] + "\n");
  EXPECT_EQ(t.Counter("sent", "log_records"), 2);
  EXPECT_EQ(t.Counter("send_failed", "log_records"), 1);
  telemetry::Labels l = {{"exporter", "elasticsearch"}};
  EXPECT_EQ(t.metrics().Value("otter_exporter_elasticsearch_documents_indexed_total", l), 2);
  EXPECT_EQ(t.metrics().Value("otter_exporter_elasticsearch_documents_rejected_total", l), 1);
  EXPECT_EQ(t.metrics().Value("otter_exporter_elasticsearch_documents_retried_total", l), 1);
  EXPECT_EQ(t.CountInLog("Elasticsearch rejected a document ({\"create\":{\"_index\":\"app\"}}): "
                         "status 400: mapper_parsing_exception: failed to parse field [x]"),
            1)
      << t.log();
}

TEST(ElasticsearchExporterTest, WholeRequestFailures) {
  FakeBackend es;
  es.Script({Respond(503, "busy"), Respond(200, kAllIndexed), Respond(400, "bad request")});
  TestContext t{{"elasticsearch", ""}};
  auto e = CreateExporter(t.ctx(), Config(es));
  ASSERT_TRUE(e.ok());
  Answer a;
  (*e)->consumers().logs->Consume(Logs(2), a.done());
  ASSERT_TRUE(a.get().ok());
  auto reqs = es.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[1].body, reqs[0].body);  // 503: the whole request again
  Answer b;
  (*e)->consumers().logs->Consume(Logs(1), b.done());
  Status s = b.get();
  EXPECT_FALSE(s.ok());
  EXPECT_FALSE(s.retryable()) << s.ToString();  // 400: permanent, not retried
  EXPECT_EQ(es.requests().size(), 3u);
  EXPECT_EQ(t.Counter("send_failed", "log_records"), 1);
}

TEST(ElasticsearchExporterTest, GivesUpAfterMaxRetries) {
  FakeBackend es;
  std::string throttled = R"({"errors":true,"items":[{"create":{"status":429}}]})";
  es.Script({Respond(200, throttled), Respond(200, throttled), Respond(200, throttled),
             Respond(200, throttled)});
  TestContext t{{"elasticsearch", ""}};
  auto cfg = Config(es);
  cfg.retry.max_retries = 1;
  auto e = CreateExporter(t.ctx(), cfg);
  ASSERT_TRUE(e.ok());
  Answer a;
  (*e)->consumers().logs->Consume(Logs(1), a.done());
  Status s = a.get();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("giving up after 1 retries"), std::string::npos) << s.ToString();
  EXPECT_EQ(es.requests().size(), 2u);
  EXPECT_EQ(t.Counter("send_failed", "log_records"), 1);
}

// Batches share a bulk request until flush.interval; Shutdown sends what is still buffered.
TEST(ElasticsearchExporterTest, CombinesBatchesUntilFlushIntervalAndAtShutdown) {
  FakeBackend es;
  es.Script({Respond(200, kAllIndexed), Respond(200, kAllIndexed)});
  TestContext t{{"elasticsearch", ""}};
  auto cfg = Config(es);
  cfg.flush.bytes = 1 << 20;
  cfg.flush.interval = 50ms;
  cfg.sending_queue.wait_for_result = false;
  auto e = CreateExporter(t.ctx(), cfg);
  ASSERT_TRUE(e.ok());
  ASSERT_TRUE((*e)->Start().ok());
  for (int i = 0; i < 3; ++i) (*e)->consumers().logs->Consume(Logs(1), Completion());
  for (int i = 0; i < 200 && es.requests().empty(); ++i) std::this_thread::sleep_for(10ms);
  auto reqs = es.requests();
  ASSERT_EQ(reqs.size(), 1u);  // three batches, one bulk request after flush.interval
  EXPECT_EQ(Sources(reqs[0].body).size(), 3u);
  (*e)->Shutdown();

  cfg.flush.interval = std::chrono::hours(1);
  auto idle = CreateExporter(t.ctx(), cfg);
  ASSERT_TRUE(idle.ok());
  ASSERT_TRUE((*idle)->Start().ok());
  (*idle)->consumers().logs->Consume(Logs(2), Completion());
  EXPECT_EQ(es.requests().size(), 1u);
  (*idle)->Shutdown();
  ASSERT_EQ(es.requests().size(), 2u);
  EXPECT_EQ(Sources(es.requests()[1].body).size(), 2u);
}

TEST(ElasticsearchExporterTest, ConfigErrors) {
  ElasticsearchExporterConfig cfg;
  ::unsetenv("ELASTICSEARCH_URL");
  EXPECT_EQ(cfg.Validate().message(),
            "endpoint: exactly one of [endpoint, endpoints, cloudid] must be specified (or "
            "$ELASTICSEARCH_URL)");
  cfg.endpoint = "http://es:9200";
  EXPECT_TRUE(cfg.Validate().ok());
  cfg.endpoints = {"http://es2:9200"};
  EXPECT_FALSE(cfg.Validate().ok());
  cfg.endpoints.clear();
  cfg.mapping.mode = "fancy";
  EXPECT_EQ(cfg.Validate().message(),
            "mapping: invalid mapping mode \"fancy\" (valid: none, ecs, otel, raw)");
  cfg.mapping.mode = "ECS";
  EXPECT_EQ(cfg.mode(), EsMappingMode::kEcs);
  cfg.retry.max_requests = 5;
  EXPECT_EQ(cfg.Retries(), 4);
  cfg.retry.max_retries = 1;
  EXPECT_EQ(cfg.Validate().message(), "retry: must not specify both max_requests and max_retries");
  ElasticsearchExporterConfig cloud;
  // "name:" + base64("us-east-1.aws.found.io$abc123$def456")
  cloud.cloudid = "name:dXMtZWFzdC0xLmF3cy5mb3VuZC5pbyRhYmMxMjMkZGVmNDU2";
  auto urls = Endpoints(cloud, "");
  ASSERT_TRUE(urls.ok()) << urls.status().ToString();
  EXPECT_EQ(*urls, std::vector<std::string>{"https://abc123.us-east-1.aws.found.io"});
  ElasticsearchExporterConfig env;
  EXPECT_EQ(*Endpoints(env, "http://a:9200, http://b:9200"),
            (std::vector<std::string>{"http://a:9200", "http://b:9200"}));
  env.endpoint = "es:9200";
  EXPECT_EQ(Endpoints(env, "").status().message(),
            "endpoints: invalid endpoint \"es:9200\": invalid scheme, expected \"http\" or "
            "\"https\"");
}

}  // namespace
}  // namespace otter::elasticsearch_exporter
