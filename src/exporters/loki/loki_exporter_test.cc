#include <gtest/gtest.h>

#include "exporters/exporterhelper/fake_backend.h"
#include "exporters/exporterhelper/testing.h"
#include "exporters/loki/exporter.h"
#include "exporters/loki/push_request.h"
#include "net/compression.h"

namespace otter::loki_exporter {
namespace {

using pdata::AnyValue;
using namespace std::chrono_literals;

pdata::LogBatch Logs() {
  pdata::LogBatch b;
  auto& rl = b.resources().emplace_back();
  rl.resource.attributes = {{"service.name", AnyValue::String("checkout")},
                            {"service.namespace", AnyValue::String("shop")},
                            {"k8s.pod.name", AnyValue::String("pod-7")},
                            {"loki.resource.labels", AnyValue::String("k8s.pod.name")}};
  auto& sl = rl.scope_logs.emplace_back();
  sl.scope.name = "app";
  auto& r = sl.log_records.emplace_back();
  r.time_unix_nano = 1'700'000'000'123'456'789ull;
  r.severity_text = "ERROR";
  r.body = AnyValue::String("payment failed");
  r.attributes = {{"order.id", AnyValue::String("o-1")},
                  {"amount", AnyValue::Double(12.5)},
                  {"http.status", AnyValue::Int(502)},
                  {"loki.attribute.labels", AnyValue::String("http.status")}};
  pdata::ParseHexId("0af7651916cd43dd8448eb211c80319c", &r.trace_id);
  pdata::ParseHexId("b7ad6b7169203331", &r.span_id);
  return b;
}

TEST(LokiPushTest, LabelsFromHintsAndTheJsonLine) {
  LokiExporterConfig cfg;
  Tenants t = ToStreams(Logs(), cfg.default_labels_enabled);
  ASSERT_EQ(t.size(), 1u);
  const auto& streams = t[""];
  ASSERT_EQ(streams.size(), 1u);
  EXPECT_EQ(
      streams[0].labels,
      "{exporter=\"OTLP\", http_status=\"502\", job=\"shop/checkout\", k8s_pod_name=\"pod-7\", "
      "level=\"ERROR\"}");
  ASSERT_EQ(streams[0].entries.size(), 1u);
  const Entry& e = streams[0].entries[0];
  EXPECT_EQ(e.t_ns, 1'700'000'000'123'456'789);
  EXPECT_EQ(e.line,
            "{\"body\":\"payment failed\",\"traceid\":\"0af7651916cd43dd8448eb211c80319c\","
            "\"spanid\":\"b7ad6b7169203331\",\"severity\":\"ERROR\","
            "\"attributes\":{\"amount\":12.5,\"order.id\":\"o-1\"},"
            "\"resources\":{\"service.name\":\"checkout\",\"service.namespace\":\"shop\"},"
            "\"instrumentation_scope\":{\"name\":\"app\"}}");
  EXPECT_EQ(e.metadata, (std::vector<std::pair<std::string, std::string>>{
                            {"trace_id", "0af7651916cd43dd8448eb211c80319c"},
                            {"span_id", "b7ad6b7169203331"}}));
}

TEST(LokiPushTest, TenantsFormatsAndDisabledDefaults) {
  pdata::LogBatch b = Logs();
  auto& res = b.resources()[0].resource.attributes;
  res.push_back({"loki.tenant", AnyValue::String("tenant.id")});
  res.push_back({"tenant.id", AnyValue::String("team-a")});
  res.push_back({"loki.format", AnyValue::String("raw")});
  LokiExporterConfig::DefaultLabels dl;
  dl.level = false;
  dl.exporter = false;
  Tenants t = ToStreams(b, dl);
  ASSERT_EQ(t.count("team-a"), 1u);
  EXPECT_EQ(t["team-a"][0].labels,
            "{http_status=\"502\", job=\"shop/checkout\", k8s_pod_name=\"pod-7\"}");
  EXPECT_EQ(t["team-a"][0].entries[0].line, "payment failed");
}

TEST(LokiPushTest, ProtobufByteForByte) {
  Stream s{"{a=\"b\"}", {Entry{1'000'000'002, "hi", {{"trace_id", "t"}}}}};
  auto bytes = [](std::initializer_list<int> v) {
    std::string out;
    for (int c : v) out += static_cast<char>(c);
    return out;
  };
  // Entry{1: Timestamp{1: 1, 2: 2}, 2: "hi", 3: {1: "trace_id", 2: "t"}}
  std::string entry = bytes({0x0a, 0x04, 0x08, 0x01, 0x10, 0x02, 0x12, 0x02}) + "hi" +
                      bytes({0x1a, 0x0d, 0x0a, 0x08}) + "trace_id" + bytes({0x12, 0x01}) + "t";
  std::string stream =
      bytes({0x0a, 0x07}) + "{a=\"b\"}" + bytes({0x12, static_cast<int>(entry.size())}) + entry;
  EXPECT_EQ(EncodePushRequest({s}), bytes({0x0a, static_cast<int>(stream.size())}) + stream);
}

TEST(LokiExporterTest, PushesPerTenantAndRetriesOnlyWhatFailed) {
  exporterhelper::testing::FakeBackend backend;
  backend.Script({exporterhelper::testing::Respond(204), exporterhelper::testing::Respond(503)});
  exporterhelper::testing::TestContext t{{"loki", ""}};
  LokiExporterConfig cfg;
  cfg.endpoint = backend.url() + "/loki/api/v1/push";
  cfg.headers = {{"X-Extra", "1"}};
  cfg.sending_queue.wait_for_result = true;
  cfg.retry_on_failure.initial_interval = 1ms;
  auto e = CreateExporter(t.ctx(), cfg);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  pdata::LogBatch b = Logs();
  pdata::LogBatch other = Logs();
  other.resources()[0].resource.attributes.push_back(
      {"loki.tenant", AnyValue::String("service.name")});
  b.Append(std::move(other));
  exporterhelper::testing::Answer a;
  (*e)->consumers().logs->Consume(std::move(b), a.done());
  ASSERT_TRUE(a.get().ok());
  auto reqs = backend.requests();
  ASSERT_EQ(reqs.size(), 3u);  // default tenant; "checkout" refused once, then accepted
  EXPECT_EQ(reqs[0].target, "/loki/api/v1/push");
  EXPECT_EQ(reqs[0].Header("Content-Encoding"), "snappy");
  EXPECT_EQ(reqs[0].Header("Content-Type"), "application/x-protobuf");
  EXPECT_EQ(reqs[0].Header("X-Extra"), "1");
  EXPECT_FALSE(reqs[0].HasHeader("X-Scope-OrgID"));
  EXPECT_EQ(reqs[1].Header("X-Scope-OrgID"), "checkout");
  EXPECT_EQ(reqs[2].body, reqs[1].body);
  auto body = net::Decompress(net::Encoding::kSnappy, reqs[0].body, 1 << 20);
  ASSERT_TRUE(body.ok());
  EXPECT_NE(body->find("payment failed"), std::string::npos);
  EXPECT_EQ(t.Counter("sent", "log_records"), 2);
}

}  // namespace
}  // namespace otter::loki_exporter
