#include "processors/redaction/redaction.h"

#include <gtest/gtest.h>

#include "processors/attraction/testing.h"

namespace otter {
namespace {

using attraction::testing::CaptureConsumer;
using attraction::testing::CreateProcessor;
using attraction::testing::Dump;
using attraction::testing::ParseProcessorConfig;
using attraction::testing::RunProcessor;
using attraction::testing::Send;
using pdata::AnyValue;
using pdata::Attributes;

// Span attributes after redaction, dumped while the batch (and its arena) is alive (one
// resource, one span; the resource has no attributes).
std::string SpanAttrs(const std::string& yaml, Attributes in) {
  pdata::TraceBatch b;
  b.resources().emplace_back().scope_spans.emplace_back().spans.emplace_back().attributes =
      std::move(in);
  auto out = RunProcessor("redaction", yaml, std::move(b));
  return Dump(out.resources()[0].scope_spans[0].spans[0].attributes);
}

TEST(RedactionTest, AllowListMaskingAndDebugSummary) {
  const std::string yaml = R"(
allowed_keys: [id, notes, auth_token, count]
ignored_keys: [safe]
blocked_key_patterns: [".*token.*"]
blocked_values: ["4[0-9]{12}(?:[0-9]{3})?"]
summary: debug
)";
  std::string got = SpanAttrs(yaml, {{"id", AnyValue::String("5")},
                                     {"notes", AnyValue::String("card 4111111111111111 used")},
                                     {"auth_token", AnyValue::String("abc")},
                                     {"safe", AnyValue::String("4111111111111111")},
                                     {"birth_date", AnyValue::String("1990")},
                                     {"mothers_maiden_name", AnyValue::String("x")},
                                     {"count", AnyValue::Int(4111111111111111)}});
  Attributes want = {
      {"id", AnyValue::String("5")},
      {"notes", AnyValue::String("card **** used")},
      {"auth_token", AnyValue::String("****")},
      {"safe", AnyValue::String("4111111111111111")},
      {"count", AnyValue::Int(4111111111111111)},  // not a string: left alone
      {"redaction.redacted.keys", AnyValue::String("birth_date,mothers_maiden_name")},
      {"redaction.redacted.count", AnyValue::Int(2)},
      {"redaction.masked.keys", AnyValue::String("auth_token,notes")},
      {"redaction.masked.count", AnyValue::Int(2)},
      {"redaction.ignored.count", AnyValue::Int(1)}};
  EXPECT_EQ(got, Dump(want));
}

TEST(RedactionTest, HashFunctionsReplaceMatchesByTheirDigest) {
  const Attributes in = {{"card", AnyValue::String("4111111111111111")}};
  auto with = [&](const std::string& fn) {
    return SpanAttrs(
        "allow_all_keys: true\nblocked_values: ['4[0-9]{15}']\nhash_function: " + fn + "\n", in);
  };
  EXPECT_EQ(with("md5"),
            Dump(Attributes{{"card", AnyValue::String("5910f4ea0062a0e29afd3dccc741e3ce")}}));
  EXPECT_EQ(
      with("sha1"),
      Dump(Attributes{{"card", AnyValue::String("68bfb396f35af3876fc509665b3dc23a0930aab1")}}));
  EXPECT_EQ(
      with("sha3"),
      Dump(Attributes{
          {"card", AnyValue::String("6099154214406cce6105a4688ab66533d3a55d1d7dd393cbccf22b487a22d"
                                    "922")}}));
}

TEST(RedactionTest, RedactAllTypesAllowedValuesWinAndInfoSummary) {
  std::string got = SpanAttrs(R"(
allow_all_keys: true
redact_all_types: true
blocked_values: ["4[0-9]{15}"]
allowed_values: ["@example\\.com$"]
summary: info
)",
                              {{"card", AnyValue::Int(4111111111111111)},
                               {"email", AnyValue::String("bob@example.com")},
                               {"other", AnyValue::String("4111111111111111@example.com")}});
  Attributes want = {{"card", AnyValue::String("****")},
                     {"email", AnyValue::String("bob@example.com")},
                     {"other", AnyValue::String("4111111111111111@example.com")},
                     {"redaction.masked.count", AnyValue::Int(1)},
                     {"redaction.allowed.count", AnyValue::Int(2)}};
  EXPECT_EQ(got, Dump(want));
}

TEST(RedactionTest, MaskFollowsGoReplaceAllForEmptyMatches) {
  EXPECT_EQ(SpanAttrs("allow_all_keys: true\nblocked_values: ['a*']\n",
                      {{"k", AnyValue::String("baaac")}}),
            Dump(Attributes{{"k", AnyValue::String("****b****c****")}}));
}

TEST(RedactionTest, SummaryAccumulatesAcrossProcessors) {
  std::string got =
      SpanAttrs("summary: debug\n", {{"redaction.redacted.keys", AnyValue::String("x")},
                                     {"redaction.redacted.count", AnyValue::Int(1)},
                                     {"y", AnyValue::String("1")}});
  Attributes want = {{"redaction.redacted.keys", AnyValue::String("x,y")},
                     {"redaction.redacted.count", AnyValue::Int(2)}};
  EXPECT_EQ(got, Dump(want));
}

TEST(RedactionTest, LogAttributesAndBody) {
  const std::string yaml = R"(
allowed_keys: [user, msg]
blocked_values: ['\d{16}']
summary: debug
)";
  pdata::LogBatch b;
  auto& sl = b.resources().emplace_back().scope_logs.emplace_back();
  auto& lr = sl.log_records.emplace_back();
  lr.attributes = {{"msg", AnyValue::String("card 4111111111111111")}};
  lr.body.type = AnyValue::Type::kKvList;
  lr.body.kvlist_value = {{"user", AnyValue::String("ann")},
                          {"secret", AnyValue::String("x")},
                          {"msg", AnyValue::String("paid 4111111111111111")}};
  auto& plain = sl.log_records.emplace_back();
  plain.body = AnyValue::String("token 4111111111111111");
  auto out = RunProcessor("redaction", yaml, std::move(b));
  const auto& recs = out.resources()[0].scope_logs[0].log_records;
  Attributes want = {{"msg", AnyValue::String("card ****")},
                     {"redaction.masked.keys", AnyValue::String("msg")},
                     {"redaction.masked.count", AnyValue::Int(1)},
                     {"redaction.body.redacted.keys", AnyValue::String("secret")},
                     {"redaction.body.redacted.count", AnyValue::Int(1)},
                     {"redaction.body.masked.keys", AnyValue::String("msg")},
                     {"redaction.body.masked.count", AnyValue::Int(1)}};
  EXPECT_EQ(recs[0].attributes, want);
  AnyValue body;
  body.type = AnyValue::Type::kKvList;
  body.kvlist_value = {{"user", AnyValue::String("ann")}, {"msg", AnyValue::String("paid ****")}};
  EXPECT_EQ(recs[0].body, body);
  EXPECT_EQ(recs[1].body, AnyValue::String("token ****"));
  Attributes want_plain = {{"redaction.body.masked.keys", AnyValue::String("body")},
                           {"redaction.body.masked.count", AnyValue::Int(1)}};
  EXPECT_EQ(recs[1].attributes, want_plain);
}

TEST(RedactionTest, MetricsResourcesAndDataPoints) {
  pdata::MetricBatch b;
  auto& rm = b.resources().emplace_back();
  rm.resource.attributes = {{"service.name", AnyValue::String("cart")}, {"a", AnyValue::Int(1)}};
  auto& m = rm.scope_metrics.emplace_back().metrics.emplace_back();
  m.type = pdata::MetricType::kSum;
  m.number_points.emplace_back().attributes = {{"a", AnyValue::Int(1)}, {"b", AnyValue::Int(2)}};
  auto out = RunProcessor("redaction", "allowed_keys: [a]\n", std::move(b));
  Attributes want = {{"a", AnyValue::Int(1)}};
  EXPECT_EQ(out.resources()[0].resource.attributes, want);
  EXPECT_EQ(out.resources()[0].scope_metrics[0].metrics[0].number_points[0].attributes, want);
}

TEST(RedactionTest, ConfigErrorsNameTheKey) {
  auto hash = ParseProcessorConfig("redaction", "allow_all_keys: true\nhash_function: crc32\n");
  ASSERT_EQ(hash.errors.size(), 1u);
  EXPECT_EQ(hash.errors[0],
            "test.yaml:2: hash_function: unknown hash function \"crc32\", allowed functions are "
            "md5, sha1 and sha3");
  auto summary = ParseProcessorConfig("redaction", "summary: loud\n");
  ASSERT_EQ(summary.errors.size(), 1u);
  EXPECT_EQ(summary.errors[0], "test.yaml:1: summary: \"loud\" is not one of debug, info, silent");
  auto re = ParseProcessorConfig("redaction", "allow_all_keys: true\nblocked_values: ['(']\n");
  ASSERT_EQ(re.errors.size(), 1u);
  EXPECT_EQ(
      re.errors[0].rfind("test.yaml:2: blocked_values: error compiling regex in list: \"(\"", 0),
      0u)
      << re.errors[0];
  auto url = ParseProcessorConfig("redaction", "url_sanitizer:\n  enabled: true\n");
  ASSERT_EQ(url.errors.size(), 1u);
  EXPECT_NE(url.errors[0].find("\"url_sanitizer\" is not supported yet by otter"),
            std::string::npos);
}

}  // namespace
}  // namespace otter
