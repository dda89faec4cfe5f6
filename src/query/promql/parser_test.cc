#include "query/promql/parser.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>

namespace otter::query::promql {
namespace {

// Renders the tree fully parenthesised so precedence is visible.
std::string Render(const Node& n) {
  switch (n.kind) {
    case NodeKind::kNumber: {
      std::string s = std::to_string(n.number);
      s.erase(s.find_last_not_of('0') + 1);
      if (s.back() == '.') s.pop_back();
      return s;
    }
    case NodeKind::kString:
      return "\"" + n.text + "\"";
    case NodeKind::kVectorSelector: {
      std::string s = "{";
      for (size_t i = 0; i < n.matchers.size(); ++i) s += (i ? "," : "") + n.matchers[i].ToString();
      s += "}";
      if (n.offset_ms) s += " offset " + std::to_string(n.offset_ms) + "ms";
      if (n.at.kind == AtModifier::Kind::kTimestamp) s += " @" + std::to_string(n.at.t_ms);
      return s;
    }
    case NodeKind::kMatrixSelector:
      return Render(*n.children[0]) + "[" + std::to_string(n.range_ms) + "]";
    case NodeKind::kSubquery:
      return Render(*n.children[0]) + "[" + std::to_string(n.range_ms) + ":" +
             std::to_string(n.step_ms) + "]";
    case NodeKind::kParen:
      return Render(*n.children[0]);
    case NodeKind::kUnary:
      return "(-" + Render(*n.children[0]) + ")";
    case NodeKind::kBinary: {
      std::string op(BinOpName(n.bin_op));
      if (n.return_bool) op += " bool";
      if (!n.matching.labels.empty() || n.matching.on) {
        op += n.matching.on ? " on(" : " ignoring(";
        for (size_t i = 0; i < n.matching.labels.size(); ++i)
          op += (i ? "," : "") + n.matching.labels[i];
        op += ")";
      }
      if (n.matching.card == VectorMatching::Card::kManyToOne) op += " group_left";
      if (n.matching.card == VectorMatching::Card::kOneToMany) op += " group_right";
      return "(" + Render(*n.children[0]) + " " + op + " " + Render(*n.children[1]) + ")";
    }
    case NodeKind::kAggregate: {
      std::string s = n.text;
      if (!n.grouping.empty() || n.without) {
        s += n.without ? " without(" : " by(";
        for (size_t i = 0; i < n.grouping.size(); ++i) s += (i ? "," : "") + n.grouping[i];
        s += ")";
      }
      s += "(";
      if (n.param) s += Render(*n.param) + ", ";
      return s + Render(*n.children[0]) + ")";
    }
    case NodeKind::kCall: {
      std::string s = n.text + "(";
      for (size_t i = 0; i < n.children.size(); ++i) s += (i ? ", " : "") + Render(*n.children[i]);
      return s + ")";
    }
  }
  return "?";
}

std::string P(std::string_view q) {
  auto n = ParseExpr(q);
  if (!n.ok()) return "ERROR: " + std::string(n.status().message());
  return Render(**n);
}

TEST(PromqlParser, Precedence) {
  EXPECT_EQ(P("1 + 2 * 3"), "(1 + (2 * 3))");
  EXPECT_EQ(P("1 * 2 + 3"), "((1 * 2) + 3)");
  EXPECT_EQ(P("1 - 2 - 3"), "((1 - 2) - 3)");
  EXPECT_EQ(P("2 ^ 3 ^ 2"), "(2 ^ (3 ^ 2))");
  EXPECT_EQ(P("-a ^ 2"), "(-({__name__=\"a\"} ^ 2))");
  EXPECT_EQ(P("2 ^ -1"), "(2 ^ -1)");
  EXPECT_EQ(P("a or b and c unless d"),
            "({__name__=\"a\"} or (({__name__=\"b\"} and "
            "{__name__=\"c\"}) unless {__name__=\"d\"}))");
  EXPECT_EQ(P("a > 1 + 2"), "({__name__=\"a\"} > (1 + 2))");
  EXPECT_EQ(P("a == bool b"), "({__name__=\"a\"} == bool {__name__=\"b\"})");
  EXPECT_EQ(P("a * on(x, y) group_left b"),
            "({__name__=\"a\"} * on(x,y) group_left {__name__=\"b\"})");
  EXPECT_EQ(P("a / ignoring(z) b"), "({__name__=\"a\"} / ignoring(z) {__name__=\"b\"})");
  EXPECT_EQ(P("(1 + 2) * 3"), "((1 + 2) * 3)");
}

TEST(PromqlParser, SelectorsAndModifiers) {
  EXPECT_EQ(P("foo{a=\"b\", c!=\"d\", e=~'f.*', g!~`h`}"),
            "{__name__=\"foo\",a=\"b\",c!=\"d\",e=~\"f.*\",g!~\"h\"}");
  EXPECT_EQ(P("{__name__=\"foo\"}"), "{__name__=\"foo\"}");
  EXPECT_EQ(P("foo[1h30m]"), "{__name__=\"foo\"}[5400000]");
  EXPECT_EQ(P("foo[5m] offset 1w"), "{__name__=\"foo\"} offset 604800000ms[300000]");
  EXPECT_EQ(P("foo @ 1700000000.5"), "{__name__=\"foo\"} @1700000000500");
  EXPECT_EQ(P("rate(foo[5m])[7d:1h]"), "rate({__name__=\"foo\"}[300000])[604800000:3600000]");
  EXPECT_EQ(P("foo[5m:]"), "{__name__=\"foo\"}[300000:0]");
  EXPECT_EQ(P("foo[100ms]"), "{__name__=\"foo\"}[100]");
  EXPECT_EQ(P("job:rate5m{a=\"b\",}"), "{__name__=\"job:rate5m\",a=\"b\"}");
  EXPECT_EQ(P("foo # comment\n + 1"), "({__name__=\"foo\"} + 1)");
}

TEST(PromqlParser, Aggregations) {
  EXPECT_EQ(P("sum by (job) (rate(x[5m]))"), "sum by(job)(rate({__name__=\"x\"}[300000]))");
  EXPECT_EQ(P("sum(x) without (a, b)"), "sum without(a,b)({__name__=\"x\"})");
  EXPECT_EQ(P("topk(3, x)"), "topk(3, {__name__=\"x\"})");
  EXPECT_EQ(P("count_values(\"v\", x)"), "count_values(\"v\", {__name__=\"x\"})");
  EXPECT_EQ(P("quantile(0.9, x) by (le)"), "quantile by(le)(0.9, {__name__=\"x\"})");
  EXPECT_EQ(P("histogram_quantile(0.9, sum by (le) (rate(x[5m])))"),
            "histogram_quantile(0.9, sum by(le)(rate({__name__=\"x\"}[300000])))");
  EXPECT_EQ(P("round(x, 5)"), "round({__name__=\"x\"}, 5)");
  EXPECT_EQ(P("label_join(x, \"d\", \",\", \"a\", \"b\")"),
            "label_join({__name__=\"x\"}, \"d\", \",\", \"a\", \"b\")");
}

TEST(PromqlParser, NumbersAndStrings) {
  EXPECT_EQ(P("0x1F"), "31");
  EXPECT_EQ(P("1e3"), "1000");
  EXPECT_EQ(P(".5"), "0.5");
  EXPECT_EQ(P("\"a\\nb\""), "\"a\nb\"");
  auto inf = ParseExpr("+Inf");
  ASSERT_TRUE(inf.ok());
  EXPECT_TRUE(std::isinf((*inf)->number));
}

TEST(PromqlParser, ErrorsWithPositions) {
  EXPECT_EQ(P("sum(rate(x[5m])) + foo(bar)"),
            "ERROR: 1:20: parse error: unknown function with name \"foo\"");
  EXPECT_EQ(P("foo + + "), "ERROR: 1:9: parse error: unexpected end of input");
  EXPECT_EQ(P("foo * * bar"), "ERROR: 1:7: parse error: unexpected <op:*>");
  EXPECT_EQ(P("foo bar"), "ERROR: 1:5: parse error: unexpected identifier \"bar\"");
  EXPECT_EQ(P("{}"),
            "ERROR: 1:1: parse error: vector selector must contain at least one "
            "non-empty matcher");
  EXPECT_EQ(P("{a=~\".*\"}"),
            "ERROR: 1:1: parse error: vector selector must contain at least "
            "one non-empty matcher");
  EXPECT_EQ(P("rate(foo)"),
            "ERROR: 1:6: parse error: expected type range vector in call to "
            "function \"rate\", got instant vector");
  EXPECT_EQ(P("abs(x, y)"),
            "ERROR: 1:1: parse error: expected 1 argument(s) in call to \"abs\", "
            "got 2");
  EXPECT_EQ(P("1 == 1"),
            "ERROR: 1:3: parse error: comparisons between scalars must use BOOL "
            "modifier");
  EXPECT_EQ(P("foo and 1"),
            "ERROR: 1:1: parse error: set operator \"and\" not allowed in binary "
            "scalar expression");
  EXPECT_EQ(P("(foo"), "ERROR: 1:1: parse error: unclosed left parenthesis");
  EXPECT_EQ(P("foo)"), "ERROR: 1:4: parse error: unexpected right parenthesis ')'");
  EXPECT_EQ(P("foo{a=\"b\""), "ERROR: 1:10: parse error: unexpected end of input inside braces");
  EXPECT_EQ(P("foo{a}"),
            "ERROR: 1:6: parse error: unexpected \"}\" in label matching, expected "
            "label matching operator");
  EXPECT_EQ(P("foo[5mm]"), "ERROR: 1:5: parse error: bad number or duration syntax: \"5mm\"");
  EXPECT_EQ(P("\"abc"), "ERROR: 1:1: parse error: unterminated quoted string");
  EXPECT_EQ(P("foo $ 1"), "ERROR: 1:5: parse error: unexpected character: '$'");
  EXPECT_EQ(P("(foo + bar)[5m]"),
            "ERROR: 1:12: parse error: ranges only allowed for vector "
            "selectors");
  EXPECT_EQ(P("foo[5m][1h:]"),
            "ERROR: 1:1: parse error: subquery is only allowed on instant "
            "vector, got matrix instead");
  EXPECT_EQ(P("sum(foo[5m])"),
            "ERROR: 1:5: parse error: expected type instant vector in "
            "aggregation expression, got range vector");
  EXPECT_EQ(P("foo offset 1m offset 2m"),
            "ERROR: 1:15: parse error: offset may not be set "
            "multiple times");
  EXPECT_EQ(P("foo + bool bar"),
            "ERROR: 1:7: parse error: bool modifier can only be used on "
            "comparison operators");
  EXPECT_EQ(P("foo and on(a) group_left bar"),
            "ERROR: 1:1: parse error: no grouping allowed for \"and\" operation");
  EXPECT_EQ(P("foo{a=~\"(\"}"),
            "ERROR: 1:8: parse error: invalid regular expression \"(\": "
            "missing ): ^(?:()$");
  EXPECT_EQ(P("-\"s\""),
            "ERROR: 1:1: parse error: unary expression only allowed on expressions "
            "of type scalar or instant vector, got \"string\"");
  EXPECT_EQ(P(""), "ERROR: 1:1: parse error: no expression found in input");
  EXPECT_EQ(P("foo\n  + by"), "ERROR: 2:5: parse error: unexpected <by>");
  EXPECT_EQ(P("sum by"),
            "ERROR: 1:7: parse error: unexpected end of input in grouping opts, "
            "expected \"(\"");
  EXPECT_EQ(P("foo{__name__=\"bar\"}"),
            "ERROR: 1:1: parse error: metric name must not be set twice: \"foo\" or \"bar\"");
}

TEST(PromqlParser, MetricSelectorAndCollect) {
  auto ms = ParseMetricSelector("up{job=\"a\"}");
  ASSERT_TRUE(ms.ok());
  ASSERT_EQ(ms->size(), 2u);
  EXPECT_EQ((*ms)[0].ToString(), "__name__=\"up\"");
  EXPECT_FALSE(ParseMetricSelector("rate(up[5m])").ok());
  auto e = ParseExpr("a / on(x) b + sum(rate(c[5m]))");
  ASSERT_TRUE(e.ok());
  std::vector<store::Matchers> sels;
  CollectSelectors(**e, &sels);
  ASSERT_EQ(sels.size(), 3u);
  EXPECT_EQ(sels[2][0].value(), "c");
}

}  // namespace
}  // namespace otter::query::promql
