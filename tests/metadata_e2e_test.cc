// Multi-tenant forwarding with the real binary: two tenants' OTLP/HTTP requests (different
// X-Scope-OrgID headers) go through the otlp receiver (include_metadata), the batch processor
// (metadata_keys) and the otlp_http exporter, whose headers_setter sets X-Scope-OrgID from the
// batch's metadata. Each request the backend gets carries one tenant's spans and that tenant's
// header; nothing is mixed, nothing is lost.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "exporters/exporterhelper/fake_backend.h"
#include "otlp/proto_codec.h"
#include "util/harness.h"

namespace otter::testing {
namespace {

std::string Addr(int port) { return "127.0.0.1:" + std::to_string(port); }

std::string SpanJson(const std::string& name, int i) {
  char span_id[17];
  std::snprintf(span_id, sizeof span_id, "%016x", i + 1);
  return R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":")" +
         std::string(span_id) + R"(","name":")" + name +
         R"(","startTimeUnixNano":"1","endTimeUnixNano":"2"}]}]}]})";
}

TEST(MetadataE2eTest, EachTenantsSpansReachTheBackendWithItsOwnHeader) {
  exporterhelper::testing::FakeBackend backend;
  TempDir dir;
  const int otlp = FreePort(), health = FreePort();
  // timeout 2s and a large send_batch_size: every tenant's requests become one batch.
  const std::string config = R"(receivers:
  otlp:
    protocols:
      http:
        endpoint: )" + Addr(otlp) +
                             R"(
        include_metadata: true
processors:
  batch:
    timeout: 2s
    send_batch_size: 1000
    metadata_keys: [X-Scope-OrgID]
exporters:
  otlp_http:
    endpoint: )" + backend.url() +
                             R"(
    compression: none
    auth:
      authenticator: headers_setter
extensions:
  health_check:
    endpoint: )" + Addr(health) +
                             R"(
  headers_setter:
    headers:
      - key: X-Scope-OrgID
        from_context: x-scope-orgid
service:
  extensions: [health_check, headers_setter]
  telemetry:
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [otlp_http]
)";
  OtterProcess otter(dir, "otter", config);
  ASSERT_TRUE(otter.Start(health)) << otter.Log();

  // Interleaved: a, b, a, b, a, b, then one request without the header.
  int sent = 0;
  for (int i = 0; i < 6; ++i) {
    std::string tenant = i % 2 == 0 ? "tenant-a" : "tenant-b";
    auto r = HttpRequest("POST", otlp, "/v1/traces", SpanJson(tenant + "/" + std::to_string(i), i),
                         "application/json", {{"X-Scope-OrgID", tenant}});
    ASSERT_EQ(r.status, 200) << r.body;
    ++sent;
  }
  auto r = HttpRequest("POST", otlp, "/v1/traces", SpanJson("none/6", 6), "application/json");
  ASSERT_EQ(r.status, 200) << r.body;
  ++sent;

  auto spans_received = [&] {
    size_t n = 0;
    for (const auto& req : backend.requests()) {
      auto b = otlp::DecodeTraces(req.body);
      if (b.ok()) n += b->ItemCount();
    }
    return n;
  };
  ASSERT_TRUE(Eventually([&] { return spans_received() >= static_cast<size_t>(sent); }))
      << otter.Log();

  // tenant header ("" = none) -> span names, one entry per backend request.
  std::map<std::string, std::vector<std::string>> by_tenant;
  for (const auto& req : backend.requests()) {
    std::string tenant(req.Header("X-Scope-OrgID"));
    EXPECT_EQ(by_tenant.count(tenant), 0u) << "a second request for \"" << tenant << "\"";
    auto b = otlp::DecodeTraces(req.body);
    ASSERT_TRUE(b.ok()) << b.status().ToString();
    std::vector<std::string>& names = by_tenant[tenant];
    for (const auto& rs : b->resources())
      for (const auto& ss : rs.scope_spans)
        for (const auto& sp : ss.spans) names.emplace_back(sp.name);
  }
  EXPECT_EQ(by_tenant, (std::map<std::string, std::vector<std::string>>{
                           {"", {"none/6"}},
                           {"tenant-a", {"tenant-a/0", "tenant-a/2", "tenant-a/4"}},
                           {"tenant-b", {"tenant-b/1", "tenant-b/3", "tenant-b/5"}}}));
  EXPECT_EQ(otter.Stop(), 0) << otter.Log();
}

}  // namespace
}  // namespace otter::testing
