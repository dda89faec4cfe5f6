#include "exporters/elasticsearch/document.h"

#include <gtest/gtest.h>

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

TEST(EsDocumentTest, PrintAll) {
  for (const char* m : {"otel", "ecs", "none", "raw"}) {
    std::printf("== logs %s\n%s", m, Encode(Logs(), m).c_str());
    std::printf("== spans %s\n%s", m, Encode(Spans(), m).c_str());
  }
}

}  // namespace
}  // namespace otter::elasticsearch_exporter
