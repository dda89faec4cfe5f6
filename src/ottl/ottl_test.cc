#include "ottl/ottl.h"

#include <gtest/gtest.h>

namespace otter::ottl {
namespace {

using pdata::AnyValue;

// One resource, scope, span (with an event), metric point and log record, wired into contexts.
struct Fixture {
  pdata::ArenaSet arenas;
  pdata::Resource resource;
  pdata::InstrumentationScope scope;
  pdata::Span span;
  pdata::SpanEvent event;
  pdata::Metric metric;
  pdata::NumberDataPoint point;
  pdata::HistogramDataPoint hist;
  pdata::LogRecord log;

  Fixture() {
    resource.attributes = {{"service.name", AnyValue::String("checkout")}};
    scope.name = "io.otter.test";
    scope.version = "1.2";
    span.name = "GET /cart";
    span.kind = pdata::SpanKind::kServer;
    span.status.code = pdata::StatusCode::kError;
    span.start_time_unix_nano = 1000;
    span.end_time_unix_nano = 4000;
    pdata::ParseHexId("0102030405060708090a0b0c0d0e0f10", &span.trace_id);
    pdata::ParseHexId("1112131415161718", &span.span_id);
    span.attributes = {{"http.method", AnyValue::String("GET")},
                       {"http.status_code", AnyValue::Int(503)},
                       {"password", AnyValue::String("hunter2")}};
    event.name = "exception";
    event.attributes = {{"exception.type", AnyValue::String("IOError")}};
    metric.name = "http.server.duration";
    metric.type = pdata::MetricType::kSum;
    point.value_type = pdata::NumberDataPoint::ValueType::kDouble;
    point.as_double = 2.5;
    point.attributes = {{"route", AnyValue::String("/cart")}};
    log.severity_number = 17;
    log.severity_text = "ERROR";
    log.body = AnyValue::String("{\"user\":\"ann\",\"n\":3}");
  }

  Context Span() {
    Context c;
    c.arenas = &arenas;
    c.resource = &resource;
    c.scope = &scope;
    c.span = &span;
    c.span_event = &event;
    return c;
  }
  Context Point() {
    Context c = Span();
    c.metric = &metric;
    c.number_point = &point;
    return c;
  }
  Context Log() {
    Context c = Span();
    c.log = &log;
    return c;
  }

  void Run(std::string_view text, ContextKind kind = ContextKind::kSpan) {
    auto st = Statement::Parse(text, kind);
    ASSERT_TRUE(st.ok()) << st.status().ToString();
    Context c = kind == ContextKind::kLog ? Log() : kind >= ContextKind::kMetric ? Point() : Span();
    Status s = st->Execute(c);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  bool Eval(std::string_view text, ContextKind kind = ContextKind::kSpan) {
    auto cond = Condition::Parse(text, kind);
    EXPECT_TRUE(cond.ok()) << text << ": " << cond.status().ToString();
    if (!cond.ok()) return false;
    Context c = kind == ContextKind::kLog ? Log() : kind >= ContextKind::kMetric ? Point() : Span();
    auto r = cond->Eval(c);
    EXPECT_TRUE(r.ok()) << text << ": " << r.status().ToString();
    return r.ok() && *r;
  }
  std::string Attr(const pdata::Attributes& a, std::string_view k) {
    const AnyValue* v = pdata::FindAttribute(a, k);
    return v ? v->ToString() : "<absent>";
  }
};

std::string ParseError(std::string_view text, ContextKind kind = ContextKind::kSpan) {
  auto st = Statement::Parse(text, kind);
  return st.ok() ? "ok" : std::string(st.status().message());
}
std::string ConditionError(std::string_view text, ContextKind kind = ContextKind::kSpan) {
  auto c = Condition::Parse(text, kind);
  return c.ok() ? "ok" : std::string(c.status().message());
}

TEST(OttlParser, ReportsColumnAndCause) {
  EXPECT_EQ(ParseError(R"(sett(attributes["a"], "b"))"),
            "column 1: unknown function \"sett\"; did you mean \"set\"?");
  EXPECT_EQ(ParseError(R"(set(attributes["a"], "b") where nme == "x")"),
            "column 33: unknown path \"nme\" in the span context; did you mean \"name\"?");
  EXPECT_EQ(ParseError(R"(set(attributes["a"], "b)"), "column 22: unterminated string");
  EXPECT_EQ(ParseError(R"(set(attributes["a"] "b"))"),
            "column 21: expected \",\" or \")\", got string \"b\"");
  EXPECT_EQ(ParseError(R"(set(name, "x") where)"),
            "column 21: unexpected end of input; expected a value");
  EXPECT_EQ(ParseError(R"(set(name, "x") when name == "a")"),
            "column 16: unexpected \"when\" after the editor call (expected where)");
  EXPECT_EQ(ParseError(R"(set(name, IsMatc(name, "a")))"),
            "column 11: unknown function \"IsMatc\"; did you mean \"IsMatch\"?");
  EXPECT_EQ(ParseError(R"(set(name, "x") where IsMatch(name, "(a"))"),
            "column 36: the regex pattern supplied to IsMatch is not a valid pattern: \"(a\": "
            "error parsing regexp: missing closing ): `(a`");
  EXPECT_EQ(ParseError(R"(set(name))"), "column 1: set needs 2 arguments (target, value), got 1");
  EXPECT_EQ(ParseError(R"(set("x", name))"),
            "column 5: set: target must be a path such as attributes[\"k\"]");
  EXPECT_EQ(ParseError(R"(set(name, "x") where kind == SPAN_KIND_SERVR)"),
            "column 30: unknown enum symbol \"SPAN_KIND_SERVR\"");
  EXPECT_EQ(ParseError(R"(set(span.name, "x"))", ContextKind::kResource),
            "column 5: path \"span.name\" names the span context, which is not available in "
            "the resource context");
  EXPECT_EQ(ParseError(R"(IsMatch(name, "x"))"),
            "column 1: a statement must start with an editor (lowercase, e.g. set), got "
            "converter \"IsMatch\"");
  EXPECT_EQ(ParseError(R"(set(name, "x") where name)"),
            "column 22: expected a condition (a comparison, true/false, a converter or "
            "and/or/not), got a value");
  EXPECT_EQ(ParseError(R"(limit(attributes, 1, ["a", "b"]))"),
            "column 22: invalid limit for limit function, number of priority keys (2) cannot be "
            "greater than the limit (1)");
  EXPECT_EQ(ParseError(R"(truncate_all(attributes, -1))"),
            "column 26: invalid limit for truncate_all function, -1 cannot be negative");
  EXPECT_EQ(ParseError(R"(replace_all_patterns(attributes, "both", "a", "b"))"),
            "column 34: replace_all_patterns: invalid mode \"both\", must be \"key\" or "
            "\"value\"");
  EXPECT_EQ(ParseError(R"(replace_pattern(name, "a", "b", SHA256))"),
            "column 33: replace_pattern: the function argument is not supported by otter yet");
  EXPECT_EQ(ConditionError(R"(name == "a" and)"),
            "column 16: unexpected end of input; expected a value");
  EXPECT_EQ(ConditionError(R"(name == "a" == "b")"), "column 13: unexpected \"==\"");
  EXPECT_EQ(ConditionError(R"(attributes[0] == 1)"), "column 12: map keys must be strings");
}

TEST(OttlParser, AcceptsTheGrammar) {
  for (
      const char* ok : {
          R"(set(attributes["a"]["b"], [1, 2.5, "x", true, nil, {"k": 0x0a0b}]))",
          R"(set(attributes["n"], (1 + 2) * 3 - -4 / 2) where not (kind == 2 or false))",
          R"(set(attributes["x"], Split(name, " ")[1]) where name != nil and end_time_unix_nano - start_time_unix_nano > 100)",
          R"(replace_pattern(name, "^GET (.*)$", "$1", replacementFormat = "%s"))",
          R"(set(resource.attributes["a"], instrumentation_scope.name))",
          R"(set(span.attributes["a"], scope.version))",
      }) {
    EXPECT_EQ(ParseError(ok), "ok") << ok;
  }
}

TEST(OttlEval, ComparisonsLogicAndMath) {
  Fixture f;
  EXPECT_TRUE(f.Eval(R"(name == "GET /cart")"));
  EXPECT_TRUE(f.Eval(R"(kind == SPAN_KIND_SERVER and status.code == STATUS_CODE_ERROR)"));
  EXPECT_TRUE(f.Eval(R"(attributes["http.status_code"] >= 500)"));
  EXPECT_TRUE(f.Eval(R"(attributes["http.status_code"] == 503.0)"));
  EXPECT_FALSE(f.Eval(R"(attributes["missing"] == "x")"));
  EXPECT_TRUE(f.Eval(R"(attributes["missing"] == nil)"));
  EXPECT_FALSE(f.Eval(R"(attributes["http.method"] > 1)"));  // unordered types: false
  EXPECT_TRUE(f.Eval(R"("abc" < "abd")"));
  EXPECT_TRUE(f.Eval(R"(end_time_unix_nano - start_time_unix_nano == 3000)"));
  EXPECT_TRUE(f.Eval(R"(7 / 2 == 3 and 7.0 / 2 == 3.5 and 2 + 3 * 4 == 14)"));
  EXPECT_TRUE(f.Eval(R"(not false and (false or true))"));
  EXPECT_TRUE(f.Eval(R"(resource.attributes["service.name"] == "checkout")"));
  EXPECT_TRUE(f.Eval(R"(instrumentation_scope.name == "io.otter.test")"));
  EXPECT_TRUE(f.Eval(R"(trace_id.string == "0102030405060708090a0b0c0d0e0f10")"));
  EXPECT_TRUE(f.Eval(R"(trace_id == TraceID(0x0102030405060708090a0b0c0d0e0f10))"));
  EXPECT_TRUE(f.Eval(R"(span_id == SpanID(0x1112131415161718))"));
  EXPECT_TRUE(f.Eval(R"(parent_span_id.string == "0000000000000000")"));
  EXPECT_TRUE(f.Eval(R"(kind.string == "Server")"));
  EXPECT_TRUE(f.Eval(R"([1, "a"] == [1, "a"] and {"a": 1} == {"a": 1})"));

  auto div = Condition::Parse("1 / 0 == 1", ContextKind::kSpan);
  ASSERT_TRUE(div.ok());
  Context c = f.Span();
  EXPECT_EQ(div->Eval(c).status().message(),
            "failed to eval condition: 1 / 0 == 1: attempted to divide by 0");
}

TEST(OttlEval, ContextPaths) {
  Fixture f;
  f.Run(R"(set(name, "POST /cart"))");
  f.Run(R"(set(kind, SPAN_KIND_CLIENT))");
  f.Run(R"(set(status.code, STATUS_CODE_OK))");
  f.Run(R"(set(status.message, "fine"))");
  f.Run(R"(set(start_time_unix_nano, 5))");
  f.Run(R"(set(span_id.string, "a1a2a3a4a5a6a7a8"))");
  f.Run(R"(set(name, 42))");  // wrong type: unchanged, as in the Go collector
  EXPECT_EQ(f.span.name, "POST /cart");
  EXPECT_EQ(f.span.kind, pdata::SpanKind::kClient);
  EXPECT_EQ(f.span.status.code, pdata::StatusCode::kOk);
  EXPECT_EQ(f.span.status.message, "fine");
  EXPECT_EQ(f.span.start_time_unix_nano, 5u);
  EXPECT_EQ(f.span.span_id.Hex(), "a1a2a3a4a5a6a7a8");

  f.Run(R"(set(resource.attributes["env"], "prod"))", ContextKind::kResource);
  f.Run(R"(set(scope.name, "renamed"))", ContextKind::kScope);
  f.Run(R"(set(attributes["n"], 1))", ContextKind::kSpanEvent);
  f.Run(R"(set(span.attributes["from_event"], name))", ContextKind::kSpanEvent);
  EXPECT_EQ(f.Attr(f.resource.attributes, "env"), "prod");
  EXPECT_EQ(f.scope.name, "renamed");
  EXPECT_EQ(f.Attr(f.event.attributes, "n"), "1");
  EXPECT_EQ(f.Attr(f.span.attributes, "from_event"), "exception");

  EXPECT_TRUE(f.Eval(R"(metric.name == "http.server.duration" and metric.type == )"
                     R"(METRIC_DATA_TYPE_SUM and value_double == 2.5)",
                     ContextKind::kDataPoint));
  f.Run(R"(set(value_double, value_double * 2))", ContextKind::kDataPoint);
  f.Run(R"(set(attributes["route"], "/x"))", ContextKind::kDataPoint);
  f.Run(R"(set(metric.description, "latency"))", ContextKind::kDataPoint);
  EXPECT_EQ(f.point.as_double, 5.0);
  EXPECT_EQ(f.Attr(f.point.attributes, "route"), "/x");
  EXPECT_EQ(f.metric.description, "latency");
  {
    Context c = f.Point();
    c.number_point = nullptr;
    c.histogram_point = &f.hist;
    f.hist.count = 7;
    auto cond = Condition::Parse("count == 7", ContextKind::kDataPoint);
    ASSERT_TRUE(cond.ok());
    EXPECT_TRUE(*cond->Eval(c));
    auto bad = Condition::Parse("value_double > 1", ContextKind::kDataPoint);
    EXPECT_EQ(bad->Eval(c).status().message(),
              "failed to eval condition: value_double > 1: datapoint.value_double does not exist "
              "on this data point type");
  }

  EXPECT_TRUE(f.Eval(R"(severity_number >= SEVERITY_NUMBER_ERROR and severity_text == "ERROR")",
                     ContextKind::kLog));
  f.Run(R"(set(body, ParseJSON(body)))", ContextKind::kLog);
  EXPECT_EQ(f.log.body.ToString(), R"({"user":"ann","n":3})");
  f.Run(R"(set(attributes["user"], body["user"]))", ContextKind::kLog);
  f.Run(R"(set(body["user"], "bob"))", ContextKind::kLog);
  f.Run(R"(set(log.severity_text, "WARN"))", ContextKind::kLog);
  EXPECT_EQ(f.Attr(f.log.attributes, "user"), "ann");
  EXPECT_EQ(f.log.body.ToString(), R"({"user":"bob","n":3})");
  EXPECT_EQ(f.log.severity_text, "WARN");
}

TEST(OttlEval, NestedKeysCreateMaps) {
  Fixture f;
  f.Run(R"(set(attributes["a"]["b"], "c"))");
  f.Run(R"(set(attributes["list"], ["x", "y"]))");
  f.Run(R"(set(attributes["second"], attributes["list"][1]))");
  EXPECT_EQ(f.Attr(f.span.attributes, "a"), R"({"b":"c"})");
  EXPECT_EQ(f.Attr(f.span.attributes, "second"), "y");
  EXPECT_TRUE(f.Eval(R"(attributes["a"]["b"] == "c")"));
  auto cond = Condition::Parse(R"(attributes["list"][5] == "x")", ContextKind::kSpan);
  Context c = f.Span();
  EXPECT_EQ(cond->Eval(c).status().message(),
            "failed to eval condition: attributes[\"list\"][5] == \"x\": index 5 out of bounds "
            "for a list of length 2");
}

TEST(OttlEditors, KeysAndPatterns) {
  Fixture f;
  f.Run(R"(delete_key(attributes, "password"))");
  EXPECT_EQ(f.Attr(f.span.attributes, "password"), "<absent>");
  f.Run(R"(delete_matching_keys(attributes, "^http\\.s"))");
  EXPECT_EQ(f.span.attributes.size(), 1u);
  EXPECT_EQ(f.span.attributes[0].key, "http.method");

  Fixture g;
  g.Run(R"(keep_keys(attributes, ["password", "nope"]))");
  ASSERT_EQ(g.span.attributes.size(), 1u);
  EXPECT_EQ(g.span.attributes[0].key, "password");

  Fixture h;
  h.Run(R"(keep_matching_keys(attributes, "^http"))");
  EXPECT_EQ(h.span.attributes.size(), 2u);

  Fixture r;
  r.Run(R"(replace_pattern(name, "^(GET|POST) /(\\w+)$", "$1 {$2}"))");
  EXPECT_EQ(r.span.name, "GET {cart}");
  r.Run(R"(replace_pattern(attributes["password"], ".", "*"))");
  EXPECT_EQ(r.Attr(r.span.attributes, "password"), "*******");
  r.Run(R"(replace_all_patterns(attributes, "value", "^GET$", "get"))");
  EXPECT_EQ(r.Attr(r.span.attributes, "http.method"), "get");
  r.Run(R"(replace_all_patterns(attributes, "key", "^http\\.", "h."))");
  EXPECT_EQ(r.Attr(r.span.attributes, "h.method"), "get");
  EXPECT_EQ(r.Attr(r.span.attributes, "http.method"), "<absent>");

  Fixture m;
  m.Run(R"(replace_match(name, "GET /*", "GET /{path}"))");
  EXPECT_EQ(m.span.name, "GET /{path}");
  m.Run(R"(replace_all_matches(attributes, "hunt?r*", "redacted"))");
  EXPECT_EQ(m.Attr(m.span.attributes, "password"), "redacted");
  EXPECT_EQ(m.Attr(m.span.attributes, "http.method"), "GET");
}

TEST(OttlEditors, TruncateLimitMerge) {
  Fixture f;
  f.Run(R"(truncate_all(attributes, 3))");
  EXPECT_EQ(f.Attr(f.span.attributes, "password"), "hun");
  EXPECT_EQ(f.Attr(f.span.attributes, "http.status_code"), "503");

  Fixture l;
  l.Run(R"(limit(attributes, 2, ["password"]))");
  ASSERT_EQ(l.span.attributes.size(), 2u);
  EXPECT_EQ(l.span.attributes[0].key, "http.method");
  EXPECT_EQ(l.span.attributes[1].key, "password");

  Fixture m;
  m.Run(R"(merge_maps(attributes, {"http.method": "PUT", "new": 1}, "insert"))");
  EXPECT_EQ(m.Attr(m.span.attributes, "http.method"), "GET");
  EXPECT_EQ(m.Attr(m.span.attributes, "new"), "1");
  m.Run(R"(merge_maps(attributes, {"http.method": "PUT", "other": 1}, "update"))");
  EXPECT_EQ(m.Attr(m.span.attributes, "http.method"), "PUT");
  EXPECT_EQ(m.Attr(m.span.attributes, "other"), "<absent>");
  m.Run(R"(merge_maps(attributes, resource.attributes, "upsert"))");
  EXPECT_EQ(m.Attr(m.span.attributes, "service.name"), "checkout");
}

TEST(OttlConverters, Values) {
  Fixture f;
  f.Run(R"(set(attributes["c"], Concat(["a", 1, 2.5, true, nil], "-")))");
  EXPECT_EQ(f.Attr(f.span.attributes, "c"), "a-1-2.5-true-<nil>");
  f.Run(R"(set(attributes["s"], Split("a,b,,c", ",")))");
  EXPECT_EQ(f.Attr(f.span.attributes, "s"), R"(["a","b","","c"])");
  f.Run(R"(set(attributes["h"], SHA256("abc")))");
  EXPECT_EQ(f.Attr(f.span.attributes, "h"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  f.Run(R"(set(attributes["h1"], SHA1("abc")))");
  EXPECT_EQ(f.Attr(f.span.attributes, "h1"), "a9993e364706816aba3e25717850c26c9cd0d89d");
  f.Run(R"(set(attributes["sub"], Substring(name, 4, 5)))");
  EXPECT_EQ(f.Attr(f.span.attributes, "sub"), "/cart");
  f.Run(R"(set(attributes["up"], ToUpperCase(name)))");
  f.Run(R"(set(attributes["low"], ToLowerCase("MiXed")))");
  EXPECT_EQ(f.Attr(f.span.attributes, "up"), "GET /CART");
  EXPECT_EQ(f.Attr(f.span.attributes, "low"), "mixed");

  EXPECT_TRUE(f.Eval(R"(Int("42") == 42 and Int(2.9) == 2 and Int(true) == 1)"));
  EXPECT_TRUE(f.Eval(R"(Int("x") == nil and Double("2.5") == 2.5 and Double(3) == 3.0)"));
  EXPECT_TRUE(f.Eval(R"(String(12) == "12" and String(1.5) == "1.5" and String(true) == "true")"));
  EXPECT_TRUE(f.Eval(R"(Bool("true") and not Bool(0) and Bool("x") == nil)"));
  EXPECT_TRUE(f.Eval(R"(Len(name) == 9 and Len(resource.attributes) == 1 and Len([1, 2]) == 2)"));
  EXPECT_TRUE(f.Eval(R"(IsMatch(name, "^GET ") and not IsMatch(attributes["x"], ".*"))"));
  EXPECT_TRUE(f.Eval(R"(IsMatch(attributes["http.status_code"], "^5\\d\\d$"))"));
  EXPECT_TRUE(f.Eval(R"(IsString(name) and IsInt(kind) and IsMap(attributes))"));
  EXPECT_TRUE(f.Eval(R"(IsDouble(1.5) and IsBool(false) and IsList([1]) and not IsInt("1"))"));
  EXPECT_TRUE(f.Eval(R"(ParseJSON("[1, {\"a\": \"b\"}]")[1]["a"] == "b")"));
  EXPECT_TRUE(f.Eval(R"(Split(name, " ")[0] == "GET")"));

  auto bad = Condition::Parse(R"(Substring(name, 20, 1) == "x")", ContextKind::kSpan);
  Context c = f.Span();
  EXPECT_EQ(bad->Eval(c).status().message(),
            "failed to eval condition: Substring(name, 20, 1) == \"x\": Substring: invalid start "
            "20");
  auto json = Condition::Parse(R"(ParseJSON("{oops") == nil)", ContextKind::kSpan);
  EXPECT_FALSE(json->Eval(c).ok());
}

TEST(OttlConverters, LessCommonFunctions) {
  Fixture f;
  EXPECT_TRUE(f.Eval(R"(IsRootSpan())"));
  EXPECT_TRUE(f.Eval(R"(span.name == "GET /cart" and IsRootSpan())", ContextKind::kSpanEvent));
  EXPECT_EQ(ConditionError("IsRootSpan()", ContextKind::kResource),
            "column 1: IsRootSpan is only available in the span or spanevent context");
  {
    f.metric.number_points.push_back(f.point);
    Context c = f.Point();
    auto has = Condition::Parse(R"(HasAttrOnDatapoint("route", "/cart"))", ContextKind::kMetric);
    auto key = Condition::Parse(R"(HasAttrKeyOnDatapoint("nope"))", ContextKind::kMetric);
    ASSERT_TRUE(has.ok() && key.ok());
    EXPECT_TRUE(*has->Eval(c));
    EXPECT_FALSE(*key->Eval(c));
  }
  EXPECT_TRUE(f.Eval(R"(MD5("abc") == "900150983cd24fb0d6963f7d28e17f72")"));
  EXPECT_TRUE(f.Eval(
      R"(SHA512("abc") == "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f")"));
  EXPECT_TRUE(f.Eval(R"(FNV("abc") == -1792535898324117685)"));
  EXPECT_TRUE(f.Eval(R"(ConvertCase("httpStatusCode", "snake") == "http_status_code")"));
  EXPECT_TRUE(f.Eval(R"(ConvertCase("http_status code", "camel") == "HttpStatusCode")"));
  EXPECT_TRUE(
      f.Eval(R"(ConvertCase("MiX", "lower") == "mix" and ConvertCase("a", "upper") == "A")"));
  EXPECT_EQ(ParseError(R"(set(name, ConvertCase(name, "kebab")))"),
            "column 29: invalid case: kebab, allowed cases are: lower, upper, snake, camel");

  f.Run(R"x(set(attributes["req"], ExtractPatterns(name, "^(?P<method>\\w+) (?P<path>\\S+)$")))x");
  EXPECT_EQ(f.Attr(f.span.attributes, "req"), R"({"method":"GET","path":"/cart"})");
  EXPECT_EQ(ParseError(R"x(set(name, ExtractPatterns(name, "(\\w+)")))x"),
            "column 33: ExtractPatterns: at least 1 named capture group must be supplied in the "
            "given regex");
}

TEST(OttlEditors, SumGaugeConversions) {
  Fixture f;
  f.metric.temporality = pdata::AggregationTemporality::kCumulative;
  f.metric.is_monotonic = true;
  f.Run("convert_sum_to_gauge()", ContextKind::kMetric);
  EXPECT_EQ(f.metric.type, pdata::MetricType::kGauge);
  EXPECT_EQ(f.metric.temporality, pdata::AggregationTemporality::kUnspecified);
  EXPECT_FALSE(f.metric.is_monotonic);
  f.Run(R"(convert_gauge_to_sum("delta", true))", ContextKind::kMetric);
  EXPECT_EQ(f.metric.type, pdata::MetricType::kSum);
  EXPECT_EQ(f.metric.temporality, pdata::AggregationTemporality::kDelta);
  EXPECT_TRUE(f.metric.is_monotonic);
  EXPECT_EQ(ParseError("convert_sum_to_gauge()", ContextKind::kDataPoint),
            "column 1: convert_sum_to_gauge is only available in the metric context");
  EXPECT_EQ(ParseError(R"(convert_gauge_to_sum("sometimes", true))", ContextKind::kMetric),
            "column 22: unknown aggregation temporality: sometimes (valid: cumulative, delta)");
}

TEST(OttlEditors, Flatten) {
  Fixture f;
  f.span.attributes.clear();
  f.Run(R"(set(attributes["a"], {"b": 1, "c": [1, {"d": 2}]}))");
  f.Run(R"(set(attributes["top"], "x"))");
  Fixture g;
  g.span.attributes = f.span.attributes;
  f.Run(R"(flatten(attributes))");
  auto render = [](const pdata::Attributes& a) {
    AnyValue v;
    v.type = AnyValue::Type::kKvList;
    v.kvlist_value = a;
    return v.ToString();
  };
  EXPECT_EQ(render(f.span.attributes), R"({"a.b":1,"a.c.0":1,"a.c.1.d":2,"top":"x"})");
  g.Run(R"(flatten(attributes, "p", 1))");
  EXPECT_EQ(render(g.span.attributes), R"({"p.a.b":1,"p.a.c":[1,{"d":2}],"p.top":"x"})");
  EXPECT_EQ(ParseError(R"(flatten(attributes, "p", -1))"),
            "column 26: invalid depth for flatten function, -1 cannot be negative");
  EXPECT_EQ(ParseError(R"(flaten(attributes))"),
            "column 1: unknown function \"flaten\"; did you mean \"flatten\"?");
}

TEST(OttlStatement, WhereClauseAndErrorText) {
  Fixture f;
  f.Run(R"(set(attributes["error"], true) where status.code == STATUS_CODE_ERROR)");
  f.Run(R"(set(attributes["ok"], true) where status.code == STATUS_CODE_OK)");
  EXPECT_EQ(f.Attr(f.span.attributes, "error"), "true");
  EXPECT_EQ(f.Attr(f.span.attributes, "ok"), "<absent>");
  auto st = Statement::Parse(R"(delete_key(attributes["http.method"], "x"))", ContextKind::kSpan);
  ASSERT_TRUE(st.ok());
  Context c = f.Span();
  EXPECT_EQ(st->Execute(c).message(),
            "failed to execute statement: delete_key(attributes[\"http.method\"], \"x\"): "
            "expected a map at \"attributes\" but got string");
}

TEST(OttlInfer, LowestContextNamedByPaths) {
  const std::vector<ContextKind> traces = {ContextKind::kResource, ContextKind::kScope,
                                           ContextKind::kSpan, ContextKind::kSpanEvent};
  auto infer = [&](std::string_view s) {
    auto k = InferContext(s, true, traces);
    return k.ok() ? std::string(ContextKindName(*k)) : std::string(k.status().message());
  };
  EXPECT_EQ(infer(R"(set(resource.attributes["a"], "b"))"), "resource");
  EXPECT_EQ(infer(R"(set(span.name, "b") where resource.attributes["a"] == "b")"), "span");
  EXPECT_EQ(infer(R"(set(spanevent.name, span.name))"), "spanevent");
  EXPECT_EQ(infer(R"(set(scope.name, "x"))"), "scope");
  EXPECT_EQ(infer(R"(set(log.body, "x"))"),
            "inferred context \"log\" is not valid here (valid: resource, scope, span, "
            "spanevent)");
  EXPECT_EQ(infer(R"(set(name, "x"))"),
            "unable to infer a context: no path names one of (resource, scope, span, "
            "spanevent); write e.g. span.name or resource.attributes[\"k\"]");
}

}  // namespace
}  // namespace otter::ottl
