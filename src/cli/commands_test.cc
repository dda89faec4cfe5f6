#include "cli/commands.h"

#include <gtest/gtest.h>

#include <map>

#include "cli/otlp_env.h"
#include "cli/traceparent.h"
#include "common/version.h"

namespace otter::cli {
namespace {

EnvLookup FakeEnv(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& n) -> std::optional<std::string> {
    auto it = vars.find(n);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(TraceParentTest, ParsesVersion00) {
  auto p = ParseTraceParent(" 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\t");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->trace_id.Hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(p->span_id.Hex(), "00f067aa0ba902b7");
  EXPECT_EQ(p->flags, 1);
  EXPECT_TRUE(p->sampled());
  auto q = ParseTraceParent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
  ASSERT_TRUE(q);
  EXPECT_FALSE(q->sampled());
}

TEST(TraceParentTest, RejectsWhatTheSpecRejects) {
  for (const char* bad : {
           "",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0",     // short
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",  // 00 has no more fields
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",    // uppercase
           "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",    // version ff
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",    // zero trace id
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",    // zero span id
           "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",    // separator
           "0g-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",    // version not hex
           "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",   // later version, no '-'
       })
    EXPECT_FALSE(ParseTraceParent(bad)) << bad;
  // A later version may append fields after a '-'.
  auto p = ParseTraceParent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-09-what");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->flags, 9);
}

TEST(TraceParentTest, FormatsAndMakesRandomNonZeroIds) {
  pdata::TraceId t;
  pdata::SpanId s;
  ASSERT_TRUE(pdata::ParseHexId("0af7651916cd43dd8448eb211c80319c", &t));
  ASSERT_TRUE(pdata::ParseHexId("b7ad6b7169203331", &s));
  EXPECT_EQ(FormatTraceParent(t, s, 1), "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  auto a = NewTraceId(), b = NewTraceId();
  EXPECT_FALSE(a.empty());
  EXPECT_NE(a, b);
  EXPECT_FALSE(NewSpanId().empty());
}

TEST(ExportSettingsTest, DefaultsFollowTheSdkSpec) {
  auto s = ExportSettingsFromEnv(FakeEnv({}), "traces");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->url, "http://localhost:4318/v1/traces");
  EXPECT_EQ(s->protocol, OtlpProtocol::kProtobuf);
  EXPECT_EQ(s->timeout, std::chrono::milliseconds(10000));
  EXPECT_FALSE(s->gzip);
  EXPECT_FALSE(s->disabled);
  ASSERT_GE(s->resource.size(), 4u);
  EXPECT_EQ(s->resource[0],
            (std::pair<std::string, std::string>{"service.name", "unknown_service:otter"}));
  EXPECT_EQ(s->resource[1].first, "telemetry.sdk.name");
  EXPECT_EQ(s->resource[1].second, "otter");
}

TEST(ExportSettingsTest, EndpointsHeadersAndResource) {
  auto s = ExportSettingsFromEnv(
      FakeEnv({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://gw:4318/base/"},
               {"OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", "https://logs:9999/custom"},
               {"OTEL_EXPORTER_OTLP_HEADERS", "Authorization=Bearer%20abc, x-team = a"},
               {"OTEL_EXPORTER_OTLP_TRACES_HEADERS", "x-team=b"},
               {"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/json"},
               {"OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"},  // the signal's variable wins
               {"OTEL_EXPORTER_OTLP_TIMEOUT", "2500"},
               {"OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"},
               {"OTEL_RESOURCE_ATTRIBUTES",
                "service.name=from-attrs,deployment.environment=prod,host.name=h1"},
               {"OTEL_SERVICE_NAME", "backup"}}),
      "traces");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->url, "http://gw:4318/base/v1/traces");
  EXPECT_EQ(s->protocol, OtlpProtocol::kJson);
  EXPECT_EQ(s->timeout, std::chrono::milliseconds(2500));
  EXPECT_TRUE(s->gzip);
  using KV = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(s->headers, (KV{{"Authorization", "Bearer abc"}, {"x-team", "b"}}));
  EXPECT_EQ(s->resource, (KV{{"service.name", "backup"},
                             {"deployment.environment", "prod"},
                             {"host.name", "h1"},
                             {"telemetry.sdk.name", "otter"},
                             {"telemetry.sdk.language", "cpp"},
                             {"telemetry.sdk.version", kVersion}}));
  auto logs = ExportSettingsFromEnv(
      FakeEnv({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://gw:4318"},
               {"OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", "https://logs:9999/custom"}}),
      "logs");
  ASSERT_TRUE(logs.ok());
  EXPECT_EQ(logs->url, "https://logs:9999/custom");  // used as is
}

TEST(ExportSettingsTest, ErrorsNameTheVariable) {
  auto grpc = ExportSettingsFromEnv(FakeEnv({{"OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"}}), "traces");
  EXPECT_EQ(
      grpc.status().message(),
      "OTEL_EXPORTER_OTLP_PROTOCOL: grpc is not supported here; use http/protobuf or http/json");
  auto timeout =
      ExportSettingsFromEnv(FakeEnv({{"OTEL_EXPORTER_OTLP_LOGS_TIMEOUT", "5s"}}), "logs");
  EXPECT_EQ(timeout.status().message(),
            "OTEL_EXPORTER_OTLP_LOGS_TIMEOUT: want milliseconds, got \"5s\"");
  auto header = ExportSettingsFromEnv(FakeEnv({{"OTEL_EXPORTER_OTLP_HEADERS", "novalue"}}), "logs");
  EXPECT_EQ(header.status().message(),
            "OTEL_EXPORTER_OTLP_HEADERS: invalid header \"novalue\" (want key=value)");
  auto attrs = ExportSettingsFromEnv(FakeEnv({{"OTEL_RESOURCE_ATTRIBUTES", "oops"}}), "logs");
  EXPECT_EQ(attrs.status().message(),
            "OTEL_RESOURCE_ATTRIBUTES: invalid resource format, invalid text: \"oops\"");
  auto url =
      ExportSettingsFromEnv(FakeEnv({{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "gw:4318"}}), "traces");
  EXPECT_FALSE(url.ok());
  EXPECT_TRUE(url.status().message().starts_with("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "))
      << url.status().message();
  auto off = ExportSettingsFromEnv(FakeEnv({{"OTEL_SDK_DISABLED", "TRUE"}}), "logs");
  ASSERT_TRUE(off.ok());
  EXPECT_TRUE(off->disabled);
}

TEST(BuildSpanBatchTest, ExitStatusOutputAndParent) {
  ExportSettings settings;
  settings.resource = {{"service.name", "cron"}};
  SpanOptions o;
  o.kind = "client";
  o.attributes = {"job=nightly", "job=weekly", "empty="};
  TraceParent self;
  ASSERT_TRUE(pdata::ParseHexId("0af7651916cd43dd8448eb211c80319c", &self.trace_id));
  ASSERT_TRUE(pdata::ParseHexId("b7ad6b7169203331", &self.span_id));
  self.flags = 1;
  pdata::SpanId parent;
  ASSERT_TRUE(pdata::ParseHexId("00f067aa0ba902b7", &parent));
  CommandOutcome out;
  out.exit_code = 3;
  out.pid = 42;
  out.stderr_tail = "disk full\n";
  out.start_unix_nano = 1700000000000000001;
  out.end_unix_nano = 1700000000500000002;
  auto batch =
      BuildSpanBatch(o, {"/usr/local/bin/backup.sh", "--full"}, settings, self, parent, out);
  ASSERT_EQ(batch.ItemCount(), 1u);
  const auto& rs = batch.resources()[0];
  ASSERT_EQ(rs.resource.attributes.size(), 1u);
  EXPECT_EQ(rs.resource.attributes[0].value.string_value, "cron");
  EXPECT_EQ(rs.scope_spans[0].scope.name, "otter-cli");
  const auto& s = rs.scope_spans[0].spans[0];
  EXPECT_EQ(s.name, "backup.sh");
  EXPECT_EQ(s.kind, pdata::SpanKind::kClient);
  EXPECT_EQ(s.trace_id, self.trace_id);
  EXPECT_EQ(s.span_id, self.span_id);
  EXPECT_EQ(s.parent_span_id, parent);
  EXPECT_EQ(s.flags, 0x301u);
  EXPECT_EQ(s.start_time_unix_nano, 1700000000000000001u);
  EXPECT_EQ(s.end_time_unix_nano, 1700000000500000002u);
  EXPECT_EQ(s.status.code, pdata::StatusCode::kError);
  EXPECT_EQ(s.status.message, "exit status 3");
  std::vector<std::string> rendered;
  for (const auto& kv : s.attributes)
    rendered.push_back(std::string(kv.key) + "=" + kv.value.ToString());
  EXPECT_EQ(rendered, (std::vector<std::string>{
                          "process.executable.name=/usr/local/bin/backup.sh",
                          "process.command_args=[\"/usr/local/bin/backup.sh\",\"--full\"]",
                          "process.pid=42", "process.exit.code=3", "job=weekly", "empty="}));
  ASSERT_EQ(s.events.size(), 1u);
  EXPECT_EQ(s.events[0].name, "process.output");
  EXPECT_EQ(s.events[0].time_unix_nano, 1700000000500000002u);
  ASSERT_EQ(s.events[0].attributes.size(), 1u);
  EXPECT_EQ(s.events[0].attributes[0].key, "process.stderr.tail");
  EXPECT_EQ(s.events[0].attributes[0].value.string_value, "disk full\n");
}

TEST(BuildSpanBatchTest, SuccessSignalAndRootSpan) {
  ExportSettings settings;
  TraceParent self;
  self.trace_id = NewTraceId();
  self.span_id = NewSpanId();
  self.flags = 1;
  CommandOutcome ok;
  auto a = BuildSpanBatch({}, {"true"}, settings, self, {}, ok);
  const auto& s = a.resources()[0].scope_spans[0].spans[0];
  EXPECT_EQ(s.status.code, pdata::StatusCode::kOk);
  EXPECT_TRUE(s.parent_span_id.empty());
  EXPECT_EQ(s.flags, 0x101u);
  EXPECT_TRUE(s.events.empty());
  CommandOutcome killed;
  killed.signal = 9;
  killed.exit_code = 137;
  auto b = BuildSpanBatch({}, {"sleep", "9"}, settings, self, {}, killed);
  EXPECT_EQ(b.resources()[0].scope_spans[0].spans[0].status.message, "killed by signal 9 (Killed)");
}

}  // namespace
}  // namespace otter::cli
