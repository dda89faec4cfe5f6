#include "receivers/filelog/operators.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "config/loader.h"

namespace otter::filelog {
namespace {

using pdata::AnyValue;

// s"x" i5 d1.5 b1 nil {k:v, ...} [a, b]
std::string R(const AnyValue& v) {
  switch (v.type) {
    case AnyValue::Type::kEmpty:
      return "nil";
    case AnyValue::Type::kString:
      return "\"" + std::string(v.string_value) + "\"";
    case AnyValue::Type::kBytes:
      return "bytes";
    case AnyValue::Type::kInt:
      return "i" + std::to_string(v.int_value);
    case AnyValue::Type::kBool:
      return v.bool_value ? "b1" : "b0";
    case AnyValue::Type::kDouble: {
      char b[32];
      std::snprintf(b, sizeof b, "d%g", v.double_value);
      return b;
    }
    case AnyValue::Type::kArray: {
      std::string s = "[";
      for (size_t i = 0; i < v.array_value.size(); ++i) s += (i ? "," : "") + R(v.array_value[i]);
      return s + "]";
    }
    case AnyValue::Type::kKvList: {
      std::string s = "{";
      for (size_t i = 0; i < v.kvlist_value.size(); ++i)
        s += (i ? "," : "") + std::string(v.kvlist_value[i].key) + ":" + R(v.kvlist_value[i].value);
      return s + "}";
    }
  }
  return "?";
}

std::string R(const pdata::Attributes& a) {
  AnyValue v;
  v.type = AnyValue::Type::kKvList;
  v.kvlist_value = a;
  return R(v);
}

// The entry as one line: what a test compares exactly.
std::string Render(const Entry& e) {
  std::string s = "body=" + R(e.record.body) + " attrs=" + R(e.record.attributes);
  if (!e.resource.empty()) s += " resource=" + R(e.resource);
  if (e.record.time_unix_nano) s += " time=" + std::to_string(e.record.time_unix_nano);
  if (e.record.severity_number || !e.record.severity_text.empty())
    s += " sev=" + std::to_string(e.record.severity_number) + "/" +
         std::string(e.record.severity_text);
  if (!e.record.trace_id.empty()) s += " trace=" + e.record.trace_id.Hex();
  if (!e.record.span_id.empty()) s += " span=" + e.record.span_id.Hex();
  if (e.record.flags) s += " flags=" + std::to_string(e.record.flags);
  return s;
}

struct Harness {
  std::unique_ptr<OperatorPipeline> pipeline;
  pdata::ArenaSet arena;
  std::vector<std::string> errors;
  std::string config_errors;

  explicit Harness(const std::string& yaml) {
    auto node = config::ParseYaml(yaml, "ops.yaml");
    EXPECT_TRUE(node.ok()) << node.status().ToString();
    config::Diagnostics d;
    pipeline = OperatorPipeline::Build(*node, d);
    config_errors = d.ErrorsText();
    if (!config_errors.empty()) config_errors.pop_back();  // the last newline
    if (pipeline)
      pipeline->SetErrorHandler([this](const Operator& op, const Status& s, bool) {
        errors.push_back(op.id + ": " + std::string(s.message()));
      });
  }
  // Runs a body (a string) through; "" when dropped.
  std::string Body(std::string_view body) {
    Entry e;
    e.record.body = AnyValue::String(arena.Copy(body));
    return Run(std::move(e));
  }
  std::string Run(Entry e) {
    if (!pipeline) return "no pipeline: " + config_errors;
    if (!pipeline->Run(e, arena)) return "dropped";
    return Render(e);
  }
};

TEST(FilelogOperatorsTest, JsonParserWritesAttributesAndKeepsTheBody) {
  Harness h("- type: json_parser\n");
  EXPECT_EQ(h.Body(R"({"a":"x","n":3,"f":1.5,"t":true,"o":{"k":"v"},"l":[1,"s"],"z":null})"),
            R"(body="{"a":"x","n":3,"f":1.5,"t":true,"o":{"k":"v"},"l":[1,"s"],"z":null}" )"
            R"(attrs={a:"x",n:d3,f:d1.5,t:b1,o:{k:"v"},l:[d1,"s"],z:nil})");
  EXPECT_TRUE(h.errors.empty());
}

TEST(FilelogOperatorsTest, JsonParserParseIntsParseToBodyAndErrors) {
  Harness h(
      "- type: json_parser\n"
      "  parse_ints: true\n"
      "  parse_to: body\n");
  EXPECT_EQ(h.Body(R"({"n":3,"big":1e3})"), "body={n:i3,big:d1000} attrs={}");
  EXPECT_EQ(h.Body("not json"), "body=\"not json\" attrs={}");  // on_error: send
  ASSERT_EQ(h.errors.size(), 1u);
  EXPECT_EQ(h.errors[0].substr(0, 24), "json_parser: parse JSON:");
  EXPECT_EQ(h.Body("[1,2]"), "body=\"[1,2]\" attrs={}");
  Harness drop("- type: json_parser\n  on_error: drop\n");
  EXPECT_EQ(drop.Body("{oops"), "dropped");
}

// The seed's JSON log lines (Python JSONFormatter with trace context) parsed as a user would.
TEST(FilelogOperatorsTest, SeedJsonLogWithTraceContext) {
  Harness h(
      "- type: json_parser\n"
      "  timestamp:\n"
      "    parse_from: attributes.timestamp\n"
      "    layout: '%Y-%m-%dT%H:%M:%S.%LZ'\n"
      "    location: UTC\n"
      "  severity:\n"
      "    parse_from: attributes.severity\n"
      "  trace:\n"
      "    trace_id:\n"
      "      parse_from: attributes.trace_id\n"
      "    span_id:\n"
      "      parse_from: attributes.span_id\n"
      "- type: move\n"
      "  from: attributes[\"service.name\"]\n"
      "  to: resource[\"service.name\"]\n"
      "- id: message_to_body\n"
      "  type: move\n"
      "  from: attributes.message\n"
      "  to: body\n"
      "- type: remove\n"
      "  field: attributes.timestamp\n");
  EXPECT_EQ(
      h.Body(R"({"timestamp": "2025-11-10T14:23:45.123Z", "severity": "ERROR", "message": )"
             R"("Database connection failed", "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", )"
             R"("span_id": "00f067aa0ba902b7", "service.name": "user-service"})"),
      "body=\"Database connection failed\" attrs={severity:\"ERROR\","
      "trace_id:\"4bf92f3577b34da6a3ce929d0e0e4736\",span_id:\"00f067aa0ba902b7\"} "
      "resource={service.name:\"user-service\"} time=1762784625123000000 sev=17/ERROR "
      "trace=4bf92f3577b34da6a3ce929d0e0e4736 span=00f067aa0ba902b7");
  EXPECT_TRUE(h.errors.empty()) << h.errors[0];
}

TEST(FilelogOperatorsTest, RegexParserNamedGroupsAndEmbeddedBlocks) {
  Harness h(
      "- type: regex_parser\n"
      "  regex: '^(?P<time>\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}) (?P<sev>[A-Z]*) "
      "(?P<msg>.*)$'\n"
      "  timestamp:\n"
      "    parse_from: attributes.time\n"
      "    layout: '%Y-%m-%d %H:%M:%S'\n"
      "    location: UTC\n"
      "  severity:\n"
      "    parse_from: attributes.sev\n");
  EXPECT_EQ(h.Body("2023-06-19 05:20:50 ERROR This is a test error message"),
            "body=\"2023-06-19 05:20:50 ERROR This is a test error message\" "
            "attrs={time:\"2023-06-19 05:20:50\",sev:\"ERROR\",msg:\"This is a test error "
            "message\"} time=1687152050000000000 sev=17/ERROR");
  EXPECT_EQ(h.Body("garbage"), "body=\"garbage\" attrs={}");
  EXPECT_EQ(h.errors.back(), "regex_parser: regex pattern does not match");
  Harness none("- type: regex_parser\n  regex: 'a(b)'\n");
  EXPECT_EQ(none.config_errors,
            "ops.yaml:2: operators[0]: regex: no named capture groups in regex pattern");
}

TEST(FilelogOperatorsTest, TimeParserLayouts) {
  auto parse = [](const std::string& block, const std::string& value) {
    Harness h("- type: time_parser\n  parse_from: body\n  location: UTC\n" + block);
    std::string out = h.Body(value);
    if (!h.errors.empty()) return h.errors[0];
    size_t at = out.find(" time=");
    return at == std::string::npos ? out : out.substr(at + 6);
  };
  const std::string kT = "1136214245000000000";  // 2006-01-02T15:04:05Z
  EXPECT_EQ(parse("  layout: '%Y-%m-%d %H:%M:%S'\n", "2006-01-02 15:04:05"), kT);
  // Go: a fraction after the seconds is accepted though the layout has none.
  EXPECT_EQ(parse("  layout: '%Y-%m-%d %H:%M:%S'\n", "2006-01-02 15:04:05.5"),
            "1136214245500000000");
  // Python logging's default format (comma before the milliseconds).
  EXPECT_EQ(parse("  layout: '%Y-%m-%d %H:%M:%S,%L'\n", "2006-01-02 15:04:05,123"),
            "1136214245123000000");
  EXPECT_EQ(parse("  layout: '%Y-%m-%dT%H:%M:%S%z'\n", "2006-01-02T08:04:05-0700"), kT);
  EXPECT_EQ(parse("  layout: '%Y-%m-%dT%H:%M:%S%j'\n", "2006-01-02T16:04:05+01:00"), kT);
  EXPECT_EQ(parse("  layout: '%d/%b/%Y:%H:%M:%S %z'\n", "02/Jan/2006:15:04:05 +0000"), kT);
  EXPECT_EQ(parse("  layout: '%a %b %e %H:%M:%S %Z %Y'\n", "Mon Jan  2 15:04:05 UTC 2006"), kT);
  EXPECT_EQ(parse("  layout: '%I:%M %p %F'\n", "03:04 PM 2006-01-02"), "1136214240000000000");
  EXPECT_EQ(parse("  layout_type: gotime\n  layout: '2006-01-02T15:04:05.000Z07:00'\n",
                  "2006-01-02T15:04:05.250Z"),
            "1136214245250000000");
  EXPECT_EQ(
      parse("  layout_type: gotime\n  layout: 'Jan _2 15:04:05 2006'\n", "Jan  2 15:04:05 2006"),
      kT);
  EXPECT_EQ(parse("  layout_type: epoch\n  layout: s\n", "1136214245"), kT);
  EXPECT_EQ(parse("  layout_type: epoch\n  layout: ms\n", "1136214245123"), "1136214245123000000");
  EXPECT_EQ(parse("  layout_type: epoch\n  layout: s.us\n", "1136214245.000001"),
            "1136214245000001000");
  EXPECT_EQ(parse("  layout: '%Y-%m-%d'\n", "2006-01-02 extra"),
            "time_parser: parsing time \"2006-01-02 extra\": extra text: \" extra\"");
  EXPECT_EQ(parse("  layout: '%Y-%m-%d'\n", "2006-02-30"),
            "time_parser: parsing time \"2006-02-30\": day out of range");
  Harness bad("- type: time_parser\n  parse_from: body\n  layout: '%Y-%Q'\n");
  EXPECT_EQ(bad.config_errors,
            "ops.yaml:3: operators[0]: layout: unsupported strptime directive: %Q");
  Harness digits("- type: time_parser\n  parse_from: body\n  layout: '2006-%m'\n");
  EXPECT_EQ(digits.config_errors,
            "ops.yaml:3: operators[0]: layout: format string should not contain decimals: "
            "\"2006-%m\"");
  Harness zone(
      "- type: time_parser\n  parse_from: body\n  layout: '%Y-%m-%d %H:%M'\n"
      "  location: America/New_York\n");
  EXPECT_EQ(zone.Body("2006-01-02 10:04"),
            "body=\"2006-01-02 10:04\" attrs={} time=1136214240000000000");
}

TEST(FilelogOperatorsTest, SeverityParserPresetsAndMappings) {
  auto sev = [](const std::string& block, const std::string& value) {
    Harness h("- type: severity_parser\n  parse_from: body\n" + block);
    std::string out = h.Body(value);
    size_t at = out.find(" sev=");
    return at == std::string::npos ? "none" : out.substr(at + 5);
  };
  EXPECT_EQ(sev("", "ERROR"), "17/ERROR");
  EXPECT_EQ(sev("", "warning"), "13/warning");
  EXPECT_EQ(sev("", "Err"), "17/Err");
  EXPECT_EQ(sev("", "info3"), "11/info3");
  EXPECT_EQ(sev("", "unknown"), "0/unknown");
  EXPECT_EQ(sev("  preset: none\n", "ERROR"), "0/ERROR");
  EXPECT_EQ(sev("  preset: otel\n", "warning"), "0/warning");
  const std::string mapping =
      "  mapping:\n"
      "    error: [oops, 4xx]\n"
      "    fatal:\n"
      "      - min: 9001\n"
      "        max: 9050\n"
      "    info3: medium\n";
  EXPECT_EQ(sev(mapping, "OOPS"), "17/OOPS");
  EXPECT_EQ(sev(mapping, "404"), "17/404");
  EXPECT_EQ(sev(mapping, "9003"), "21/9003");
  EXPECT_EQ(sev(mapping, "medium"), "11/medium");
  EXPECT_EQ(sev("  overwrite_text: true\n", "warning"), "13/WARN");
  Harness h(
      "- type: json_parser\n  parse_ints: true\n  severity:\n    parse_from: attributes.code\n"
      "    mapping:\n      error: 5xx\n");
  EXPECT_EQ(h.Body(R"({"code":503})"), "body=\"{\"code\":503}\" attrs={code:i503} sev=17/503");
  Harness bad("- type: severity_parser\n  parse_from: body\n  mapping:\n    loud: x\n");
  EXPECT_EQ(
      bad.config_errors,
      "ops.yaml:4: operators[0]: mapping: \"loud\" is not a severity (trace..fatal4, default)");
}

TEST(FilelogOperatorsTest, TraceParserDefaultsAndBadHex) {
  Harness h(
      "- type: json_parser\n  parse_to: body\n"
      "- type: trace_parser\n");
  EXPECT_EQ(
      h.Body(
          R"({"trace_id":"4BF92F3577B34DA6A3CE929D0E0E4736","span_id":"00f067aa0ba902b7","trace_flags":"01"})"),
      "body={trace_id:\"4BF92F3577B34DA6A3CE929D0E0E4736\",span_id:\"00f067aa0ba902b7\","
      "trace_flags:\"01\"} attrs={} trace=4bf92f3577b34da6a3ce929d0e0e4736 "
      "span=00f067aa0ba902b7 flags=1");
  // Python's trace_flags is a number: "1" is odd-length hex, an error; the ids are still set.
  EXPECT_EQ(h.Body(R"({"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","trace_flags":1})"),
            "body={trace_id:\"4bf92f3577b34da6a3ce929d0e0e4736\",trace_flags:d1} attrs={} "
            "trace=4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(h.errors.back(),
            "trace_parser: Error decoding traces for logs: invalid hex in trace_flags");
}

TEST(FilelogOperatorsTest, MoveCopyRemoveAddRetain) {
  Harness h(
      "- type: json_parser\n"
      "- type: copy\n  from: attributes.user\n  to: attributes[\"user.copy\"]\n"
      "- type: move\n  from: attributes.nested.k\n  to: resource.k\n"
      "- type: remove\n  field: attributes.drop\n"
      "- type: add\n  field: attributes.env\n  value: prod\n"
      "- id: add_count\n  type: add\n  field: attributes.count\n  value: 3\n"
      "- id: add_tags\n  type: add\n  field: resource.tags\n  value: {team: core, tier: \"1\"}\n");
  EXPECT_EQ(h.Body(R"({"user":"ann","nested":{"k":"v","o":1},"drop":true})"),
            "body=\"{\"user\":\"ann\",\"nested\":{\"k\":\"v\",\"o\":1},\"drop\":true}\" "
            "attrs={user:\"ann\",nested:{o:d1},user.copy:\"ann\",env:\"prod\",count:i3} "
            "resource={k:\"v\",tags:{team:\"core\",tier:\"1\"}}");
  EXPECT_TRUE(h.errors.empty());
  EXPECT_EQ(h.Body(R"({"user":"bob"})"),
            "body=\"{\"user\":\"bob\"}\" attrs={user:\"bob\",user.copy:\"bob\",env:\"prod\","
            "count:i3} resource={tags:{team:\"core\",tier:\"1\"}}");
  ASSERT_EQ(h.errors.size(), 2u);
  EXPECT_EQ(h.errors[0], "move: field does not exist: attributes.nested.k");
  EXPECT_EQ(h.errors[1], "remove: field does not exist: attributes.drop");

  Harness retain(
      "- type: json_parser\n"
      "- type: retain\n  fields: [attributes.a, attributes.c]\n");
  EXPECT_EQ(retain.Body(R"({"a":1,"b":2,"c":3})"),
            "body=\"{\"a\":1,\"b\":2,\"c\":3}\" attrs={a:d1,c:d3}");
  Harness move_body("- type: move\n  from: body\n  to: attributes.original\n");
  EXPECT_EQ(move_body.Body("line"), "body=nil attrs={original:\"line\"}");
}

TEST(FilelogOperatorsTest, KeyValueParser) {
  Harness h("- type: key_value_parser\n");
  EXPECT_EQ(h.Body("trace_id=abc123 span_id=def456 msg=\"Test message\" level=info"),
            "body=\"trace_id=abc123 span_id=def456 msg=\"Test message\" level=info\" "
            "attrs={trace_id:\"abc123\",span_id:\"def456\",msg:\"Test message\",level:\"info\"}");
  Harness pipe("- type: key_value_parser\n  delimiter: ':'\n  pair_delimiter: '|'\n");
  EXPECT_EQ(pipe.Body("a: 1|b :two"), "body=\"a: 1|b :two\" attrs={a:\"1\",b:\"two\"}");
}

TEST(FilelogOperatorsTest, IfConditionsAndOutputRouting) {
  // An operator whose `if` is false passes the entry to its output unchanged (as in stanza).
  Harness h(
      "- type: json_parser\n"
      "  if: 'body matches \"^\\\\{\"'\n"
      "- type: add\n"
      "  if: attributes.level == \"debug\" or attributes.n > 5\n"
      "  field: attributes.noisy\n"
      "  value: true\n"
      "- id: mark\n  type: add\n  field: attributes.marked\n  value: x\n  output: last\n"
      "- id: never\n  type: add\n  field: attributes.never\n  value: x\n"
      "- id: last\n  type: noop\n");
  EXPECT_EQ(h.Body("plain text"), "body=\"plain text\" attrs={marked:\"x\"}");
  EXPECT_EQ(h.Body(R"({"level":"debug"})"),
            "body=\"{\"level\":\"debug\"}\" attrs={level:\"debug\",noisy:b1,marked:\"x\"}");
  EXPECT_EQ(h.Body(R"({"n":7})"), "body=\"{\"n\":7}\" attrs={n:d7,noisy:b1,marked:\"x\"}");
  EXPECT_EQ(h.Body(R"({"n":2})"), "body=\"{\"n\":2}\" attrs={n:d2,marked:\"x\"}");
  EXPECT_TRUE(h.errors.empty());
}

TEST(FilelogOperatorsTest, ConfigErrorsNameTheOperatorAndLine) {
  EXPECT_EQ(Harness("- type: json_parser\n  parse_form: body\n").config_errors,
            "ops.yaml:2: operators[0]: unknown key \"parse_form\"; did you mean \"parse_from\"?");
  EXPECT_EQ(Harness("- type: csv_parser\n").config_errors,
            "ops.yaml:1: operators[0]: type: unsupported operator type \"csv_parser\" (otter has "
            "json_parser, regex_parser, key_value_parser, time_parser, severity_parser, "
            "trace_parser, move, copy, remove, add, retain, noop)");
  EXPECT_EQ(Harness("- type: move\n  from: body.a\n  to: label.x\n").config_errors,
            "ops.yaml:3: operators[0]: to: unrecognized prefix \"label\" in field \"label.x\" (use "
            "body, attributes or resource)");
  EXPECT_EQ(Harness("- type: noop\n- type: noop\n").config_errors,
            "ops.yaml:2: operators[1]: id: duplicate operator id \"noop\" (give operators of the "
            "same type distinct ids)");
  EXPECT_EQ(Harness("- id: a\n  type: noop\n  output: b\n- id: b\n  type: noop\n  output: a\n")
                .config_errors,
            "ops.yaml:1: operators: the outputs form a cycle through \"a\"");
  EXPECT_EQ(
      Harness("- type: noop\n  on_error: ignore\n").config_errors,
      "ops.yaml:2: operators[0]: on_error: must be one of send, send_quiet, drop, drop_quiet");
}

}  // namespace
}  // namespace otter::filelog
