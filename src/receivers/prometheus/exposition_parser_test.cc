#include "receivers/prometheus/exposition_parser.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace otter::promscrape {
namespace {

// Renders every entry the parser yields, one per line, or the error.
std::string Dump(std::string_view body, ExpositionFormat f) {
  pdata::ArenaSet arena;
  ExpositionParser p(body, f, &arena);
  std::string out;
  for (;;) {
    auto e = p.Next();
    if (!e.ok()) return out + "ERROR " + std::string(e.status().message());
    switch (*e) {
      case ExpositionParser::Entry::kEof:
        return out;
      case ExpositionParser::Entry::kHelp:
        out += "HELP " + std::string(p.family()) + " [" + std::string(p.help()) + "]\n";
        break;
      case ExpositionParser::Entry::kType:
        out +=
            "TYPE " + std::string(p.family()) + " " + std::string(FamilyTypeName(p.type())) + "\n";
        break;
      case ExpositionParser::Entry::kUnit:
        out += "UNIT " + std::string(p.family()) + " " + std::string(p.unit()) + "\n";
        break;
      case ExpositionParser::Entry::kSample: {
        out += std::string(p.name()) + "{";
        for (const Label& l : p.labels())
          out += std::string(l.name) + "=[" + std::string(l.value) + "]";
        char buf[64];
        double v = p.value();
        if (std::isnan(v))
          snprintf(buf, sizeof buf, "NaN");
        else
          snprintf(buf, sizeof buf, "%g", v);
        out += "} " + std::string(buf);
        if (p.has_timestamp()) out += " @" + std::to_string(p.timestamp_ms());
        if (p.has_exemplar()) {
          out += " ex{";
          for (const Label& l : p.exemplar_labels())
            out += std::string(l.name) + "=[" + std::string(l.value) + "]";
          snprintf(buf, sizeof buf, "%g", p.exemplar_value());
          out += "} " + std::string(buf);
          if (p.exemplar_has_timestamp()) out += " @" + std::to_string(p.exemplar_timestamp_ms());
        }
        out += "\n";
      }
    }
  }
}

TEST(ExpositionParserTest, TextFormat) {
  const std::string body =
      "# HELP http_requests_total The total \\\\ number\\nof \"requests\".\n"
      "# TYPE http_requests_total counter\n"
      "http_requests_total{method=\"post\",code=\"200\"} 1027 1395066363000\n"
      "http_requests_total{ method = \"get\" , path=\"C:\\\\dir\\\"x\\\"\\nend\", } 3\n"
      "\n"
      "  # a plain comment\n"
      "# TYPE untyped_metric untyped\n"
      "untyped_metric -Inf\n"
      "nan_metric NaN\n"
      "inf_metric +Inf\n"
      "sci\t1.5e-3\t-12\n"
      "metric_without_labels{} 12.47\n";
  EXPECT_EQ(Dump(body, ExpositionFormat::kText),
            "HELP http_requests_total [The total \\ number\nof \"requests\".]\n"
            "TYPE http_requests_total counter\n"
            "http_requests_total{method=[post]code=[200]} 1027 @1395066363000\n"
            "http_requests_total{method=[get]path=[C:\\dir\"x\"\nend]} 3\n"
            "TYPE untyped_metric unknown\n"
            "untyped_metric{} -inf\n"
            "nan_metric{} NaN\n"
            "inf_metric{} inf\n"
            "sci{} 0.0015 @-12\n"
            "metric_without_labels{} 12.47\n");
}

TEST(ExpositionParserTest, OpenMetrics) {
  const std::string body =
      "# TYPE foo counter\n"
      "# UNIT foo seconds\n"
      "# HELP foo Help with \\\"quotes\\\".\n"
      "foo_total{a=\"1\"} 17.0 1520879607.789 # {trace_id=\"0af7651916cd43dd8448eb211c80319c\"} "
      "0.67 1520879606.5\n"
      "foo_created{a=\"1\"} 1520430000.123\n"
      "# TYPE state stateset\n"
      "state{state=\"a\"} 1\n"
      "# TYPE build info\n"
      "build_info{version=\"1.0\"} 1\n"
      "# TYPE h histogram\n"
      "h_bucket{le=\"+Inf\"} 2 # {} 1\n"
      "# EOF\n";
  EXPECT_EQ(Dump(body, ExpositionFormat::kOpenMetrics),
            "TYPE foo counter\n"
            "UNIT foo seconds\n"
            "HELP foo [Help with \"quotes\".]\n"
            "foo_total{a=[1]} 17 @1520879607789 ex{trace_id=[0af7651916cd43dd8448eb211c80319c]} "
            "0.67 @1520879606500\n"
            "foo_created{a=[1]} 1.52043e+09\n"
            "TYPE state stateset\n"
            "state{state=[a]} 1\n"
            "TYPE build info\n"
            "build_info{version=[1.0]} 1\n"
            "TYPE h histogram\n"
            "h_bucket{le=[+Inf]} 2 ex{} 1\n");
}

TEST(ExpositionParserTest, ErrorsNameTheLine) {
  using F = ExpositionFormat;
  EXPECT_EQ(Dump("a 1\nb{x=\"1\"} abc\n", F::kText), "a{} 1\nERROR line 2: invalid value \"abc\"");
  EXPECT_EQ(Dump("a{x=\"1\",x=\"2\"} 1\n", F::kText), "ERROR line 1: duplicate label name \"x\"");
  EXPECT_EQ(Dump("a{x=\"1} 1\n", F::kText), "ERROR line 1: unterminated label value");
  EXPECT_EQ(Dump("a{x=1} 1\n", F::kText), "ERROR line 1: expected a quoted value for label \"x\"");
  EXPECT_EQ(Dump("# TYPE a countr\n", F::kText), "ERROR line 1: invalid metric type \"countr\"");
  EXPECT_EQ(Dump("# TYPE a unknown\n", F::kText), "ERROR line 1: invalid metric type \"unknown\"");
  EXPECT_EQ(Dump("a 1 2 3\n", F::kText), "ERROR line 1: unexpected text after the sample");
  EXPECT_EQ(Dump("1a 1\n", F::kText), "ERROR line 1: invalid metric name");
  EXPECT_EQ(Dump("a\n", F::kText), "ERROR line 1: expected a value after the metric");
  EXPECT_EQ(Dump("a 1\n", F::kOpenMetrics), "a{} 1\nERROR line 2: data does not end with # EOF");
  EXPECT_EQ(Dump("a 1\n# EOF\nb 2\n", F::kOpenMetrics),
            "a{} 1\nERROR line 3: unexpected data after # EOF");
  EXPECT_EQ(Dump("a  1\n# EOF\n", F::kOpenMetrics), "ERROR line 1: invalid value \"\"");
  EXPECT_EQ(Dump("# random comment\n# EOF\n", F::kOpenMetrics),
            "ERROR line 1: invalid metadata line; expected HELP, TYPE, UNIT or EOF");
  EXPECT_EQ(Dump("a{x=\"\\q\"} 1\n# EOF\n", F::kOpenMetrics),
            "ERROR line 1: invalid escape sequence in label value");
  EXPECT_EQ(Dump("a 1 # {x=\"1\"}\n# EOF\n", F::kOpenMetrics),
            "ERROR line 1: expected a value in the exemplar");
  EXPECT_EQ(Dump("\n# EOF\n", F::kOpenMetrics), "ERROR line 1: unexpected empty line");
}

// OpenMetrics timestamps are float seconds: one past what int64 milliseconds hold is invalid
// rather than an undefined conversion (found by exposition_parser_fuzz).
TEST(ExpositionParserTest, OpenMetricsTimestampsOutOfRange) {
  using F = ExpositionFormat;
  EXPECT_EQ(Dump("a 1 -1520879607.5\n# EOF\n", F::kOpenMetrics), "a{} 1 @-1520879607500\n");
  EXPECT_EQ(Dump("a 1 1520879607.E89\n# EOF\n", F::kOpenMetrics),
            "ERROR line 1: invalid timestamp \"1520879607.E89\"");
  EXPECT_EQ(Dump("a 1 9223372036854776\n# EOF\n", F::kOpenMetrics),
            "ERROR line 1: invalid timestamp \"9223372036854776\"");
  EXPECT_EQ(Dump("a 1 # {x=\"1\"} 2 -1e300\n# EOF\n", F::kOpenMetrics),
            "ERROR line 1: invalid exemplar timestamp \"-1e300\"");
  EXPECT_EQ(Dump("a 1 # {x=\"1\"} 2 1.5\n# EOF\n", F::kOpenMetrics), "a{} 1 ex{x=[1]} 2 @1500\n");
}

TEST(ExpositionParserTest, Floats) {
  double v = 0;
  EXPECT_TRUE(ParsePromFloat("+Inf", &v) && std::isinf(v) && v > 0);
  EXPECT_TRUE(ParsePromFloat("-inf", &v) && std::isinf(v) && v < 0);
  EXPECT_TRUE(ParsePromFloat("nan", &v) && std::isnan(v));
  EXPECT_TRUE(ParsePromFloat("-1.5E2", &v) && v == -150);
  EXPECT_TRUE(ParsePromFloat(".5", &v) && v == 0.5);
  EXPECT_FALSE(ParsePromFloat("1.5x", &v));
  EXPECT_FALSE(ParsePromFloat("", &v));
  EXPECT_FALSE(ParsePromFloat("--1", &v));
  EXPECT_EQ(FormatFromContentType("application/openmetrics-text; version=1.0.0; charset=utf-8"),
            ExpositionFormat::kOpenMetrics);
  EXPECT_EQ(FormatFromContentType("text/plain; version=0.0.4"), ExpositionFormat::kText);
}

}  // namespace
}  // namespace otter::promscrape
