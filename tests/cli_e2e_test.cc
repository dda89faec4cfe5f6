// `otter span` and `otter log` as a shell script runs them: the built binary as a child process,
// exporting to a loopback OTLP/HTTP peer (a scripted fake, and a real otter with a file exporter).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <sstream>

#include "exporters/exporterhelper/fake_backend.h"
#include "otlp/json_codec.h"
#include "otlp/proto_codec.h"
#include "util/harness.h"

namespace otter {
namespace {

using exporterhelper::testing::FakeBackend;
using otter::testing::TempDir;

struct Ran {
  int exit_code = -1;
  std::string out, err;
};

std::string Slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Runs `otter args...` with a clean OTEL_*/TRACEPARENT environment plus `env`.
Ran RunOtter(const std::vector<std::string>& args, const std::map<std::string, std::string>& env) {
  TempDir dir;
  const std::string out = dir.path() + "/out", err = dir.path() + "/err";
  pid_t pid = fork();
  if (pid == 0) {
    for (const char* v : {"TRACEPARENT", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_SERVICE_NAME",
                          "OTEL_RESOURCE_ATTRIBUTES", "OTEL_EXPORTER_OTLP_PROTOCOL",
                          "OTEL_EXPORTER_OTLP_HEADERS", "OTEL_SDK_DISABLED"})
      unsetenv(v);
    for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
    int o = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int e = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(o, 1);
    dup2(e, 2);
    std::vector<char*> argv{const_cast<char*>(OTTER_BINARY)};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(OTTER_BINARY, argv.data());
    _exit(99);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  Ran r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = Slurp(out);
  r.err = Slurp(err);
  return r;
}

const pdata::Span& OnlySpan(const pdata::TraceBatch& b) {
  return b.resources().at(0).scope_spans.at(0).spans.at(0);
}

std::string Attr(const pdata::Attributes& attrs, std::string_view key) {
  const pdata::AnyValue* v = pdata::FindAttribute(attrs, key);
  return v ? v->ToString() : "<absent>";
}

TEST(CliSpanTest, FalseGivesAnErrorSpanAndExitsOne) {
  FakeBackend backend;
  Ran r = RunOtter({"span", "--", "false"},
                   {{"OTEL_EXPORTER_OTLP_ENDPOINT", backend.url()}, {"OTEL_SERVICE_NAME", "cron"}});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(r.err, "");
  auto reqs = backend.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].path(), "/v1/traces");
  EXPECT_EQ(reqs[0].Header("Content-Type"), "application/x-protobuf");
  auto batch = otlp::DecodeTraces(reqs[0].body);
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  const auto& s = OnlySpan(*batch);
  EXPECT_EQ(s.name, "false");
  EXPECT_EQ(s.status.code, pdata::StatusCode::kError);
  EXPECT_EQ(s.status.message, "exit status 1");
  EXPECT_EQ(Attr(s.attributes, "process.exit.code"), "1");
  EXPECT_EQ(s.trace_id.Hex().size(), 32u);
  EXPECT_FALSE(s.trace_id.empty());
  EXPECT_TRUE(s.parent_span_id.empty());
  EXPECT_GT(s.end_time_unix_nano, s.start_time_unix_nano);
  EXPECT_EQ(Attr(batch->resources()[0].resource.attributes, "service.name"), "cron");
}

TEST(CliSpanTest, NestedSpansJoinOneTraceAndOutputIsKept) {
  FakeBackend backend;
  const std::string parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  Ran r = RunOtter(
      {"span", "--name", "outer", "--attr", "job=nightly", "--", OTTER_BINARY, "span", "--name",
       "inner", "--", "sh", "-c", "echo \"tp=$TRACEPARENT\"; echo oops >&2; exit 3"},
      {{"OTEL_EXPORTER_OTLP_ENDPOINT", backend.url()}, {"TRACEPARENT", parent}});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.err, "oops\n");  // passed through both levels
  auto reqs = backend.requests();
  ASSERT_EQ(reqs.size(), 2u);  // inner ends first
  auto inner = otlp::DecodeTraces(reqs[0].body);
  auto outer = otlp::DecodeTraces(reqs[1].body);
  ASSERT_TRUE(inner.ok() && outer.ok());
  const auto& i = OnlySpan(*inner);
  const auto& o = OnlySpan(*outer);
  EXPECT_EQ(o.name, "outer");
  EXPECT_EQ(i.name, "inner");
  EXPECT_EQ(o.trace_id.Hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(i.trace_id, o.trace_id);
  EXPECT_EQ(o.parent_span_id.Hex(), "00f067aa0ba902b7");
  EXPECT_EQ(i.parent_span_id, o.span_id);
  EXPECT_EQ(r.out, "tp=00-4bf92f3577b34da6a3ce929d0e0e4736-" + i.span_id.Hex() + "-01\n");
  EXPECT_EQ(Attr(o.attributes, "job"), "nightly");
  EXPECT_EQ(Attr(i.attributes, "process.exit.code"), "3");
  ASSERT_EQ(i.events.size(), 1u);
  EXPECT_EQ(i.events[0].name, "process.output");
  EXPECT_EQ(Attr(i.events[0].attributes, "process.stdout.tail"), r.out);
  EXPECT_EQ(Attr(i.events[0].attributes, "process.stderr.tail"), "oops\n");
}

TEST(CliSpanTest, UnreachableCollectorNeverChangesTheExitStatus) {
  const int port = otter::testing::FreePort();
  Ran r = RunOtter({"span", "--", "sh", "-c", "exit 0"},
                   {{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                     "http://127.0.0.1:" + std::to_string(port) + "/v1/traces"},
                    {"OTEL_EXPORTER_OTLP_TIMEOUT", "300"}});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(r.err.starts_with("otter span: the span was not exported: ")) << r.err;
  Ran missing = RunOtter({"span", "--", "/nonexistent/cmd"}, {{"OTEL_SDK_DISABLED", "true"}});
  EXPECT_EQ(missing.exit_code, 127);
  EXPECT_EQ(missing.err, "otter span: cannot run /nonexistent/cmd: No such file or directory\n");
}

TEST(CliLogTest, SendsOneRecordWithTheTraceContext) {
  FakeBackend backend;
  Ran r = RunOtter({"log", "--severity", "warn", "--attr", "disk=/var", "disk", "almost", "full"},
                   {{"OTEL_EXPORTER_OTLP_ENDPOINT", backend.url()},
                    {"OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"},
                    {"TRACEPARENT", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto reqs = backend.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].path(), "/v1/logs");
  EXPECT_EQ(reqs[0].Header("Content-Type"), "application/json");
  auto batch = otlp::DecodeLogsJson(reqs[0].body);
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  const auto& rec = batch->resources().at(0).scope_logs.at(0).log_records.at(0);
  EXPECT_EQ(rec.severity_number, 13);
  EXPECT_EQ(rec.severity_text, "WARN");
  EXPECT_EQ(rec.body.ToString(), "disk almost full");
  EXPECT_EQ(rec.trace_id.Hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(rec.span_id.Hex(), "00f067aa0ba902b7");
  EXPECT_EQ(rec.flags, 1u);
  EXPECT_EQ(Attr(rec.attributes, "disk"), "/var");
  Ran bad = RunOtter({"log", "--severity", "loud", "x"}, {});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(bad.err,
            "otter log: --severity: want trace, debug, info, warn, error, fatal or 1..24, got "
            "\"loud\"\n");
}

// A real otter as the peer: its OTLP/HTTP receiver accepts what `otter span` sends.
TEST(CliSpanTest, LoopbackOtterAcceptsTheSpan) {
  TempDir dir;
  const int http = otter::testing::FreePort(), health = otter::testing::FreePort();
  const std::string file = dir.path() + "/spans.json";
  otter::testing::OtterProcess otter(
      dir, "collector",
      "receivers:\n  otlp:\n    protocols:\n      http:\n        endpoint: 127.0.0.1:" +
          std::to_string(http) + "\nexporters:\n  file:\n    path: " + file +
          "\nextensions:\n  health_check:\n    endpoint: 127.0.0.1:" + std::to_string(health) +
          "\nservice:\n  extensions: [health_check]\n  telemetry:\n    metrics:\n      level: "
          "none\n"
          "  pipelines:\n    traces:\n      receivers: [otlp]\n      exporters: [file]\n");
  ASSERT_TRUE(otter.Start(health)) << otter.Log();
  Ran r = RunOtter({"span", "--name", "backup", "--", "false"},
                   {{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:" + std::to_string(http)}});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "");
  std::string line;
  ASSERT_TRUE(otter::testing::Eventually([&] {
    line = Slurp(file);
    return !line.empty() && line.back() == '\n';
  })) << otter.Log();
  auto batch = otlp::DecodeTracesJson(line);
  ASSERT_TRUE(batch.ok()) << batch.status().ToString() << "\n" << line;
  EXPECT_EQ(OnlySpan(*batch).name, "backup");
  EXPECT_EQ(OnlySpan(*batch).status.code, pdata::StatusCode::kError);
  EXPECT_EQ(Attr(OnlySpan(*batch).attributes, "process.exit.code"), "1");
}

}  // namespace
}  // namespace otter
