#include "exporters/elasticsearch/document.h"

#include <gtest/gtest.h>

#include <cmath>

#include "exporters/elasticsearch/bulk_response.h"
#include "exporters/elasticsearch/flat_document.h"

namespace otter::elasticsearch_exporter {
namespace {

using pdata::AnyValue;

AnyValue Map(std::vector<pdata::KeyValue> kvs) {
  AnyValue v;
  v.type = AnyValue::Type::kKvList;
  v.kvlist_value = std::move(kvs);
  return v;
}

pdata::LogBatch Logs() {
  pdata::LogBatch b;
  auto& rl = b.resources().emplace_back();
  rl.resource.attributes = {{"service.name", AnyValue::String("checkout")},
                            {"host.name", AnyValue::String("web-1")},
                            {"telemetry.sdk.name", AnyValue::String("opentelemetry")},
                            {"telemetry.sdk.language", AnyValue::String("nodejs")},
                            {"telemetry.sdk.version", AnyValue::String("1.30.0")},
                            {"os.type", AnyValue::String("linux")}};
  auto& sl = rl.scope_logs.emplace_back();
  sl.scope.name = "app";
  sl.scope.version = "2.1";
  auto& r = sl.log_records.emplace_back();
  r.time_unix_nano = 1'700'000'000'123'456'789ull;
  r.observed_time_unix_nano = 1'700'000'000'200'000'000ull;
  r.severity_number = 17;
  r.severity_text = "ERROR";
  r.flags = 1;
  r.body = AnyValue::String("payment failed");
  r.attributes = {{"order.id", AnyValue::String("o-1")},
                  {"amount", AnyValue::Double(12.0)},
                  {"http", Map({{"status", AnyValue::Int(502)}})},
                  {"exception.type", AnyValue::String("Timeout")}};
  pdata::ParseHexId("0af7651916cd43dd8448eb211c80319c", &r.trace_id);
  pdata::ParseHexId("b7ad6b7169203331", &r.span_id);
  return b;
}

std::string Encode(const pdata::LogBatch& b, const std::string& mode, std::string index = "") {
  ElasticsearchExporterConfig cfg;
  cfg.mapping.mode = mode;
  cfg.logs_index = std::move(index);
  BulkBody body;
  DocumentEncoder(cfg).EncodeLogs(b, &body);
  return body.ndjson;
}

std::string Encode(const pdata::TraceBatch& b, const std::string& mode) {
  ElasticsearchExporterConfig cfg;
  cfg.mapping.mode = mode;
  BulkBody body;
  DocumentEncoder(cfg).EncodeTraces(b, &body);
  return body.ndjson;
}

pdata::TraceBatch Spans() {
  pdata::TraceBatch b;
  auto& rs = b.resources().emplace_back();
  rs.resource.attributes = {{"service.name", AnyValue::String("checkout")}};
  auto& ss = rs.scope_spans.emplace_back();
  ss.scope.name = "http";
  auto& s = ss.spans.emplace_back();
  pdata::ParseHexId("0af7651916cd43dd8448eb211c80319c", &s.trace_id);
  pdata::ParseHexId("b7ad6b7169203331", &s.span_id);
  pdata::ParseHexId("00f067aa0ba902b7", &s.parent_span_id);
  s.name = "GET /pay";
  s.kind = pdata::SpanKind::kServer;
  s.start_time_unix_nano = 1'700'000'000'000'000'000ull;
  s.end_time_unix_nano = 1'700'000'000'250'000'000ull;
  s.attributes = {{"http.route", AnyValue::String("/pay")}};
  s.status.code = pdata::StatusCode::kError;
  s.status.message = "boom";
  auto& e = s.events.emplace_back();
  e.name = "retry";
  e.time_unix_nano = 1'700'000'000'100'000'000ull;
  e.attributes = {{"attempt", AnyValue::Int(2)}};
  return b;
}

// The otel mode (contrib's default): fields in the serializer's order, attributes kept as
// written (dotted keys, nested maps as objects), the data stream named in the document.
TEST(EsDocumentTest, LogOtelMode) {
  EXPECT_EQ(
      Encode(Logs(), "otel"),
      "{\"create\":{\"_index\":\"logs-generic.otel-default\"}}\n"
      "{\"@timestamp\":\"1700000000123.456789\",\"observed_timestamp\":\"1700000000200.000000\","
      "\"data_stream\":{\"type\":\"logs\",\"dataset\":\"generic.otel\",\"namespace\":\"default\"},"
      "\"severity_text\":\"ERROR\",\"severity_number\":17,"
      "\"trace_id\":\"0af7651916cd43dd8448eb211c80319c\",\"span_id\":\"b7ad6b7169203331\","
      "\"attributes\":{\"order.id\":\"o-1\",\"amount\":12.0,\"http\":{\"status\":502},"
      "\"exception.type\":\"Timeout\"},"
      "\"resource\":{\"attributes\":{\"service.name\":\"checkout\",\"host.name\":\"web-1\","
      "\"telemetry.sdk.name\":\"opentelemetry\",\"telemetry.sdk.language\":\"nodejs\","
      "\"telemetry.sdk.version\":\"1.30.0\",\"os.type\":\"linux\"}},"
      "\"scope\":{\"name\":\"app\",\"version\":\"2.1\"},\"body\":{\"text\":\"payment failed\"}}\n");
}

TEST(EsDocumentTest, LogOtelModeBodiesAndEvents) {
  pdata::LogBatch b = Logs();
  auto& r = b.resources()[0].scope_logs[0].log_records[0];
  r.event_name = "checkout.failed";
  r.body = Map({{"code", AnyValue::Int(7)}});
  r.attributes = {{"data_stream.dataset", AnyValue::String("Shop-Web")}};
  std::string out = Encode(b, "otel");
  EXPECT_EQ(out.substr(0, out.find('\n')),
            "{\"create\":{\"_index\":\"logs-shop_web.otel-default\"}}");
  EXPECT_NE(out.find("\"event_name\":\"checkout.failed\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"body\":{\"structured\":{\"code\":7}}"), std::string::npos) << out;
  EXPECT_EQ(out.find("\"attributes\":{\"data_stream"), std::string::npos) << out;  // moved out
  r.event_name = {};
  AnyValue arr;
  arr.type = AnyValue::Type::kArray;
  arr.array_value = {AnyValue::Int(1), AnyValue::String("x")};
  r.body = arr;
  out = Encode(b, "otel");
  EXPECT_NE(out.find("\"body\":{\"flattened\":{\"value\":[1,\"x\"]}}"), std::string::npos) << out;
}

// ECS: semantic-convention names renamed (host.name -> host.hostname, kept too; exception.type
// -> error.type), agent.* from the SDK attributes, dedotted into nested objects, sorted.
TEST(EsDocumentTest, LogEcsMode) {
  EXPECT_EQ(Encode(Logs(), "ecs"),
            "{\"create\":{\"_index\":\"logs-generic-default\"}}\n"
            "{\"@timestamp\":\"2023-11-14T22:13:20.123456789Z\","
            "\"agent\":{\"name\":\"opentelemetry/nodejs\",\"version\":\"1.30.0\"},"
            "\"amount\":12.0,"
            "\"data_stream\":{\"dataset\":\"generic\",\"namespace\":\"default\",\"type\":\"logs\"},"
            "\"error\":{\"type\":\"Timeout\"},\"event\":{\"severity\":17},"
            "\"host\":{\"hostname\":\"web-1\",\"name\":\"web-1\","
            "\"os\":{\"platform\":\"linux\",\"type\":\"linux\"}},"
            "\"http\":{\"status\":502},\"log\":{\"level\":\"ERROR\"},"
            "\"message\":\"payment failed\",\"order\":{\"id\":\"o-1\"},"
            "\"service\":{\"name\":\"checkout\"},\"span\":{\"id\":\"b7ad6b7169203331\"},"
            "\"trace\":{\"id\":\"0af7651916cd43dd8448eb211c80319c\"}}\n");
}

// none: the OTLP field names, Attributes./Resource./Scope. prefixes, flat dotted keys; a static
// index has no data_stream fields.
TEST(EsDocumentTest, LogNoneModeStaticIndex) {
  EXPECT_EQ(Encode(Logs(), "none", "app-logs"),
            "{\"create\":{\"_index\":\"app-logs\"}}\n"
            "{\"@timestamp\":\"2023-11-14T22:13:20.123456789Z\",\"Attributes.amount\":12.0,"
            "\"Attributes.exception.type\":\"Timeout\",\"Attributes.http.status\":502,"
            "\"Attributes.order.id\":\"o-1\",\"Body\":\"payment failed\","
            "\"Resource.host.name\":\"web-1\",\"Resource.os.type\":\"linux\","
            "\"Resource.service.name\":\"checkout\","
            "\"Resource.telemetry.sdk.language\":\"nodejs\","
            "\"Resource.telemetry.sdk.name\":\"opentelemetry\","
            "\"Resource.telemetry.sdk.version\":\"1.30.0\",\"Scope.name\":\"app\","
            "\"Scope.version\":\"2.1\",\"SeverityNumber\":17,\"SeverityText\":\"ERROR\","
            "\"SpanId\":\"b7ad6b7169203331\",\"TraceFlags\":1,"
            "\"TraceId\":\"0af7651916cd43dd8448eb211c80319c\"}\n");
}

// raw: as none, without the Attributes. prefix.
TEST(EsDocumentTest, LogRawMode) {
  std::string out = Encode(Logs(), "raw", "l");
  EXPECT_NE(out.find("\"TraceId\":\"0af7651916cd43dd8448eb211c80319c\",\"amount\":12.0,"
                     "\"exception.type\":\"Timeout\",\"http.status\":502,\"order.id\":\"o-1\"}\n"),
            std::string::npos)
      << out;
  EXPECT_EQ(out.find("Attributes."), std::string::npos) << out;
}

// A span and, in its own document in a logs data stream, its event.
TEST(EsDocumentTest, SpanOtelMode) {
  EXPECT_EQ(Encode(Spans(), "otel"),
            "{\"create\":{\"_index\":\"traces-generic.otel-default\"}}\n"
            "{\"@timestamp\":\"1700000000000.000000\",\"data_stream\":{\"type\":\"traces\","
            "\"dataset\":\"generic.otel\",\"namespace\":\"default\"},"
            "\"trace_id\":\"0af7651916cd43dd8448eb211c80319c\",\"span_id\":\"b7ad6b7169203331\","
            "\"parent_span_id\":\"00f067aa0ba902b7\",\"name\":\"GET /pay\",\"kind\":\"Server\","
            "\"duration\":250000000,\"attributes\":{\"http.route\":\"/pay\"},\"links\":[],"
            "\"status\":{\"message\":\"boom\",\"code\":\"Error\"},"
            "\"resource\":{\"attributes\":{\"service.name\":\"checkout\"}},\"scope\":{\"name\":"
            "\"http\"}}\n"
            "{\"create\":{\"_index\":\"logs-generic.otel-default\"}}\n"
            "{\"@timestamp\":\"1700000000100.000000\",\"data_stream\":{\"type\":\"logs\","
            "\"dataset\":\"generic.otel\",\"namespace\":\"default\"},"
            "\"trace_id\":\"0af7651916cd43dd8448eb211c80319c\",\"span_id\":\"b7ad6b7169203331\","
            "\"event_name\":\"retry\",\"attributes\":{\"attempt\":2,\"event.name\":\"retry\"},"
            "\"resource\":{\"attributes\":{\"service.name\":\"checkout\"}},\"scope\":{\"name\":"
            "\"http\"}}\n");
}

TEST(EsDocumentTest, SpanEcsMode) {
  EXPECT_EQ(Encode(Spans(), "ecs"),
            "{\"create\":{\"_index\":\"traces-generic-default\"}}\n"
            "{\"@timestamp\":\"2023-11-14T22:13:20.000000000Z\",\"agent\":{\"name\":\"otlp\"},"
            "\"data_stream\":{\"dataset\":\"generic\",\"namespace\":\"default\","
            "\"type\":\"traces\"},\"event\":{\"duration\":250000000,\"outcome\":\"failure\"},"
            "\"http\":{\"route\":\"/pay\"},\"parent\":{\"id\":\"00f067aa0ba902b7\"},"
            "\"service\":{\"name\":\"checkout\"},"
            "\"span\":{\"id\":\"b7ad6b7169203331\",\"name\":\"GET /pay\"},"
            "\"trace\":{\"id\":\"0af7651916cd43dd8448eb211c80319c\"}}\n");
}

TEST(EsDocumentTest, SpanNoneAndRawModes) {
  EXPECT_EQ(Encode(Spans(), "none"),
            "{\"create\":{\"_index\":\"traces-generic-default\"}}\n"
            "{\"@timestamp\":\"2023-11-14T22:13:20.000000000Z\","
            "\"Attributes.http.route\":\"/pay\",\"Duration\":250000,"
            "\"EndTimestamp\":\"2023-11-14T22:13:20.250000000Z\",\"Events.retry.attempt\":2,"
            "\"Events.retry.time\":\"2023-11-14T22:13:20.100000000Z\","
            "\"Kind\":\"SPAN_KIND_SERVER\",\"Name\":\"GET /pay\","
            "\"ParentSpanId\":\"00f067aa0ba902b7\",\"Resource.service.name\":\"checkout\","
            "\"Scope.name\":\"http\",\"Scope.version\":\"\",\"SpanId\":\"b7ad6b7169203331\","
            "\"TraceId\":\"0af7651916cd43dd8448eb211c80319c\",\"TraceStatus\":2,"
            "\"TraceStatusDescription\":\"boom\",\"data_stream.dataset\":\"generic\","
            "\"data_stream.namespace\":\"default\",\"data_stream.type\":\"traces\"}\n");
  std::string raw = Encode(Spans(), "raw");
  EXPECT_NE(raw.find("\"http.route\":\"/pay\",\"retry.attempt\":2,"
                     "\"retry.time\":\"2023-11-14T22:13:20.100000000Z\"}"),
            std::string::npos)
      << raw;
}

TEST(EsDocumentTest, RoutingRules) {
  pdata::InstrumentationScope scope;
  scope.name = "github.com/x/receiver/hostmetricsreceiver/internal/cpu";
  pdata::Attributes res = {{"data_stream.namespace", AnyValue::String("Prod")}};
  IndexTarget t = Route(EsMappingMode::kOtel, "", "logs", res, scope, {});
  EXPECT_EQ(t.index, "logs-hostmetricsreceiver.otel-prod");
  EXPECT_TRUE(t.data_stream);
  // The record's dataset wins over the receiver name and the resource's.
  t = Route(EsMappingMode::kNone, "", "traces", res, scope,
            {{"data_stream.dataset", AnyValue::String("a b#c")}});
  EXPECT_EQ(t.index, "traces-a_b_c-prod");
  // elasticsearch.index names the index outright; a static index beats everything.
  t = Route(EsMappingMode::kOtel, "", "logs", {{"elasticsearch.index", AnyValue::String("mine")}},
            scope, {});
  EXPECT_EQ(t.index, "mine");
  EXPECT_FALSE(t.data_stream);
  EXPECT_EQ(Route(EsMappingMode::kOtel, "fixed", "logs", res, scope, {}).index, "fixed");
  // Dataset names are cut to 100 bytes including the suffix.
  t = Route(EsMappingMode::kOtel, "", "logs", {}, {},
            {{"data_stream.dataset", AnyValue::String(std::string(120, 'd'))}});
  EXPECT_EQ(t.dataset, std::string(95, 'd') + ".otel");
}

TEST(EsDocumentTest, FlatDocumentDedupAndDedot) {
  FlatDocument d;
  d.AddInt("a", 1);
  d.AddInt("a.b", 2);
  d.AddInt("c", 3);
  d.AddInt("c", 4);  // the later value wins
  d.AddInt("a.b-x", 5);
  d.AddInt("a.b.c", 6);
  std::string flat, nested;
  d.Serialize(false, flat);
  EXPECT_EQ(flat, "{\"a.b.c\":6,\"a.b.value\":2,\"a.b-x\":5,\"a.value\":1,\"c\":4}");
  d.Serialize(true, nested);
  EXPECT_EQ(nested, "{\"a\":{\"b\":{\"c\":6,\"value\":2},\"b-x\":5,\"value\":1},\"c\":4}");
}

TEST(EsDocumentTest, ValuesAndTimestamps) {
  std::string s;
  AppendJsonDouble(3, s);
  s += ' ';
  AppendJsonDouble(0.25, s);
  s += ' ';
  AppendJsonDouble(std::nan(""), s);
  EXPECT_EQ(s, "3.0 0.25 null");
  s.clear();
  AppendIsoTimestamp(0, s);
  s += ' ';
  AppendIsoTimestamp(951'782'400'000'000'005ull, s);  // 2000-02-29
  s += ' ';
  AppendEpochMillis(1'700'000'000'123'000'005ull, s);
  EXPECT_EQ(s,
            "1970-01-01T00:00:00.000000000Z 2000-02-29T00:00:00.000000005Z 1700000000123.000005");
}

TEST(EsBulkResponseTest, PerItemStatuses) {
  auto r = ParseBulkResponse(
      R"({"took":3,"errors":true,"items":[{"create":{"_index":"x","status":201}},)"
      R"({"create":{"status":400,"error":{"type":"mapper_parsing_exception","reason":"bad"}}},)"
      R"({"index":{"status":429,"error":{"type":"es_rejected_execution_exception"}}}]})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->items.size(), 3u);
  EXPECT_EQ(r->items[0].status, 201);
  EXPECT_EQ(r->items[1].status, 400);
  EXPECT_EQ(r->items[1].error_type, "mapper_parsing_exception");
  EXPECT_EQ(r->items[1].error_reason, "bad");
  EXPECT_EQ(r->items[2].status, 429);
  auto ok = ParseBulkResponse(R"({"errors":false,"items":[{"create":{"status":201}}]})");
  ASSERT_TRUE(ok.ok());
  EXPECT_FALSE(ok->errors);
  EXPECT_FALSE(ParseBulkResponse("<html>").ok());
  EXPECT_FALSE(ParseBulkResponse(R"({"errors":true})").ok());
}

}  // namespace
}  // namespace otter::elasticsearch_exporter
