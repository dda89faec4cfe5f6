#include <gtest/gtest.h>

#include "component/registry.h"
#include "config/loader.h"
#include "processors/filter/filter_processor.h"

namespace otter {
void RegisterBuiltins(Registry&);
namespace {

using pdata::AnyValue;

template <class B>
struct Sink : Consumer<B> {
  void Consume(B&& b, Completion done) override {
    batches.push_back(std::move(b));
    done(Status::Ok());
  }
  std::vector<B> batches;
};

// The parsed config, or the diagnostics' errors joined by newlines.
std::unique_ptr<ComponentConfig> ParseFilter(const std::string& yaml, std::string* errors) {
  auto node = config::ParseYaml(yaml, "f.yaml");
  EXPECT_TRUE(node.ok());
  Registry r;
  RegisterBuiltins(r);
  config::Diagnostics d;
  auto cfg = r.Find(ComponentKind::kProcessor, "filter")->parse_config(*node, d);
  *errors = d.ErrorsText();
  return cfg;
}

template <class B>
struct FilterRun {
  telemetry::SelfMetrics metrics;
  Sink<B> sink;
  Status result = Internal("not answered");
  std::string errors;

  FilterRun(const std::string& yaml, B batch) {
    auto cfg = ParseFilter(yaml, &errors);
    EXPECT_EQ(errors, "");
    const auto& fc = static_cast<const FilterConfig&>(*cfg);
    ComponentContext ctx;
    ctx.id = {"filter", "drop"};
    ctx.metrics = &metrics;
    const FilterConditions& conds = std::is_same_v<B, pdata::TraceBatch>    ? fc.traces
                                    : std::is_same_v<B, pdata::MetricBatch> ? fc.metrics
                                                                            : fc.logs;
    FilterProcessor<B> proc(ctx, conds, fc.error_mode, &sink);
    proc.Consume(std::move(batch), Completion([this](Status s) { result = s; }));
  }
  double Filtered(const char* name) { return metrics.Value(name, {{"filter", "filter/drop"}}); }
};

pdata::TraceBatch Spans() {
  pdata::TraceBatch b;
  for (const char* svc : {"cart", "health"}) {
    auto& rs = b.resources().emplace_back();
    rs.resource.attributes = {{"service.name", AnyValue::String(svc)}};
    auto& ss = rs.scope_spans.emplace_back();
    for (const char* name : {"GET /healthz", "GET /cart", "SELECT"}) {
      auto& s = ss.spans.emplace_back();
      s.name = name;
      s.kind = name[0] == 'S' ? pdata::SpanKind::kClient : pdata::SpanKind::kServer;
      s.events.push_back({1, "log", {}, 0});
      s.events.push_back({2, "exception", {}, 0});
    }
  }
  return b;
}

std::vector<std::string> Names(const pdata::TraceBatch& b) {
  std::vector<std::string> out;
  for (const auto& rs : b.resources())
    for (const auto& ss : rs.scope_spans)
      for (const auto& s : ss.spans) {
        std::string n =
            std::string(
                pdata::FindAttribute(rs.resource.attributes, "service.name")->string_value) +
            ":" + std::string(s.name) + ":" + std::to_string(s.events.size());
        out.push_back(n);
      }
  return out;
}

TEST(FilterProcessorTest, DropsSpansAndEvents) {
  FilterRun<pdata::TraceBatch> run(R"(
traces:
  span:
    - 'name == "GET /healthz"'
    - 'kind == SPAN_KIND_CLIENT and resource.attributes["service.name"] == "health"'
  spanevent:
    - 'name == "log"'
)",
                                   Spans());
  ASSERT_TRUE(run.result.ok());
  ASSERT_EQ(run.sink.batches.size(), 1u);
  EXPECT_EQ(Names(run.sink.batches[0]),
            (std::vector<std::string>{"cart:GET /cart:1", "cart:SELECT:1", "health:GET /cart:1"}));
  EXPECT_EQ(run.Filtered("otelcol_processor_filter_spans_filtered"), 3);
}

TEST(FilterProcessorTest, EmptyScopesAndResourcesGoAndAllFilteredIsNotForwarded) {
  FilterRun<pdata::TraceBatch> some(R"(
trace_conditions:
  - 'resource.attributes["service.name"] == "health"'
)",
                                    Spans());
  ASSERT_EQ(some.sink.batches.size(), 1u);
  EXPECT_EQ(some.sink.batches[0].resources().size(), 1u);
  EXPECT_EQ(some.Filtered("otelcol_processor_filter_spans_filtered"), 3);

  FilterRun<pdata::TraceBatch> all(R"(
traces:
  span: ['IsMatch(name, ".*")']
)",
                                   Spans());
  EXPECT_TRUE(all.result.ok());
  EXPECT_TRUE(all.sink.batches.empty());
  EXPECT_EQ(all.Filtered("otelcol_processor_filter_spans_filtered"), 6);
}

TEST(FilterProcessorTest, KeepsTheCachedWireUnlessItDrops) {
  const std::string cfg = "traces:\n  span: ['name == \"%s\"']\n";
  for (const char* name : {"no such span", "SELECT"}) {
    pdata::TraceBatch b = Spans();
    b.set_wire(b.arenas().Copy("cached request bytes"));
    char yaml[128];
    std::snprintf(yaml, sizeof yaml, cfg.c_str(), name);
    FilterRun<pdata::TraceBatch> run(yaml, std::move(b));
    ASSERT_EQ(run.sink.batches.size(), 1u);
    const bool dropped = std::string_view(name) == "SELECT";
    EXPECT_EQ(run.sink.batches[0].wire(), dropped ? "" : "cached request bytes") << name;
  }
}

TEST(FilterProcessorTest, DroppingFromASharedBatchLeavesItsCloneIntact) {
  // A fan-out or the batch processor's retry copy shares the tree (pdata/cow.h): the filter
  // must drop from its own copy only.
  pdata::TraceBatch b = Spans();
  const pdata::TraceBatch keep = b.Clone();
  FilterRun<pdata::TraceBatch> run("traces:\n  span: ['name == \"SELECT\"']\n", std::move(b));
  ASSERT_EQ(run.sink.batches.size(), 1u);
  EXPECT_EQ(Names(run.sink.batches[0]),
            (std::vector<std::string>{"cart:GET /healthz:2", "cart:GET /cart:2",
                                      "health:GET /healthz:2", "health:GET /cart:2"}));
  EXPECT_EQ(Names(keep), (std::vector<std::string>{"cart:GET /healthz:2", "cart:GET /cart:2",
                                                   "cart:SELECT:2", "health:GET /healthz:2",
                                                   "health:GET /cart:2", "health:SELECT:2"}));
}

TEST(FilterProcessorTest, ErrorModes) {
  const std::string conds = R"(
traces:
  span:
    - 'Substring(name, 4, 5) == "/cart"'
    - 'name == "SELECT"'
)";
  FilterRun<pdata::TraceBatch> propagate(conds, Spans());
  EXPECT_EQ(propagate.result.message(),
            "failed to eval condition: Substring(name, 4, 5) == \"/cart\": Substring: invalid "
            "length 5");
  EXPECT_TRUE(propagate.sink.batches.empty());

  for (const char* mode : {"ignore", "silent"}) {
    FilterRun<pdata::TraceBatch> run("error_mode: " + std::string(mode) + conds, Spans());
    ASSERT_TRUE(run.result.ok()) << mode;
    // SELECT fails the first condition (too short) but matches the second; the others are kept
    // or dropped by the first.
    EXPECT_EQ(Names(run.sink.batches[0]),
              (std::vector<std::string>{"cart:GET /healthz:2", "health:GET /healthz:2"}));
  }
}

TEST(FilterProcessorTest, MetricsAndDataPoints) {
  pdata::MetricBatch b;
  auto& sm = b.resources().emplace_back().scope_metrics.emplace_back();
  for (const char* name : {"keep", "drop.me", "points"}) {
    auto& m = sm.metrics.emplace_back();
    m.name = name;
    m.type = pdata::MetricType::kGauge;
    for (int i = 0; i < 3; ++i) {
      auto& p = m.number_points.emplace_back();
      p.value_type = pdata::NumberDataPoint::ValueType::kInt;
      p.as_int = i;
    }
  }
  sm.metrics[2].number_points[0].as_int = 7;  // "points" has 7, 1, 2: all dropped below
  FilterRun<pdata::MetricBatch> run(R"(
metrics:
  metric: ['name == "drop.me"']
  datapoint:
    - 'value_int == 0'
    - 'metric.name == "points" and value_int > 0'
)",
                                    std::move(b));
  ASSERT_EQ(run.sink.batches.size(), 1u);
  const auto& metrics = run.sink.batches[0].resources()[0].scope_metrics[0].metrics;
  ASSERT_EQ(metrics.size(), 1u);
  EXPECT_EQ(metrics[0].name, "keep");
  ASSERT_EQ(metrics[0].number_points.size(), 2u);
  EXPECT_EQ(metrics[0].number_points[0].as_int, 1);
  EXPECT_EQ(run.Filtered("otelcol_processor_filter_datapoints_filtered"), 7);
}

TEST(FilterProcessorTest, Logs) {
  pdata::LogBatch b;
  auto& sl = b.resources().emplace_back().scope_logs.emplace_back();
  for (int sev : {5, 9, 17}) {
    auto& lr = sl.log_records.emplace_back();
    lr.severity_number = sev;
  }
  FilterRun<pdata::LogBatch> run(R"(
logs:
  log_record: ['severity_number < SEVERITY_NUMBER_INFO']
)",
                                 std::move(b));
  ASSERT_EQ(run.sink.batches.size(), 1u);
  const auto& logs = run.sink.batches[0].resources()[0].scope_logs[0].log_records;
  ASSERT_EQ(logs.size(), 2u);
  EXPECT_EQ(logs[0].severity_number, 9);
  EXPECT_EQ(run.Filtered("otelcol_processor_filter_logs_filtered"), 1);
}

TEST(FilterConfigTest, Errors) {
  std::string errors;
  ParseFilter(R"(
error_mode: sometimes
traces:
  span:
    - 'name == "a"'
    - 'nam == "a"'
  spans: []
logs:
  log_record: ['IsMatch(body, "[")']
  include: {}
metrics:
  metric: ['name == "x"']
metric_conditions:
  - 'metric.name == "y"'
)",
              &errors);
  EXPECT_EQ(errors,
            "f.yaml:2: error_mode: invalid error_mode \"sometimes\"; valid values are ignore, "
            "propagate, silent\n"
            "f.yaml:6: traces.span[1]: condition \"nam == \"a\"\": column 1: unknown path "
            "\"nam\" in the span context; did you mean \"name\"?\n"
            "f.yaml:7: traces: unknown key \"spans\"; did you mean \"span\"? (valid keys: span, "
            "spanevent)\n"
            "f.yaml:9: logs.log_record[0]: condition \"IsMatch(body, \"[\")\": column 15: the "
            "regex pattern supplied to IsMatch is not a valid pattern: \"[\": error parsing "
            "regexp: missing closing ]: `[`\n"
            "f.yaml:10: logs.include: the legacy include/exclude matching is not supported by "
            "otter; use OTTL conditions\n"
            "f.yaml:13: metric_conditions: cannot be used together with \"metrics\"; use one "
            "form per signal\n");
}

}  // namespace
}  // namespace otter
