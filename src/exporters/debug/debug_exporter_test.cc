#include "exporters/debug/debug_exporter.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <sstream>

#include "config/loader.h"
#include "exporters/debug/text_format.h"

namespace otter {
namespace {

using pdata::AnyValue;

pdata::TraceBatch TwoSpans() {
  pdata::TraceBatch b;
  auto& a = b.arenas();
  pdata::ResourceSpans rs;
  rs.schema_url = a.Copy("https://opentelemetry.io/schemas/1.4.0");
  rs.resource.attributes.push_back(
      {a.Copy("service.name"), AnyValue::String(a.Copy("telemetrygen"))});
  pdata::ScopeSpans ss;
  ss.scope.name = a.Copy("telemetrygen");
  ss.scope.version = a.Copy("1.2");
  pdata::Span s0;
  pdata::ParseHexId("3bde5d3ee82303571bba6e1136781fe4", &s0.trace_id);
  pdata::ParseHexId("5e9dcf9bac4acc1f", &s0.parent_span_id);
  pdata::ParseHexId("2cf3ef2899aba35c", &s0.span_id);
  s0.name = a.Copy("okey-dokey");
  s0.kind = pdata::SpanKind::kServer;
  s0.start_time_unix_nano = 1699678143509369393;
  s0.end_time_unix_nano = 1699678143509493770;
  s0.attributes.push_back({a.Copy("net.peer.ip"), AnyValue::String(a.Copy("1.2.3.4"))});
  s0.attributes.push_back({a.Copy("retries"), AnyValue::Int(3)});
  pdata::SpanEvent ev;
  ev.name = a.Copy("exception");
  ev.time_unix_nano = 1699678143509400000;
  ev.attributes.push_back({a.Copy("ratio"), AnyValue::Double(0.25)});
  s0.events.push_back(ev);
  pdata::Span s1;
  pdata::ParseHexId("3bde5d3ee82303571bba6e1136781fe4", &s1.trace_id);
  pdata::ParseHexId("5e9dcf9bac4acc1f", &s1.span_id);
  s1.name = a.Copy("lets-go");
  s1.kind = pdata::SpanKind::kClient;
  s1.status.code = pdata::StatusCode::kError;
  s1.status.message = a.Copy("boom");
  ss.spans.push_back(std::move(s0));
  ss.spans.push_back(std::move(s1));
  rs.scope_spans.push_back(std::move(ss));
  b.resources().push_back(std::move(rs));
  return b;
}

pdata::MetricBatch SomeMetrics() {
  pdata::MetricBatch b;
  auto& a = b.arenas();
  pdata::ResourceMetrics rm;
  pdata::ScopeMetrics sm;
  pdata::Metric sum;
  sum.name = a.Copy("http.requests");
  sum.unit = a.Copy("1");
  sum.type = pdata::MetricType::kSum;
  sum.is_monotonic = true;
  sum.temporality = pdata::AggregationTemporality::kCumulative;
  pdata::NumberDataPoint p;
  p.attributes.push_back({a.Copy("code"), AnyValue::Int(200)});
  p.value_type = pdata::NumberDataPoint::ValueType::kInt;
  p.as_int = 42;
  sum.number_points.push_back(p);
  pdata::Metric hist;
  hist.name = a.Copy("latency");
  hist.type = pdata::MetricType::kHistogram;
  hist.temporality = pdata::AggregationTemporality::kDelta;
  pdata::HistogramDataPoint h;
  h.count = 3;
  h.sum = 7.5;
  h.explicit_bounds = {1, 5};
  h.bucket_counts = {1, 1, 1};
  hist.histogram_points.push_back(h);
  sm.metrics.push_back(sum);
  sm.metrics.push_back(hist);
  rm.scope_metrics.push_back(sm);
  b.resources().push_back(rm);
  return b;
}

pdata::LogBatch OneLog() {
  pdata::LogBatch b;
  auto& a = b.arenas();
  pdata::ResourceLogs rl;
  pdata::ScopeLogs sl;
  pdata::LogRecord r;
  r.time_unix_nano = 1581452772000000321;
  r.severity_number = 9;
  r.severity_text = a.Copy("INFO");
  r.body = AnyValue::String(a.Copy("user logged in"));
  r.attributes.push_back({a.Copy("user"), AnyValue::String(a.Copy("ada"))});
  sl.log_records.push_back(r);
  rl.scope_logs.push_back(sl);
  b.resources().push_back(rl);
  return b;
}

class DebugExporterTest : public ::testing::Test {
 protected:
  std::unique_ptr<DebugExporter> Make(const DebugConfig& cfg, DebugExporterOptions opts = {}) {
    ComponentContext ctx;
    ctx.id = ComponentId{"debug", ""};
    ctx.kind = ComponentKind::kExporter;
    ctx.logger = std::make_shared<spdlog::logger>(
        "debug", std::make_shared<spdlog::sinks::ostream_sink_st>(out_));
    ctx.logger->set_pattern("%v");
    ctx.metrics = &metrics_;
    return std::make_unique<DebugExporter>(ctx, cfg, std::move(opts));
  }
  std::ostringstream out_;
  telemetry::SelfMetrics metrics_;
};

DebugConfig Verbosity(DebugVerbosity v) {
  DebugConfig c;
  c.verbosity = v;
  return c;
}

TEST_F(DebugExporterTest, BasicWritesOneSummaryLinePerBatch) {
  auto e = Make(DebugConfig{});
  bool ok = false;
  e->Consume(TwoSpans(), Completion([&](Status s) { ok = s.ok(); }));
  e->Consume(SomeMetrics(), Completion());
  e->Consume(OneLog(), Completion());
  EXPECT_TRUE(ok);
  EXPECT_EQ(out_.str(),
            "TracesExporter: 1 resource spans, 2 spans\n"
            "MetricsExporter: 1 resource metrics, 2 metrics, 2 data points\n"
            "LogsExporter: 1 resource logs, 1 log records\n");
  EXPECT_EQ(metrics_.Value("otelcol_exporter_sent_spans", {{"exporter", "debug"}}), 2);
  EXPECT_EQ(metrics_.Value("otelcol_exporter_sent_metric_points", {{"exporter", "debug"}}), 2);
  EXPECT_EQ(metrics_.Value("otelcol_exporter_sent_log_records", {{"exporter", "debug"}}), 1);
}

TEST_F(DebugExporterTest, NormalWritesAboutOneLinePerItem) {
  auto e = Make(Verbosity(DebugVerbosity::kNormal));
  e->Consume(TwoSpans(), Completion());
  e->Consume(SomeMetrics(), Completion());
  e->Consume(OneLog(), Completion());
  EXPECT_EQ(out_.str(),
            "TracesExporter: 1 resource spans, 2 spans\n"
            "ResourceTraces #0 [https://opentelemetry.io/schemas/1.4.0] service.name=telemetrygen\n"
            "ScopeTraces #0 telemetrygen@1.2\n"
            "okey-dokey 3bde5d3ee82303571bba6e1136781fe4 2cf3ef2899aba35c net.peer.ip=1.2.3.4 "
            "retries=3\n"
            "lets-go 3bde5d3ee82303571bba6e1136781fe4 5e9dcf9bac4acc1f\n"
            "MetricsExporter: 1 resource metrics, 2 metrics, 2 data points\n"
            "ResourceMetrics #0\n"
            "ScopeMetrics #0\n"
            "http.requests{code=200} 42\n"
            "latency{} count=3 sum=7.5 le1=1 le5=1 1\n"
            "LogsExporter: 1 resource logs, 1 log records\n"
            "ResourceLog #0\n"
            "ScopeLog #0\n"
            "user logged in user=ada\n");
}

TEST_F(DebugExporterTest, DetailedWritesEveryField) {
  auto e = Make(Verbosity(DebugVerbosity::kDetailed));
  e->Consume(TwoSpans(), Completion());
  EXPECT_EQ(out_.str(),
            "TracesExporter: 1 resource spans, 2 spans\n"
            "ResourceSpans #0\n"
            "Resource SchemaURL: https://opentelemetry.io/schemas/1.4.0\n"
            "Resource attributes:\n"
            "     -> service.name: Str(telemetrygen)\n"
            "ScopeSpans #0\n"
            "ScopeSpans SchemaURL: \n"
            "InstrumentationScope telemetrygen 1.2\n"
            "Span #0\n"
            "    Trace ID       : 3bde5d3ee82303571bba6e1136781fe4\n"
            "    Parent ID      : 5e9dcf9bac4acc1f\n"
            "    ID             : 2cf3ef2899aba35c\n"
            "    Name           : okey-dokey\n"
            "    Kind           : Server\n"
            "    Start time     : 2023-11-11 04:49:03.509369393 +0000 UTC\n"
            "    End time       : 2023-11-11 04:49:03.50949377 +0000 UTC\n"
            "    Status code    : Unset\n"
            "    Status message : \n"
            "Attributes:\n"
            "     -> net.peer.ip: Str(1.2.3.4)\n"
            "     -> retries: Int(3)\n"
            "Events:\n"
            "SpanEvent #0\n"
            "     -> Name: exception\n"
            "     -> Timestamp: 2023-11-11 04:49:03.5094 +0000 UTC\n"
            "     -> DroppedAttributesCount: 0\n"
            "     -> Attributes::\n"
            "          -> ratio: Double(0.25)\n"
            "Span #1\n"
            "    Trace ID       : 3bde5d3ee82303571bba6e1136781fe4\n"
            "    Parent ID      : \n"
            "    ID             : 5e9dcf9bac4acc1f\n"
            "    Name           : lets-go\n"
            "    Kind           : Client\n"
            "    Start time     : 1970-01-01 00:00:00 +0000 UTC\n"
            "    End time       : 1970-01-01 00:00:00 +0000 UTC\n"
            "    Status code    : Error\n"
            "    Status message : boom\n");
}

TEST_F(DebugExporterTest, DetailedMetricsAndLogs) {
  auto e = Make(Verbosity(DebugVerbosity::kDetailed));
  e->Consume(SomeMetrics(), Completion());
  e->Consume(OneLog(), Completion());
  EXPECT_EQ(out_.str(),
            "MetricsExporter: 1 resource metrics, 2 metrics, 2 data points\n"
            "ResourceMetrics #0\n"
            "Resource SchemaURL: \n"
            "ScopeMetrics #0\n"
            "ScopeMetrics SchemaURL: \n"
            "InstrumentationScope  \n"
            "Metric #0\n"
            "Descriptor:\n"
            "     -> Name: http.requests\n"
            "     -> Description: \n"
            "     -> Unit: 1\n"
            "     -> DataType: Sum\n"
            "     -> IsMonotonic: true\n"
            "     -> AggregationTemporality: Cumulative\n"
            "NumberDataPoints #0\n"
            "Data point attributes:\n"
            "     -> code: Int(200)\n"
            "StartTimestamp: 1970-01-01 00:00:00 +0000 UTC\n"
            "Timestamp: 1970-01-01 00:00:00 +0000 UTC\n"
            "Value: 42\n"
            "Metric #1\n"
            "Descriptor:\n"
            "     -> Name: latency\n"
            "     -> Description: \n"
            "     -> Unit: \n"
            "     -> DataType: Histogram\n"
            "     -> AggregationTemporality: Delta\n"
            "HistogramDataPoints #0\n"
            "StartTimestamp: 1970-01-01 00:00:00 +0000 UTC\n"
            "Timestamp: 1970-01-01 00:00:00 +0000 UTC\n"
            "Count: 3\n"
            "Sum: 7.500000\n"
            "ExplicitBounds #0: 1.000000\n"
            "ExplicitBounds #1: 5.000000\n"
            "Buckets #0, Count: 1\n"
            "Buckets #1, Count: 1\n"
            "Buckets #2, Count: 1\n"
            "LogsExporter: 1 resource logs, 1 log records\n"
            "ResourceLog #0\n"
            "Resource SchemaURL: \n"
            "ScopeLogs #0\n"
            "ScopeLogs SchemaURL: \n"
            "InstrumentationScope  \n"
            "LogRecord #0\n"
            "ObservedTimestamp: 1970-01-01 00:00:00 +0000 UTC\n"
            "Timestamp: 2020-02-11 20:26:12.000000321 +0000 UTC\n"
            "SeverityText: INFO\n"
            "SeverityNumber: Info(9)\n"
            "Body: Str(user logged in)\n"
            "Attributes:\n"
            "     -> user: Str(ada)\n"
            "Trace ID: \n"
            "Span ID: \n"
            "Flags: 0\n");
}

TEST(DebugTextTest, ValuesRenderAsTheGoCollectorDoes) {
  using debugtext::ValueAsString;
  EXPECT_EQ(ValueAsString(AnyValue::Double(1e6)), "1000000");
  EXPECT_EQ(ValueAsString(AnyValue::Double(3.14)), "3.14");
  EXPECT_EQ(ValueAsString(AnyValue::Double(1e-7)), "1e-07");
  EXPECT_EQ(ValueAsString(AnyValue::Bool(true)), "true");
  AnyValue bytes;
  bytes.type = AnyValue::Type::kBytes;
  bytes.string_value = "hello";
  EXPECT_EQ(ValueAsString(bytes), "aGVsbG8=");
  AnyValue map;
  map.type = AnyValue::Type::kKvList;
  map.kvlist_value.push_back({"a", AnyValue::Int(1)});
  AnyValue arr;
  arr.type = AnyValue::Type::kArray;
  arr.array_value = {AnyValue::String("x"), AnyValue::Double(2.5)};
  map.kvlist_value.push_back({"b", arr});
  EXPECT_EQ(ValueAsString(map), "{\"a\":1,\"b\":[\"x\",2.5]}");
  EXPECT_EQ(debugtext::FormatTimestamp(1581452772000000000), "2020-02-11 20:26:12 +0000 UTC");
}

TEST_F(DebugExporterTest, SamplingInitialAndThereafterPerSecond) {
  DebugConfig cfg;
  cfg.sampling_initial = 2;
  cfg.sampling_thereafter = 3;
  auto now = std::make_shared<std::chrono::steady_clock::time_point>();
  DebugExporterOptions opts;
  opts.now = [now] { return *now; };
  auto e = Make(cfg, opts);
  auto lines = [&] {
    std::string s = out_.str();
    return static_cast<int>(std::count(s.begin(), s.end(), '\n'));
  };
  // Within one second: batches 1, 2 (initial), then 5, 8 (every 3rd after the initial 2).
  for (int i = 0; i < 10; ++i) e->Consume(TwoSpans(), Completion());
  EXPECT_EQ(lines(), 4);
  // Metrics are sampled separately from traces.
  e->Consume(SomeMetrics(), Completion());
  EXPECT_EQ(lines(), 5);
  // A new second starts a new window.
  *now += std::chrono::seconds(1);
  e->Consume(TwoSpans(), Completion());
  e->Consume(TwoSpans(), Completion());
  e->Consume(TwoSpans(), Completion());
  EXPECT_EQ(lines(), 7);
  // Every batch is still counted as sent.
  EXPECT_EQ(metrics_.Value("otelcol_exporter_sent_spans", {{"exporter", "debug"}}), 26);
}

TEST_F(DebugExporterTest, DefaultSamplingLogsEverything) {
  auto e = Make(DebugConfig{});
  for (int i = 0; i < 20; ++i) e->Consume(OneLog(), Completion());
  std::string s = out_.str();
  EXPECT_EQ(std::count(s.begin(), s.end(), '\n'), 20);
}

TEST_F(DebugExporterTest, UseInternalLoggerFalseWritesPlainOutput) {
  DebugConfig cfg;
  cfg.use_internal_logger = false;
  std::ostringstream plain;
  DebugExporterOptions opts;
  opts.plain_output = std::make_shared<spdlog::logger>(
      "plain", std::make_shared<spdlog::sinks::ostream_sink_st>(plain));
  opts.plain_output->set_pattern("%v");
  auto e = Make(cfg, opts);
  e->Consume(OneLog(), Completion());
  EXPECT_EQ(out_.str(), "");
  EXPECT_EQ(plain.str(), "LogsExporter: 1 resource logs, 1 log records\n");
}

// ---- config ------------------------------------------------------------------------------------

std::unique_ptr<DebugConfig> Parse(const std::string& type, const std::string& yaml,
                                   config::Diagnostics& d, bool* via_alias = nullptr) {
  auto node = config::ParseYaml(yaml, "test.yaml");
  EXPECT_TRUE(node.ok());
  Registry r;
  RegisterBuiltins(r);
  const Factory* f = r.Find(ComponentKind::kExporter, type, via_alias);
  EXPECT_NE(f, nullptr);
  auto cfg = f->parse_config(*node, d);
  return std::unique_ptr<DebugConfig>(static_cast<DebugConfig*>(cfg.release()));
}

TEST(DebugConfigTest, DefaultsAndKeys) {
  config::Diagnostics d;
  auto cfg = Parse("debug", "{}", d);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(cfg->verbosity, DebugVerbosity::kBasic);
  EXPECT_EQ(cfg->sampling_initial, 2);
  EXPECT_EQ(cfg->sampling_thereafter, 1);
  EXPECT_TRUE(cfg->use_internal_logger);
  cfg = Parse("debug",
              "verbosity: Detailed\nsampling_initial: 5\nsampling_thereafter: 200\n"
              "use_internal_logger: false\n",
              d);
  ASSERT_TRUE(d.ok()) << d.ErrorsText();
  EXPECT_EQ(cfg->verbosity, DebugVerbosity::kDetailed);
  EXPECT_EQ(cfg->sampling_initial, 5);
  EXPECT_EQ(cfg->sampling_thereafter, 200);
  EXPECT_FALSE(cfg->use_internal_logger);
}

TEST(DebugConfigTest, UnknownVerbosityIsAnError) {
  config::Diagnostics d;
  Parse("debug", "verbosity: loud\n", d);
  ASSERT_EQ(d.errors().size(), 1u);
  EXPECT_NE(d.errors()[0].find("test.yaml:1: verbosity level \"loud\" is not supported"),
            std::string::npos)
      << d.errors()[0];
}

TEST(DebugConfigTest, LoggingIsADeprecatedAlias) {
  config::Diagnostics d;
  bool via_alias = false;
  auto cfg = Parse("logging", "verbosity: normal\n", d, &via_alias);
  EXPECT_TRUE(via_alias);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(cfg->verbosity, DebugVerbosity::kNormal);
}

}  // namespace
}  // namespace otter
