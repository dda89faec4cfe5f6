#include "query/logql/parser.h"

#include <gtest/gtest.h>

#include "query/logql/lexer.h"
#include "query/logql/template.h"

namespace otter::query::logql {
namespace {

std::string ErrorOf(std::string_view q) {
  auto r = ParseQuery(q);
  if (r.ok()) return "<ok>";
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  return std::string(r.status().message());
}

// A bytes literal past uint64 is not a size, rather than an undefined conversion (found by
// logql_fuzz: "328eb").
TEST(LogqlParserTest, BytesLiteralsPastUint64) {
  uint64_t v = 0;
  EXPECT_TRUE(ParseBytesValue("18eb", &v));
  EXPECT_EQ(v, 18'000'000'000'000'000'000u);
  EXPECT_TRUE(ParseBytesValue("15EiB", &v));
  EXPECT_EQ(v, 15ull << 60);
  EXPECT_FALSE(ParseBytesValue("328eb", &v));
  EXPECT_FALSE(ParseBytesValue("16eib", &v));
  EXPECT_FALSE(ParseBytesValue("1e400b", &v));
  EXPECT_NE(ErrorOf(R"({a="b"} | size > 328eb)"), "<ok>");
}

// topk/bottomk take an int (Loki: strconv.Atoi), so a parameter past int64 is invalid, not an
// out-of-range conversion in the evaluator (found by logql_fuzz: "topk(9999…992, …)").
TEST(LogqlParserTest, TopkParameterPastInt64IsInvalid) {
  EXPECT_EQ(ErrorOf(R"(topk(9223372036854775807, count_over_time({a="b"}[1m])))"), "<ok>");
  EXPECT_NE(ErrorOf(R"(topk(9223372036854775808, count_over_time({a="b"}[1m])))")
                .find("invalid parameter topk(9223372036854775808,"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"(bottomk(99999999999999999999999999999, rate({a="b"}[1m])))")
                .find("invalid parameter bottomk("),
            std::string::npos);
}

TEST(LogqlParserTest, StreamSelector) {
  auto r = ParseQuery(R"({ namespace="buzz", foo !~ "bar" })");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const Expr& e = **r;
  EXPECT_TRUE(e.IsLogQuery());
  ASSERT_EQ(e.selector.matchers.size(), 2u);
  EXPECT_EQ(e.selector.matchers[0].ToString(), R"(namespace="buzz")");
  EXPECT_EQ(e.selector.matchers[1].ToString(), R"(foo!~"bar")");
  EXPECT_TRUE(e.selector.stages.empty());
}

TEST(LogqlParserTest, PipelineStages) {
  auto r = ParseQuery(
      R"({app="a"} |= "x" != "y" |~ `z\d` | json | level="error" or status >= 500 | )"
      R"(line_format "{{.msg}}" | label_format dst=src, t="{{.a}}" | drop a, b="c" | keep d)");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const auto& st = (*r)->selector.stages;
  ASSERT_EQ(st.size(), 7u);
  EXPECT_EQ(st[0].kind, Stage::Kind::kLineFilters);
  ASSERT_EQ(st[0].line_filters.size(), 3u);
  EXPECT_EQ(st[0].line_filters[1].op, LineFilterOp::kNotContains);
  EXPECT_EQ(st[0].line_filters[2].op, LineFilterOp::kRegex);
  EXPECT_EQ(st[0].line_filters[2].values[0], "z\\d");
  EXPECT_EQ(st[1].kind, Stage::Kind::kJson);
  EXPECT_EQ(st[2].kind, Stage::Kind::kLabelFilter);
  EXPECT_EQ(st[2].label_filter->kind, LabelFilter::Kind::kOr);
  EXPECT_EQ(st[2].label_filter->right->kind, LabelFilter::Kind::kNumber);
  EXPECT_EQ(st[2].label_filter->right->op, CmpOp::kGe);
  EXPECT_EQ(st[2].label_filter->right->value, 500);
  EXPECT_EQ(st[3].kind, Stage::Kind::kLineFormat);
  EXPECT_EQ(st[4].kind, Stage::Kind::kLabelFormat);
  ASSERT_EQ(st[4].label_formats.size(), 2u);
  EXPECT_EQ(st[4].label_formats[0].rename_from, "src");
  EXPECT_TRUE(st[4].label_formats[1].tmpl.has_value());
  EXPECT_EQ(st[5].kind, Stage::Kind::kDrop);
  EXPECT_EQ(st[5].names, std::vector<std::string>{"a"});
  EXPECT_EQ(st[5].name_matchers.size(), 1u);
  EXPECT_EQ(st[6].kind, Stage::Kind::kKeep);
}

TEST(LogqlParserTest, LabelFilterCombinations) {
  auto r = ParseQuery(R"({a="b"} | logfmt | x="1", y=~"z.*" d > 1s and size <= 5KiB)");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const LabelFilter& f = *(*r)->selector.stages[1].label_filter;
  // (((x and y) and d) and size)
  ASSERT_EQ(f.kind, LabelFilter::Kind::kAnd);
  EXPECT_EQ(f.right->kind, LabelFilter::Kind::kBytes);
  EXPECT_EQ(f.right->value, 5120);
  EXPECT_EQ(f.left->right->kind, LabelFilter::Kind::kDuration);
  EXPECT_EQ(f.left->right->value, 1e9);  // nanoseconds
  // Keywords can be label names in filters.
  EXPECT_EQ(ErrorOf(R"({ foo = "bar" }|logfmt|rate="a")"), "<ok>");
}

TEST(LogqlParserTest, MetricQueries) {
  auto r = ParseQuery(
      R"(sum by (level) (count_over_time({service_name="checkout"} | json | level!="" [5m])))");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const Expr& e = **r;
  EXPECT_EQ(e.kind, Expr::Kind::kVectorAgg);
  EXPECT_EQ(e.op, "sum");
  EXPECT_EQ(e.grouping.labels, std::vector<std::string>{"level"});
  EXPECT_EQ(e.lhs->kind, Expr::Kind::kRangeAgg);
  EXPECT_EQ(e.lhs->op, "count_over_time");
  EXPECT_EQ(e.lhs->range_ns, 300'000'000'000);
  EXPECT_EQ(e.lhs->selector.stages.size(), 2u);

  r = ParseQuery(R"(topk(10,count_over_time({ foo = "bar" }[5h])) without (bar))");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)->param, 10);
  EXPECT_TRUE((*r)->grouping.without);

  r = ParseQuery(R"(sum(rate({a="b"}[1m] |= "x")) * 60 > bool 2)");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)->op, ">");
  EXPECT_TRUE((*r)->return_bool);
  EXPECT_EQ((*r)->lhs->op, "*");

  r = ParseQuery(
      R"(quantile_over_time(0.99, {a="b"} | json | unwrap duration(latency) | __error__="" [1m]) by (x))");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE((*r)->unwrap.has_value());
  EXPECT_EQ((*r)->unwrap->conv, Unwrap::Conv::kDuration);
  EXPECT_EQ((*r)->unwrap->label, "latency");
  EXPECT_EQ((*r)->unwrap->post_filters.size(), 1u);
  EXPECT_EQ((*r)->param, 0.99);
}

TEST(LogqlParserTest, LokiErrorMessages) {
  EXPECT_EQ(ErrorOf(R"(unk({ foo = "bar" }[5m]))"),
            "parse error at line 1, col 1: syntax error: unexpected IDENTIFIER");
  EXPECT_EQ(ErrorOf(R"(rate({ foo = "bar" }[5minutes]))"),
            "parse error at line 0, col 21: not a valid duration string: \"5minutes\"");
  EXPECT_EQ(ErrorOf(R"(rate({ foo = "bar" }[5))"),
            "parse error at line 0, col 21: missing closing ']' in duration");
  EXPECT_EQ(ErrorOf(R"(min({ foo = "bar" }[5m]))"),
            "parse error at line 0, col 20: syntax error: unexpected RANGE");
  EXPECT_EQ(ErrorOf(R"({ foo = "bar" }|logfmt|addr>=ip("1.2.3.4"))"),
            "parse error at line 1, col 30: syntax error: unexpected ip, expecting BYTES or "
            "NUMBER or DURATION");
  EXPECT_EQ(ErrorOf(R"({app="foo")"),
            "parse error at line 1, col 11: syntax error: unexpected $end, expecting } or ,");
  EXPECT_EQ(ErrorOf(R"({app="foo"} |= test)"),
            "parse error at line 1, col 16: syntax error: unexpected IDENTIFIER, expecting "
            "STRING or ip");
  EXPECT_EQ(ErrorOf("{app=\"foo\"}\n | json | x >"),
            "parse error at line 2, col 14: syntax error: unexpected $end, expecting BYTES or "
            "NUMBER or DURATION");
  EXPECT_EQ(ErrorOf(""), "parse error at line 1, col 1: syntax error: unexpected $end");
}

TEST(LogqlParserTest, SemanticErrors) {
  const std::string empty_compatible =
      "parse error : queries require at least one regexp or equality matcher that does not "
      "have an empty-compatible value. For instance, app=~\".*\" does not meet this "
      "requirement, but app=~\".+\" will";
  EXPECT_EQ(ErrorOf(R"({foo!="bar"})"), empty_compatible);
  EXPECT_EQ(ErrorOf(R"({app=~".*"})"), empty_compatible);
  EXPECT_EQ(ErrorOf(R"({})"), empty_compatible);
  EXPECT_EQ(ErrorOf(R"({app=~".+"})"), "<ok>");
  EXPECT_EQ(ErrorOf(R"(sum_over_time({app="foo"} | json [5m]))"),
            "parse error : invalid aggregation sum_over_time without unwrap");
  EXPECT_EQ(ErrorOf(R"(count_over_time({app="foo"} | json | unwrap duration [5m]))"),
            "parse error : invalid aggregation count_over_time with unwrap");
  EXPECT_EQ(ErrorOf(R"(absent_over_time({ foo = "bar" }[5h]) by (foo))"),
            "parse error : grouping not allowed for absent_over_time aggregation");
  EXPECT_EQ(ErrorOf(R"({a="b"} |~ "(a")"),
            "parse error : invalid regular expression \"(a\": missing ): (a");
  EXPECT_EQ(ErrorOf(R"({a="b"} | line_format "{{.a")"),
            "parse error : template: line:1: unclosed action");
  EXPECT_EQ(ErrorOf(R"({a="b"} + 1)"),
            "parse error : unexpected type for left leg of binary operation (+): "
            "*syntax.MatchersExpr");
}

TEST(LogqlParserTest, HostileQueriesAreBounded) {
  EXPECT_EQ(ErrorOf(std::string(200, '(') + "1" + std::string(200, ')')),
            "parse error : query is nested too deeply");
  std::string q = R"({a="b"} | x="1")";
  for (int i = 0; i < 3000; ++i) q += R"( and x="1")";
  EXPECT_EQ(ErrorOf(q), "parse error : query has too many operations");
  EXPECT_EQ(ErrorOf(std::string(50, '(') + "1" + std::string(50, ')')), "<ok>");
}

TEST(LogqlParserTest, StreamSelectorOnly) {
  auto m = ParseStreamSelector(R"({a="b", c=~"d.*"})");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->size(), 2u);
  auto bad = ParseStreamSelector(R"({a="b"} |= "x")");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "parse error : only label matchers are supported");
}

TEST(LogqlLexerTest, DurationsAndBytes) {
  int64_t ns = 0;
  ASSERT_TRUE(ParseDurationNs("1h30m", &ns));
  EXPECT_EQ(ns, 5400'000'000'000);
  ASSERT_TRUE(ParseDurationNs("1.5s", &ns));
  EXPECT_EQ(ns, 1'500'000'000);
  ASSERT_TRUE(ParseDurationNs("2d", &ns));
  EXPECT_EQ(ns, 172800'000'000'000);
  EXPECT_FALSE(ParseDurationNs("5minutes", &ns));
  uint64_t b = 0;
  ASSERT_TRUE(ParseBytesValue("10KiB", &b));
  EXPECT_EQ(b, 10240u);
  ASSERT_TRUE(ParseBytesValue("5MB", &b));
  EXPECT_EQ(b, 5'000'000u);
  auto toks = Lex(R"(x >= 5MB + 1e3 `raw\n` "a\"b")");
  ASSERT_TRUE(toks.ok());
  ASSERT_EQ(toks->size(), 8u);
  EXPECT_EQ((*toks)[2].kind, TokenKind::kBytes);
  EXPECT_EQ((*toks)[4].number, 1000);
  EXPECT_EQ((*toks)[5].text, "raw\\n");
  EXPECT_EQ((*toks)[6].text, "a\"b");
}

TEST(LogqlTemplateTest, RendersFieldsAndFunctions) {
  store::Labels labels = {{"level", "error"}, {"msg", "  boom  "}};
  auto t = LineTemplate::Parse(
      "{{.level | ToUpper}} [{{ TrimSpace .msg }}] {{.missing}}|{{ default \"x\" .missing }} "
      "{{ __line__ }} {{ __timestamp__ }}");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  auto out = t->Execute(labels, "raw", 1700000000'500000000);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, "ERROR [boom] |x raw 2023-11-14 22:13:20.5 +0000 UTC");
  auto trimmed = LineTemplate::Parse("a  {{- .level -}}  b");
  ASSERT_TRUE(trimmed.ok());
  EXPECT_EQ(*trimmed->Execute(labels, "", 0), "aerrorb");
  auto cond = LineTemplate::Parse("{{ if .level }}x{{ else }}y{{ end }}");
  ASSERT_TRUE(cond.ok());
  EXPECT_EQ(*cond->Execute(labels, "", 0), "x");
  EXPECT_FALSE(LineTemplate::Parse("{{ range .a }}x{{ end }}").ok());
  EXPECT_FALSE(LineTemplate::Parse("{{ nosuchfunc .a }}").ok());
}

}  // namespace
}  // namespace otter::query::logql
