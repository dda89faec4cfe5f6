#include "processors/tail_sampling/policy.h"

#include <gtest/gtest.h>

#include "config/loader.h"
#include "processors/tail_sampling/config.h"

namespace otter::tailsampling {
namespace {

config::Node Yaml(const std::string& text) {
  auto n = config::ParseYaml(text, "test.yaml");
  EXPECT_TRUE(n.ok()) << n.status().ToString();
  return n.ok() ? *n : config::Node{};
}

std::unique_ptr<PolicyEvaluator> Build(const std::string& yaml, std::string* errors = nullptr) {
  config::Diagnostics d;
  auto p = BuildPolicy(Yaml(yaml), PolicyLevel::kTop, d);
  if (errors) *errors = d.ErrorsText();
  EXPECT_EQ(p == nullptr, !d.ok());
  return p;
}

pdata::TraceId Tid(std::string_view hex) {
  pdata::TraceId id;
  EXPECT_TRUE(pdata::ParseHexId(hex, &id));
  return id;
}

// A trace of hand-built spans under one resource and scope.
struct Trace {
  std::vector<pdata::ResourceSpans> resources{1};
  pdata::Span& Add() {
    if (resources[0].scope_spans.empty()) resources[0].scope_spans.emplace_back();
    return resources[0].scope_spans[0].spans.emplace_back();
  }
  TraceView View(int64_t spans = -1) const {
    TraceView v;
    v.id = Tid("0102030405060708090a0b0c0d0e0f10");
    v.resources = &resources;
    v.span_count = spans >= 0
                       ? spans
                       : static_cast<int64_t>(resources[0].scope_spans.empty()
                                                  ? 0
                                                  : resources[0].scope_spans[0].spans.size());
    return v;
  }
};

EvalContext At(int64_t second) {
  return {std::chrono::steady_clock::time_point(std::chrono::seconds(second))};
}

TEST(TailSamplingPolicy, ProbabilisticMatchesGoAlgorithm) {
  // testdata/gen_probabilistic_table.py
  struct {
    double pct;
    uint64_t threshold;
  } thresholds[] = {
      {10, 1844674407370955263u}, {1, 184467440737095519u},      {33.3, 6142765776545279999u},
      {50, 9223372036854775807u}, {99.9, 18428297329635844095u},
  };
  for (const auto& t : thresholds) EXPECT_EQ(ProbabilisticThreshold(t.pct), t.threshold) << t.pct;
  EXPECT_EQ(ProbabilisticThreshold(100), UINT64_MAX);
  EXPECT_EQ(ProbabilisticThreshold(0), 0u);
  struct {
    const char* id;
    bool sampled;
  } ids[] = {
      {"9bd1f1c343830252d32351fea2e5ee55", false}, {"17fe6f303311c0b164b937e419518c1f", false},
      {"da62c78ef08080958f79ea5d8ab7e490", false}, {"946e1ce9f2e316fbfb83faa6519c271a", true},
      {"b3d16674e4deb67cf44a00d1e5855cd4", false}, {"8d8e7ed480797c74c1cce49fe816328f", true},
      {"b83d8df824bf62e9845fb10b04c367f4", false}, {"144488e03bf528da5d612023dc8eb71e", false},
  };
  auto p = Build("{name: p, type: probabilistic, probabilistic: {sampling_percentage: 10}}");
  Trace t;
  for (const auto& row : ids) {
    TraceView v = t.View();
    v.id = Tid(row.id);
    EXPECT_EQ(p->Evaluate(v, At(0)), row.sampled ? Decision::kSampled : Decision::kNotSampled)
        << row.id;
  }
}

TEST(TailSamplingPolicy, StatusCode) {
  auto p = Build("{name: e, type: status_code, status_code: {status_codes: [ERROR]}}");
  Trace t;
  t.Add().status.code = pdata::StatusCode::kOk;
  EXPECT_EQ(p->Evaluate(t.View(), At(0)), Decision::kNotSampled);
  t.Add().status.code = pdata::StatusCode::kError;
  EXPECT_EQ(p->Evaluate(t.View(), At(0)), Decision::kSampled);
}

TEST(TailSamplingPolicy, LatencyWithAndWithoutUpperBound) {
  Trace t;
  pdata::Span& a = t.Add();
  a.start_time_unix_nano = 1'000'000'000;
  a.end_time_unix_nano = 1'050'000'000;  // 50 ms
  pdata::Span& b = t.Add();
  b.start_time_unix_nano = 1'000'000'000;
  b.end_time_unix_nano = 1'500'000'000;  // trace: 500 ms
  EXPECT_EQ(
      Build("{name: l, type: latency, latency: {threshold_ms: 500}}")->Evaluate(t.View(), At(0)),
      Decision::kSampled);
  EXPECT_EQ(
      Build("{name: l, type: latency, latency: {threshold_ms: 501}}")->Evaluate(t.View(), At(0)),
      Decision::kNotSampled);
  // With an upper bound the running duration matches as soon as it is in range: 50 ms after the
  // first span.
  EXPECT_EQ(Build("{name: l, type: latency, latency: {threshold_ms: 10, upper_threshold_ms: 100}}")
                ->Evaluate(t.View(), At(0)),
            Decision::kSampled);
  EXPECT_EQ(Build("{name: l, type: latency, latency: {threshold_ms: 100, upper_threshold_ms: 400}}")
                ->Evaluate(t.View(), At(0)),
            Decision::kNotSampled);
}

TEST(TailSamplingPolicy, NumericAttributeAndInvert) {
  Trace t;
  t.Add().attributes.push_back({"http.status_code", pdata::AnyValue::Int(503)});
  auto in_range = Build(
      "{name: n, type: numeric_attribute, numeric_attribute: {key: http.status_code, min_value: "
      "500, max_value: 599}}");
  EXPECT_EQ(in_range->Evaluate(t.View(), At(0)), Decision::kSampled);
  auto open_max = Build(
      "{name: n, type: numeric_attribute, numeric_attribute: {key: http.status_code, "
      "min_value: 504}}");
  EXPECT_EQ(open_max->Evaluate(t.View(), At(0)), Decision::kNotSampled);
  auto inverted = Build(
      "{name: n, type: numeric_attribute, numeric_attribute: {key: http.status_code, "
      "min_value: 500, max_value: 599, invert_match: true}}");
  EXPECT_EQ(inverted->Evaluate(t.View(), At(0)), Decision::kInvertNotSampled);
  Trace other;
  other.Add().attributes.push_back({"http.status_code", pdata::AnyValue::String("503")});
  EXPECT_EQ(inverted->Evaluate(other.View(), At(0)), Decision::kInvertSampled);  // not an int
}

TEST(TailSamplingPolicy, StringAttributeExactRegexAndResource) {
  Trace t;
  t.Add().attributes.push_back({"http.route", pdata::AnyValue::String("/api/v1/users")});
  auto exact = Build(
      "{name: s, type: string_attribute, string_attribute: {key: http.route, values: [/health, "
      "/api/v1/users]}}");
  EXPECT_EQ(exact->Evaluate(t.View(), At(0)), Decision::kSampled);
  auto regex = Build(
      "{name: s, type: string_attribute, string_attribute: {key: http.route, values: ['v1/u'], "
      "enabled_regex_matching: true, cache_max_size: 2}}");
  EXPECT_EQ(regex->Evaluate(t.View(), At(0)), Decision::kSampled);  // unanchored, like Go
  EXPECT_EQ(regex->Evaluate(t.View(), At(0)), Decision::kSampled);  // from the cache
  auto invert = Build(
      "{name: s, type: string_attribute, string_attribute: {key: service.name, values: [noisy], "
      "invert_match: true}}");
  EXPECT_EQ(invert->Evaluate(t.View(), At(0)), Decision::kInvertSampled);
  t.resources[0].resource.attributes.push_back({"service.name", pdata::AnyValue::String("noisy")});
  EXPECT_EQ(invert->Evaluate(t.View(), At(0)), Decision::kInvertNotSampled);
  std::string errors;
  EXPECT_FALSE(
      Build("{name: s, type: string_attribute, string_attribute: {key: k, values: ['(a'], "
            "enabled_regex_matching: true}}",
            &errors));
  EXPECT_NE(errors.find("test.yaml:1"), std::string::npos) << errors;
  EXPECT_NE(errors.find("string_attribute: invalid regex \"(a\""), std::string::npos) << errors;
}

TEST(TailSamplingPolicy, BooleanSpanCountTraceState) {
  Trace t;
  pdata::Span& s = t.Add();
  s.attributes.push_back({"debug", pdata::AnyValue::Bool(true)});
  s.trace_state = "rojo=00f067aa0ba902b7, congo=t61rcWkgMzE";
  EXPECT_EQ(
      Build("{name: b, type: boolean_attribute, boolean_attribute: {key: debug, value: true}}")
          ->Evaluate(t.View(), At(0)),
      Decision::kSampled);
  EXPECT_EQ(
      Build("{name: b, type: boolean_attribute, boolean_attribute: {key: debug, value: false}}")
          ->Evaluate(t.View(), At(0)),
      Decision::kNotSampled);
  auto count = Build("{name: c, type: span_count, span_count: {min_spans: 2, max_spans: 3}}");
  EXPECT_EQ(count->Evaluate(t.View(1), At(0)), Decision::kNotSampled);
  EXPECT_EQ(count->Evaluate(t.View(3), At(0)), Decision::kSampled);
  EXPECT_EQ(count->Evaluate(t.View(4), At(0)), Decision::kNotSampled);
  EXPECT_EQ(Build("{name: t, type: trace_state, trace_state: {key: congo, values: [t61rcWkgMzE]}}")
                ->Evaluate(t.View(), At(0)),
            Decision::kSampled);
  EXPECT_EQ(Build("{name: t, type: trace_state, trace_state: {key: rojo, values: [t61rcWkgMzE]}}")
                ->Evaluate(t.View(), At(0)),
            Decision::kNotSampled);
}

TEST(TailSamplingPolicy, RateLimitingPerSecond) {
  auto p = Build("{name: r, type: rate_limiting, rate_limiting: {spans_per_second: 10}}");
  Trace t;
  EXPECT_EQ(p->Evaluate(t.View(4), At(5)), Decision::kSampled);     // 4
  EXPECT_EQ(p->Evaluate(t.View(5), At(5)), Decision::kSampled);     // 9
  EXPECT_EQ(p->Evaluate(t.View(1), At(5)), Decision::kNotSampled);  // 10 is not < 10
  EXPECT_EQ(p->Evaluate(t.View(4), At(6)), Decision::kSampled);     // a new second
}

TEST(TailSamplingPolicy, BytesLimitingTokenBucket) {
  auto p = Build("{name: b, type: bytes_limiting, bytes_limiting: {bytes_per_second: 100}}");
  Trace t;
  TraceView v = t.View();
  v.bytes = 150;
  EXPECT_EQ(p->Evaluate(v, At(0)), Decision::kSampled);     // bucket 200 -> 50
  EXPECT_EQ(p->Evaluate(v, At(0)), Decision::kNotSampled);  // 50 < 150
  EXPECT_EQ(p->Evaluate(v, At(1)), Decision::kSampled);     // refilled to 150
}

TEST(TailSamplingPolicy, AndDropAndComposite) {
  Trace t;
  pdata::Span& s = t.Add();
  s.status.code = pdata::StatusCode::kError;
  s.attributes.push_back({"http.route", pdata::AnyValue::String("/health")});
  auto both = Build(R"({name: a, type: and, and: {and_sub_policy: [
      {name: e, type: status_code, status_code: {status_codes: [ERROR]}},
      {name: r, type: string_attribute, string_attribute: {key: http.route, values: [/health]}}]}})");
  EXPECT_EQ(both->Evaluate(t.View(), At(0)), Decision::kSampled);
  auto drop = Build(R"({name: d, type: drop, drop: {drop_sub_policy: [
      {name: r, type: string_attribute, string_attribute: {key: http.route, values: [/health]}}]}})");
  EXPECT_EQ(drop->Evaluate(t.View(), At(0)), Decision::kDropped);
  auto composite = Build(R"({name: c, type: composite, composite: {
      max_total_spans_per_second: 10, policy_order: [e, all],
      composite_sub_policy: [
        {name: e, type: status_code, status_code: {status_codes: [OK]}},
        {name: all, type: always_sample}],
      rate_allocation: [{policy: e, percent: 50}, {policy: all, percent: 30}]}})");
  // "all" may sample 3 spans per second.
  EXPECT_EQ(composite->Evaluate(t.View(2), At(0)), Decision::kSampled);
  EXPECT_EQ(composite->Evaluate(t.View(2), At(0)), Decision::kNotSampled);
  EXPECT_EQ(composite->Evaluate(t.View(1), At(0)), Decision::kSampled);
  EXPECT_EQ(composite->Evaluate(t.View(3), At(1)), Decision::kSampled);
}

TEST(TailSamplingPolicy, ConfigErrorsNameTheLine) {
  std::string errors;
  EXPECT_FALSE(Build("{name: x, type: nope}", &errors));
  EXPECT_EQ(errors, "test.yaml:1: unknown sampling policy type nope\n");
  EXPECT_FALSE(Build("{name: x, type: latency, latncy: {}}", &errors));
  EXPECT_NE(errors.find("did you mean \"latency\""), std::string::npos) << errors;
  EXPECT_FALSE(Build("{name: x, type: status_code, status_code: {status_codes: [BAD]}}", &errors));
  EXPECT_NE(errors.find("unknown status code \"BAD\", supported: OK, ERROR, UNSET"),
            std::string::npos);
  // and sub-policies are leaf types only.
  EXPECT_FALSE(Build(R"({name: a, type: and, and: {and_sub_policy: [
      {name: d, type: drop}]}})",
                     &errors));
  EXPECT_NE(errors.find("unknown sampling policy type drop"), std::string::npos) << errors;

  config::Diagnostics d;
  TailSamplingConfig cfg;
  TailSamplingConfigTable().Parse(Yaml(R"(
policies:
  - {name: a, type: always_sample}
  - {name: a, type: always_sample}
  - {type: always_sample}
)"),
                                  cfg, d);
  EXPECT_EQ(d.ErrorsText(),
            "test.yaml:4: duplicate policy name \"a\"\ntest.yaml:5: policy name cannot be empty\n");
}

}  // namespace
}  // namespace otter::tailsampling

namespace otter::tailsampling {
namespace {

TEST(TailSamplingPolicy, OttlConditionOnSpansAndEvents) {
  auto p = Build(R"({name: o, type: ottl_condition, ottl_condition: {
      span: ['attributes["http.route"] == "/checkout"', 'IsMatch(name, "^admin ")'],
      spanevent: ['name == "exception"']}})");
  Trace t;
  t.Add().name = "GET /";
  EXPECT_EQ(p->Evaluate(t.View(), At(0)), Decision::kNotSampled);
  t.Add().name = "admin login";
  EXPECT_EQ(p->Evaluate(t.View(), At(0)), Decision::kSampled);
  Trace ev;
  ev.Add().events.push_back({0, "exception", {}, 0});
  EXPECT_EQ(p->Evaluate(ev.View(), At(0)), Decision::kSampled);
  Trace attr;
  attr.Add().attributes.push_back({"http.route", pdata::AnyValue::String("/checkout")});
  EXPECT_EQ(p->Evaluate(attr.View(), At(0)), Decision::kSampled);
}

TEST(TailSamplingPolicy, OttlConditionErrorsAndErrorMode) {
  std::string errors;
  EXPECT_FALSE(
      Build("{name: o, type: ottl_condition, ottl_condition: {span: ['name == ']}}", &errors));
  EXPECT_NE(errors.find("test.yaml:1: ottl_condition: span condition \"name == \": column"),
            std::string::npos)
      << errors;
  EXPECT_FALSE(Build("{name: o, type: ottl_condition, ottl_condition: {}}", &errors));
  EXPECT_NE(errors.find("expected at least one OTTL condition"), std::string::npos) << errors;
  EXPECT_FALSE(
      Build("{name: o, type: ottl_condition, ottl_condition: {error_mode: loud, span: ['true']}}",
            &errors));
  EXPECT_NE(errors.find("error_mode must be ignore, propagate or silent"), std::string::npos);
}

}  // namespace
}  // namespace otter::tailsampling
