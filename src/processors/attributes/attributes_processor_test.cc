#include "processors/attributes/attributes_processor.h"

#include <gtest/gtest.h>

#include "processors/attraction/testing.h"
#include "processors/attributes/config.h"

namespace otter {
namespace {

using attraction::testing::CaptureConsumer;
using attraction::testing::CreateProcessor;
using attraction::testing::ParseProcessorConfig;
using attraction::testing::RunProcessor;
using attraction::testing::Send;
using pdata::AnyValue;
using pdata::Attributes;

pdata::Span MakeSpan(std::string_view name, pdata::SpanKind kind, Attributes attrs) {
  pdata::Span s;
  s.name = name;
  s.kind = kind;
  s.attributes = std::move(attrs);
  return s;
}

pdata::TraceBatch Traces(std::string_view service, std::vector<pdata::Span> spans,
                         std::string_view scope = "lib") {
  pdata::TraceBatch b;
  auto& rs = b.resources().emplace_back();
  rs.resource.attributes = {{"service.name", AnyValue::String(service)}};
  auto& ss = rs.scope_spans.emplace_back();
  ss.scope.name = scope;
  ss.spans = std::move(spans);
  return b;
}

constexpr const char* kSeedRedact = R"(
actions:
  - key: password
    action: delete
  - key: api_key
    action: delete
)";

TEST(AttributesProcessorTest, SeedRedactDeletesPasswordAndApiKeyOnly) {
  auto out = RunProcessor("attributes", kSeedRedact,
                          Traces("checkout", {MakeSpan("login", pdata::SpanKind::kServer,
                                                       {{"user", AnyValue::String("ann")},
                                                        {"password", AnyValue::String("hunter2")},
                                                        {"api_key", AnyValue::String("k-123")},
                                                        {"http.status_code", AnyValue::Int(200)}}),
                                              MakeSpan("noop", pdata::SpanKind::kInternal, {})}));
  const auto& spans = out.resources()[0].scope_spans[0].spans;
  Attributes want = {{"user", AnyValue::String("ann")}, {"http.status_code", AnyValue::Int(200)}};
  EXPECT_EQ(spans[0].attributes, want);
  EXPECT_TRUE(spans[1].attributes.empty());
  // The resource is not the attributes processor's business.
  Attributes res = {{"service.name", AnyValue::String("checkout")}};
  EXPECT_EQ(out.resources()[0].resource.attributes, res);
}

TEST(AttributesProcessorTest, LogsAndEveryDataPointType) {
  pdata::LogBatch logs;
  auto& rl = logs.resources().emplace_back();
  auto& lr = rl.scope_logs.emplace_back().log_records.emplace_back();
  lr.attributes = {{"password", AnyValue::String("x")}, {"a", AnyValue::Int(1)}};
  auto out_logs = RunProcessor("attributes", kSeedRedact, std::move(logs));
  Attributes want = {{"a", AnyValue::Int(1)}};
  EXPECT_EQ(out_logs.resources()[0].scope_logs[0].log_records[0].attributes, want);

  pdata::MetricBatch metrics;
  auto& sm = metrics.resources().emplace_back().scope_metrics.emplace_back();
  auto& gauge = sm.metrics.emplace_back();
  gauge.type = pdata::MetricType::kGauge;
  gauge.number_points.emplace_back().attributes = {{"api_key", AnyValue::String("k")},
                                                   {"a", AnyValue::Int(1)}};
  auto& hist = sm.metrics.emplace_back();
  hist.type = pdata::MetricType::kHistogram;
  hist.histogram_points.emplace_back().attributes = {{"password", AnyValue::String("p")},
                                                     {"a", AnyValue::Int(1)}};
  auto& summary = sm.metrics.emplace_back();
  summary.type = pdata::MetricType::kSummary;
  summary.summary_points.emplace_back().attributes = {{"a", AnyValue::Int(1)},
                                                      {"password", AnyValue::String("p")}};
  auto out = RunProcessor("attributes", kSeedRedact, std::move(metrics));
  const auto& m = out.resources()[0].scope_metrics[0].metrics;
  EXPECT_EQ(m[0].number_points[0].attributes, want);
  EXPECT_EQ(m[1].histogram_points[0].attributes, want);
  EXPECT_EQ(m[2].summary_points[0].attributes, want);
}

TEST(AttributesProcessorTest, IncludeStrictServicesAndExcludeRegexpSpanNames) {
  const std::string yaml = R"(
include:
  match_type: strict
  services: [checkout]
exclude:
  match_type: regexp
  span_names: ["^health"]
actions:
  - key: env
    value: prod
    action: upsert
)";
  pdata::TraceBatch b = Traces("checkout", {MakeSpan("pay", pdata::SpanKind::kServer, {}),
                                            MakeSpan("healthz", pdata::SpanKind::kServer, {})});
  auto& other = b.resources().emplace_back();
  other.resource.attributes = {{"service.name", AnyValue::String("cart")}};
  other.scope_spans.emplace_back().spans.push_back(MakeSpan("pay", pdata::SpanKind::kServer, {}));
  auto out = RunProcessor("attributes", yaml, std::move(b));
  Attributes env = {{"env", AnyValue::String("prod")}};
  EXPECT_EQ(out.resources()[0].scope_spans[0].spans[0].attributes, env);
  EXPECT_TRUE(out.resources()[0].scope_spans[0].spans[1].attributes.empty());
  EXPECT_TRUE(out.resources()[1].scope_spans[0].spans[0].attributes.empty());
}

TEST(AttributesProcessorTest, IncludeByAttributesKindsAndLibraries) {
  const std::string yaml = R"(
include:
  match_type: strict
  span_kinds: [SPAN_KIND_CLIENT]
  attributes:
    - key: db.system
      value: postgresql
    - key: db.statement
  libraries:
    - name: pg
actions:
  - key: db.statement
    action: hash
)";
  auto in = Traces("svc",
                   {MakeSpan("q", pdata::SpanKind::kClient,
                             {{"db.system", AnyValue::String("postgresql")},
                              {"db.statement", AnyValue::String("secret")}}),
                    MakeSpan("q", pdata::SpanKind::kServer,
                             {{"db.system", AnyValue::String("postgresql")},
                              {"db.statement", AnyValue::String("secret")}}),
                    MakeSpan("q", pdata::SpanKind::kClient,
                             {{"db.system", AnyValue::String("mysql")},
                              {"db.statement", AnyValue::String("secret")}})},
                   "pg");
  auto out = RunProcessor("attributes", yaml, std::move(in));
  const auto& spans = out.resources()[0].scope_spans[0].spans;
  EXPECT_EQ(*pdata::FindAttribute(spans[0].attributes, "db.statement"),
            AnyValue::String("2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b"));
  EXPECT_EQ(*pdata::FindAttribute(spans[1].attributes, "db.statement"), AnyValue::String("secret"));
  EXPECT_EQ(*pdata::FindAttribute(spans[2].attributes, "db.statement"), AnyValue::String("secret"));

  // A library that does not match excludes everything.
  auto out2 = RunProcessor("attributes", yaml,
                           Traces("svc",
                                  {MakeSpan("q", pdata::SpanKind::kClient,
                                            {{"db.system", AnyValue::String("postgresql")},
                                             {"db.statement", AnyValue::String("secret")}})},
                                  "other"));
  EXPECT_EQ(
      *pdata::FindAttribute(out2.resources()[0].scope_spans[0].spans[0].attributes, "db.statement"),
      AnyValue::String("secret"));
}

TEST(AttributesProcessorTest, LogSeverityAndBodyMatching) {
  const std::string yaml = R"(
include:
  match_type: regexp
  log_bodies: ["login"]
  log_severity_number:
    min: WARN
actions:
  - key: flagged
    value: true
    action: insert
)";
  pdata::LogBatch b;
  auto& sl = b.resources().emplace_back().scope_logs.emplace_back();
  auto add = [&](std::string_view body, int32_t sev) {
    auto& lr = sl.log_records.emplace_back();
    lr.body = AnyValue::String(body);
    lr.severity_number = sev;
  };
  add("user login failed", 17);
  add("user login ok", 9);
  add("disk full", 17);
  auto out = RunProcessor("attributes", yaml, std::move(b));
  const auto& recs = out.resources()[0].scope_logs[0].log_records;
  Attributes flagged = {{"flagged", AnyValue::Bool(true)}};
  EXPECT_EQ(recs[0].attributes, flagged);
  EXPECT_TRUE(recs[1].attributes.empty());
  EXPECT_TRUE(recs[2].attributes.empty());
}

TEST(AttributesProcessorTest, ValuesAreTypedFromYamlQuotingIncluded) {
  const std::string yaml = R"(
actions:
  - {key: i, value: 200, action: insert}
  - {key: s, value: "200", action: insert}
  - {key: d, value: 1.5, action: insert}
  - {key: b, value: true, action: insert}
  - {key: q, value: 'true', action: insert}
  - {key: l, value: [a, 2], action: insert}
)";
  auto out = RunProcessor("attributes", yaml,
                          Traces("svc", {MakeSpan("s", pdata::SpanKind::kServer, {})}));
  AnyValue list;
  list.type = AnyValue::Type::kArray;
  list.array_value = {AnyValue::String("a"), AnyValue::Int(2)};
  Attributes want = {{"i", AnyValue::Int(200)},       {"s", AnyValue::String("200")},
                     {"d", AnyValue::Double(1.5)},    {"b", AnyValue::Bool(true)},
                     {"q", AnyValue::String("true")}, {"l", list}};
  EXPECT_EQ(out.resources()[0].scope_spans[0].spans[0].attributes, want);
}

TEST(AttributesProcessorTest, FromContextCopiesRequestMetadataIntoEachBatchItsOwn) {
  constexpr const char* yaml = R"(
actions:
  - key: tenant
    from_context: metadata.x-scope-orgid
    action: upsert
  - key: peer
    from_context: client.address
    action: insert
)";
  auto parsed = ParseProcessorConfig("attributes", yaml);
  ASSERT_TRUE(parsed.errors.empty()) << parsed.errors[0];
  CaptureConsumer<pdata::TraceBatch> sink;
  auto p = CreateProcessor<pdata::TraceBatch>("attributes", *parsed.config, &sink);
  ASSERT_TRUE(p.ok()) << p.status().ToString();

  auto acme = Traces(
      "svc", {MakeSpan("a", pdata::SpanKind::kServer, {{"tenant", AnyValue::String("spoofed")}}),
              MakeSpan("b", pdata::SpanKind::kClient, {})});
  acme.AddMetadata("X-Scope-OrgID", "acme");
  acme.set_client_ip("192.0.2.7");
  auto plain = Traces("svc", {MakeSpan("c", pdata::SpanKind::kServer, {})});
  ASSERT_TRUE(Send(**p, std::move(acme)).ok());
  ASSERT_TRUE(Send(**p, std::move(plain)).ok());
  ASSERT_EQ(sink.batches.size(), 2u);

  const auto& spans = sink.batches[0].resources()[0].scope_spans[0].spans;
  Attributes want = {{"tenant", AnyValue::String("acme")}, {"peer", AnyValue::String("192.0.2.7")}};
  EXPECT_EQ(spans[0].attributes, want);
  EXPECT_EQ(spans[1].attributes, want);
  // A batch without metadata: no tenant; its address is unknown.
  Attributes want_plain = {{"peer", AnyValue::String("")}};
  EXPECT_EQ(sink.batches[1].resources()[0].scope_spans[0].spans[0].attributes, want_plain);
}

TEST(AttributesProcessorTest, FromContextAuthIsAConfigErrorAtItsLine) {
  auto bad = ParseProcessorConfig("attributes", R"(actions:
  - key: user
    from_context: auth.username
    action: insert
)");
  ASSERT_EQ(bad.errors.size(), 1u);
  EXPECT_EQ(bad.errors[0],
            "test.yaml:2: from_context \"auth.username\" is not supported by otter (receivers do "
            "not keep authentication data with the data); use \"metadata.<header>\" or "
            "\"client.address\" at the 0-th action");
}

TEST(AttributesProcessorTest, ConfigErrorsNameTheEntryAndLine) {
  auto missing =
      ParseProcessorConfig("attributes", "include:\n  match_type: strict\n  services: [a]\n");
  ASSERT_EQ(missing.errors.size(), 1u);
  EXPECT_NE(missing.errors[0].find("missing required field \"actions\""), std::string::npos)
      << missing.errors[0];

  auto bad = ParseProcessorConfig("attributes", R"(actions:
  - key: a
    action: delete
  - key: b
    action: insert
)");
  ASSERT_EQ(bad.errors.size(), 1u);
  EXPECT_EQ(bad.errors[0],
            "test.yaml:4: error creating AttrProc. Either field \"value\", \"from_attribute\" or "
            "\"from_context\" setting must be specified for 1-th action");

  auto unknown = ParseProcessorConfig("attributes", "actions:\n  - key: a\n    acton: delete\n");
  ASSERT_FALSE(unknown.errors.empty());
  EXPECT_NE(unknown.errors[0].find("unknown key \"acton\"; did you mean \"action\"?"),
            std::string::npos)
      << unknown.errors[0];
}

TEST(AttributesProcessorTest, MatchPropertiesAreCheckedPerSignal) {
  auto parsed = ParseProcessorConfig("attributes", R"(
include:
  match_type: strict
  log_bodies: [x]
actions:
  - key: a
    action: delete
)");
  ASSERT_TRUE(parsed.errors.empty());
  CaptureConsumer<pdata::TraceBatch> sink;
  auto p = CreateProcessor<pdata::TraceBatch>("attributes", *parsed.config, &sink);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().message(), "include: log_bodies should not be specified for trace spans");
  CaptureConsumer<pdata::LogBatch> logs;
  EXPECT_TRUE(CreateProcessor<pdata::LogBatch>("attributes", *parsed.config, &logs).ok());

  auto no_type = ParseProcessorConfig("attributes", R"(
include:
  services: [x]
actions:
  - key: a
    action: delete
)");
  auto p2 = CreateProcessor<pdata::TraceBatch>("attributes", *no_type.config, &sink);
  ASSERT_FALSE(p2.ok());
  EXPECT_EQ(p2.status().message(),
            "include: match_type: unrecognized match_type: \"\", valid types are: [regexp strict]");
}

}  // namespace
}  // namespace otter
