// Runs every PromQL test script under testdata/ (one test case per file) through the script
// runner (script.h), and checks the runner itself fails on wrong expectations.
#include "query/promql/script.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "query/promql/value.h"

namespace otter::query::promql::script {
namespace {

std::string Join(const std::vector<Failure>& failures) {
  std::string s;
  for (const auto& f : failures) s += "line " + std::to_string(f.line) + ": " + f.message + "\n";
  return s;
}

std::filesystem::path TestdataDir() {
  return std::filesystem::path(OTTER_SOURCE_DIR) / "src/query/promql/testdata";
}

std::vector<std::string> ScriptNames() {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(TestdataDir()))
    if (e.path().extension() == ".test") names.push_back(e.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

class PromqlScriptTest : public ::testing::TestWithParam<std::string> {};

TEST_P(PromqlScriptTest, Passes) {
  std::ifstream in(TestdataDir() / (GetParam() + ".test"));
  ASSERT_TRUE(in) << GetParam();
  std::stringstream ss;
  ss << in.rdbuf();
  auto failures = RunScript(ss.str());
  EXPECT_TRUE(failures.empty()) << GetParam() << ".test:\n" << Join(failures);
}

INSTANTIATE_TEST_SUITE_P(Testdata, PromqlScriptTest, ::testing::ValuesIn(ScriptNames()),
                         [](const auto& info) { return info.param; });

// Runs the script named by OTTER_PROMQL_SCRIPT (e.g. one of Prometheus's own), to compare
// behaviours by hand; skipped when unset.
TEST(PromqlScriptRunnerTest, ExternalScript) {
  const char* path = std::getenv("OTTER_PROMQL_SCRIPT");
  if (path == nullptr) GTEST_SKIP() << "OTTER_PROMQL_SCRIPT not set";
  std::ifstream in(path);
  ASSERT_TRUE(in) << path;
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(Join(RunScript(ss.str())), "");
}

constexpr std::string_view kLoad = R"(
load 1m
  http_requests{job="api", instance="0"} 0+10x10
  http_requests{job="api", instance="1"} 0+20x10
)";

std::string Script(std::string_view eval) { return std::string(kLoad) + "\n" + std::string(eval); }

TEST(PromqlScriptRunnerTest, CorrectExpectationsPass) {
  EXPECT_EQ(Join(RunScript(Script(R"(
eval instant at 5m http_requests
  http_requests{job="api", instance="0"} 50
  http_requests{job="api", instance="1"} 100

eval range from 0 to 2m step 1m sum(http_requests)
  {} 0 30 60

eval instant at 5m scalar(sum(http_requests))
  150

eval_fail instant at 0m http_requests{
)"))),
            "");
}

TEST(PromqlScriptRunnerTest, WrongExpectationsFail) {
  struct Case {
    std::string eval;
    std::string want;
  };
  const Case cases[] = {
      {"eval instant at 5m http_requests\n  http_requests{job=\"api\", instance=\"0\"} 51\n"
       "  http_requests{job=\"api\", instance=\"1\"} 100\n",
       "line 6: expected 51 for {__name__=\"http_requests\", instance=\"0\", job=\"api\"} but "
       "got 50\n"},
      {"eval instant at 5m http_requests\n  http_requests{job=\"api\", instance=\"0\"} 50\n",
       "line 6: unexpected metric {__name__=\"http_requests\", instance=\"1\", job=\"api\"} in "
       "result, has value 100\n"},
      {"eval instant at 5m http_requests{instance=\"0\"}\n"
       "  http_requests{job=\"api\", instance=\"0\"} 50\n  http_requests{instance=\"9\"} 1\n",
       "line 6: expected metric {__name__=\"http_requests\", instance=\"9\"} not found\n"},
      {"eval range from 0 to 2m step 1m sum(http_requests)\n  {} 0 30 61\n",
       "line 6: expected 61 at 120000 for {} (result has [0@0 30@60000 60@120000])\n"},
      {"eval range from 0 to 2m step 1m sum(http_requests)\n  {} 0 _ 60\n",
       "line 6: expected 2 points for {} (result has [0@0 30@60000 60@120000])\n"},
      {"eval instant at 5m scalar(sum(http_requests))\n  151\n",
       "line 6: expected scalar 151 but got 150\n"},
      {"eval_fail instant at 5m sum(http_requests)\n",
       "line 6: expected error evaluating query \"sum(http_requests)\" but got none\n"},
      {"eval instant at 5m rate(http_requests)\n  {} 1\n",
       "line 6: error evaluating query \"rate(http_requests)\": 1:6: parse error: expected type "
       "range vector in call to function \"rate\", got instant vector\n"},
      {"eval instant at 5m 1 +\n  1\n  expect fail msg: something else\n",
       "line 6: expected error something else evaluating query \"1 +\", got: 1:4: parse error: "
       "unexpected end of input\n"},
      {"eval_ordered instant at 5m sort(http_requests)\n"
       "  http_requests{job=\"api\", instance=\"1\"} 100\n"
       "  http_requests{job=\"api\", instance=\"0\"} 50\n",
       "line 6: expected metric {__name__=\"http_requests\", instance=\"0\", job=\"api\"} at "
       "position 2 but was at 1\n"},
      {"eval instant at 5m http_requests\n  expect warn\n"
       "  http_requests{job=\"api\", instance=\"0\"} 50\n"
       "  http_requests{job=\"api\", instance=\"1\"} 100\n",
       "line 6: expected warn annotation \"\" for query \"http_requests\", got none\n"},
  };
  for (const auto& c : cases) EXPECT_EQ(Join(RunScript(Script(c.eval))), c.want) << c.eval;
}

TEST(PromqlScriptRunnerTest, BadScriptsNameTheLine) {
  EXPECT_EQ(Join(RunScript("load 1m\n  x{a=\"b\"} 1 2 foo\n")), "line 2: bad value foo\n");
  EXPECT_EQ(Join(RunScript("\nfrobnicate\n")), "line 2: invalid command \"frobnicate\"\n");
  EXPECT_EQ(Join(RunScript("eval instant at 1m x\n  x 1 2\n")),
            "line 2: expecting multiple values in instant evaluation not allowed\n");
}

TEST(PromqlScriptRunnerTest, SeriesNotation) {
  store::Labels labels;
  std::vector<SequenceValue> vals;
  std::string err;
  ASSERT_TRUE(ParseSeriesDesc(R"(m{a="x\"y", b="2"} 1+2x2 _x2 5-1x1 stale Inf -Inf NaN 3x1 _)",
                              &labels, &vals, &err))
      << err;
  EXPECT_EQ(store::LabelsToString(labels), R"({__name__="m", a="x\"y", b="2"})");
  std::string shown;
  for (const auto& v : vals) {
    if (v.omitted) {
      shown += "_ ";
    } else if (IsStaleMarker(v.v)) {
      shown += "stale ";
    } else {
      std::ostringstream o;
      o << v.v;
      shown += o.str() + " ";
    }
  }
  EXPECT_EQ(shown, "1 3 5 _ _ 5 4 stale inf -inf nan 3 3 _ ");
  ASSERT_TRUE(ParseSeriesDesc(R"({"my.metric", "a.b"="c"} 0)", &labels, &vals, &err)) << err;
  EXPECT_EQ(store::LabelsToString(labels), R"({__name__="my.metric", a.b="c"})");
}

TEST(PromqlScriptRunnerTest, AlmostEqual) {
  EXPECT_TRUE(AlmostEqual(1, 1 + 1e-9, 1e-6));
  EXPECT_FALSE(AlmostEqual(1, 1.0001, 1e-6));
  EXPECT_TRUE(AlmostEqual(std::nan(""), std::nan(""), 1e-6));
  EXPECT_FALSE(AlmostEqual(0, 1e-300, 1e-6));
}

}  // namespace
}  // namespace otter::query::promql::script
