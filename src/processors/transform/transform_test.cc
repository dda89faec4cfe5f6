#include <gtest/gtest.h>

#include "component/registry.h"
#include "config/loader.h"
#include "processors/transform/transform_processor.h"

namespace otter {
void RegisterBuiltins(Registry&);
namespace {

using pdata::AnyValue;

template <class B>
class Capture : public Consumer<B> {
 public:
  void Consume(B&& b, Completion done) override {
    got.push_back(std::move(b));
    done(Status::Ok());
  }
  std::vector<B> got;
};

struct Parsed {
  std::unique_ptr<ComponentConfig> cfg;
  std::vector<std::string> errors;
};

Parsed Parse(const std::string& yaml) {
  auto node = config::ParseYaml(yaml, "t.yaml");
  EXPECT_TRUE(node.ok()) << node.status().ToString();
  Registry r;
  RegisterBuiltins(r);
  const Factory* f = r.Find(ComponentKind::kProcessor, "transform");
  config::Diagnostics d;
  Parsed p;
  p.cfg = f->parse_config(*node, d);
  p.errors = d.errors();
  return p;
}

const TransformConfig& Cfg(const Parsed& p) {
  EXPECT_TRUE(p.errors.empty()) << (p.errors.empty() ? "" : p.errors[0]);
  return static_cast<const TransformConfig&>(*p.cfg);
}

pdata::TraceBatch Traces() {
  pdata::TraceBatch b;
  auto& rs = b.resources().emplace_back();
  rs.resource.attributes = {{"service.name", AnyValue::String("cart")}};
  auto& ss = rs.scope_spans.emplace_back();
  for (const char* name : {"GET /a", "GET /b", "POST /c"}) {
    auto& s = ss.spans.emplace_back();
    s.name = name;
    s.attributes = {{"password", AnyValue::String("x")}, {"user", AnyValue::String("ann")}};
    s.events.push_back({1, "ev", {{"k", AnyValue::Int(1)}}, 0});
  }
  return b;
}

std::string Attr(const pdata::Attributes& a, std::string_view k) {
  const AnyValue* v = pdata::FindAttribute(a, k);
  return v ? v->ToString() : "<absent>";
}

TEST(TransformConfigTest, BothFormsAndInference) {
  Parsed p = Parse(R"(
error_mode: ignore
trace_statements:
  - context: resource
    statements:
      - set(attributes["env"], "prod")
  - set(span.attributes["flat"], true)
  - delete_key(span.attributes, "password") where span.name != "POST /c"
  - set(resource.attributes["r"], 1)
  - statements: ['set(spanevent.attributes["e"], span.name)']
    conditions: ['spanevent.name == "ev"']
    error_mode: silent
log_statements:
  - set(log.severity_text, "INFO")
)");
  const TransformConfig& c = Cfg(p);
  EXPECT_EQ(c.error_mode, ottl::ErrorMode::kIgnore);
  ASSERT_EQ(c.trace_statements.size(), 4u);
  EXPECT_EQ(c.trace_statements[0].context, ottl::ContextKind::kResource);
  EXPECT_EQ(c.trace_statements[1].context, ottl::ContextKind::kSpan);
  EXPECT_EQ(c.trace_statements[1].statements.size(), 2u);  // consecutive flat span statements
  EXPECT_EQ(c.trace_statements[2].context, ottl::ContextKind::kResource);
  EXPECT_EQ(c.trace_statements[3].context, ottl::ContextKind::kSpanEvent);
  EXPECT_EQ(c.trace_statements[3].error_mode, ottl::ErrorMode::kSilent);
  ASSERT_EQ(c.log_statements.size(), 1u);
  EXPECT_EQ(c.log_statements[0].context, ottl::ContextKind::kLog);
}

TEST(TransformConfigTest, ErrorsNameStatementLineAndColumn) {
  Parsed p = Parse(R"(
trace_statements:
  - context: span
    statements:
      - set(attributes["a"], "b")
      - sett(attributes["a"], "b")
  - set(name, "x")
  - context: spam
    statements: []
metric_statements:
  - set(metric.name, IsMatch(metric.name, "(x"))
error_mode: loud
)");
  ASSERT_EQ(p.errors.size(), 5u);
  EXPECT_EQ(p.errors[0],
            "t.yaml:6: trace_statements[0].statements[1]: statement \"sett(attributes[\"a\"], "
            "\"b\")\": column 1: unknown function \"sett\"; did you mean \"set\"?");
  EXPECT_EQ(p.errors[1],
            "t.yaml:7: trace_statements[1]: statement \"set(name, \"x\")\": unable to infer a "
            "context: no path names one of (resource, scope, span, spanevent); write e.g. "
            "span.name or resource.attributes[\"k\"]");
  EXPECT_EQ(p.errors[2],
            "t.yaml:8: trace_statements[2].context: unknown context \"spam\" (valid: resource, "
            "scope, span, spanevent)");
  EXPECT_EQ(p.errors[3],
            "t.yaml:11: metric_statements[0]: statement \"set(metric.name, IsMatch(metric.name, "
            "\"(x\"))\": column 39: the regex pattern supplied to IsMatch is not a valid "
            "pattern: \"(x\": error parsing regexp: missing closing ): `(x`");
  EXPECT_EQ(p.errors[4],
            "t.yaml:12: error_mode: invalid error_mode \"loud\"; valid values are ignore, "
            "propagate, silent");
}

TEST(TransformProcessorTest, RunsGroupsInOrder) {
  Parsed p = Parse(R"(
trace_statements:
  - context: resource
    statements: ['set(attributes["env"], "prod")']
  - set(span.attributes["svc"], resource.attributes["env"])
  - delete_key(span.attributes, "password") where span.name != "POST /c"
  - context: span
    conditions: ['IsMatch(name, "^GET")', 'name == "nothing"']
    statements: ['set(attributes["get"], true)']
  - 'set(spanevent.attributes["span"], span.name) where spanevent.name == "ev"'
)");
  const TransformConfig& c = Cfg(p);
  Capture<pdata::TraceBatch> out;
  TransformProcessor<pdata::TraceBatch> proc(ComponentContext{}, c.trace_statements, c.error_mode,
                                             &out);
  Status result = Internal("not answered");
  proc.Consume(Traces(), Completion([&](Status s) { result = s; }));
  ASSERT_TRUE(result.ok()) << result.ToString();
  ASSERT_EQ(out.got.size(), 1u);
  const auto& rs = out.got[0].resources()[0];
  EXPECT_EQ(Attr(rs.resource.attributes, "env"), "prod");
  const auto& spans = rs.scope_spans[0].spans;
  EXPECT_EQ(Attr(spans[0].attributes, "svc"), "prod");
  EXPECT_EQ(Attr(spans[0].attributes, "password"), "<absent>");
  EXPECT_EQ(Attr(spans[2].attributes, "password"), "x");
  EXPECT_EQ(Attr(spans[0].attributes, "get"), "true");
  EXPECT_EQ(Attr(spans[2].attributes, "get"), "<absent>");
  EXPECT_EQ(Attr(spans[1].events[0].attributes, "span"), "GET /b");
}

TEST(TransformProcessorTest, ErrorModes) {
  const char* yaml = R"(
error_mode: %s
trace_statements:
  - set(span.attributes["n"], Substring(span.name, 5, 10))
  - set(span.attributes["after"], true)
)";
  for (const char* mode : {"propagate", "ignore", "silent"}) {
    char buf[512];
    std::snprintf(buf, sizeof buf, yaml, mode);
    Parsed p = Parse(buf);
    const TransformConfig& c = Cfg(p);
    Capture<pdata::TraceBatch> out;
    TransformProcessor<pdata::TraceBatch> proc(ComponentContext{}, c.trace_statements, c.error_mode,
                                               &out);
    Status result = Internal("not answered");
    proc.Consume(Traces(), Completion([&](Status s) { result = s; }));
    if (std::string_view(mode) == "propagate") {
      EXPECT_EQ(result.code(), StatusCode::kInvalidArgument);
      EXPECT_EQ(result.message(),
                "failed to execute statement: set(span.attributes[\"n\"], "
                "Substring(span.name, 5, 10)): Substring: invalid length 10");
      EXPECT_TRUE(out.got.empty());
    } else {
      EXPECT_TRUE(result.ok()) << mode;
      ASSERT_EQ(out.got.size(), 1u);
      const auto& s = out.got[0].resources()[0].scope_spans[0].spans[0];
      EXPECT_EQ(Attr(s.attributes, "n"), "<absent>");
      EXPECT_EQ(Attr(s.attributes, "after"), "true");  // the next statement still ran
    }
  }
}

TEST(TransformProcessorTest, MetricsAndLogs) {
  Parsed p = Parse(R"(
metric_statements:
  - set(metric.description, "seconds") where metric.type == METRIC_DATA_TYPE_GAUGE
  - set(datapoint.attributes["doubled"], datapoint.value_double * 2)
log_statements:
  - context: log
    statements:
      - merge_maps(attributes, ParseJSON(body), "upsert") where IsMatch(body, "^\\{")
      - set(severity_number, SEVERITY_NUMBER_WARN) where attributes["level"] == "warn"
)");
  const TransformConfig& c = Cfg(p);
  {
    pdata::MetricBatch b;
    auto& m = b.resources().emplace_back().scope_metrics.emplace_back().metrics.emplace_back();
    m.type = pdata::MetricType::kGauge;
    m.number_points.resize(2);
    m.number_points[0].value_type = pdata::NumberDataPoint::ValueType::kDouble;
    m.number_points[0].as_double = 1.5;
    Capture<pdata::MetricBatch> out;
    TransformProcessor<pdata::MetricBatch> proc(ComponentContext{}, c.metric_statements,
                                                c.error_mode, &out);
    proc.Consume(std::move(b), Completion());
    ASSERT_EQ(out.got.size(), 1u);
    const auto& got = out.got[0].resources()[0].scope_metrics[0].metrics[0];
    EXPECT_EQ(got.description, "seconds");
    EXPECT_EQ(Attr(got.number_points[0].attributes, "doubled"), "3");
  }
  {
    pdata::LogBatch b;
    auto& lr = b.resources().emplace_back().scope_logs.emplace_back().log_records.emplace_back();
    lr.body = AnyValue::String(b.arenas().Copy(R"({"level":"warn","msg":"disk"})"));
    Capture<pdata::LogBatch> out;
    TransformProcessor<pdata::LogBatch> proc(ComponentContext{}, c.log_statements, c.error_mode,
                                             &out);
    proc.Consume(std::move(b), Completion());
    ASSERT_EQ(out.got.size(), 1u);
    const auto& got = out.got[0].resources()[0].scope_logs[0].log_records[0];
    EXPECT_EQ(Attr(got.attributes, "msg"), "disk");
    EXPECT_EQ(got.severity_number, 13);
  }
}

}  // namespace
}  // namespace otter
