#include "query/logql/engine.h"

#include <gtest/gtest.h>

#include "query/logql/line_parsers.h"
#include "query/logql/parser.h"
#include "query/logql/pipeline.h"
#include "query/logql/testing.h"

namespace otter::query::logql {
namespace {

constexpr int64_t kSec = 1'000'000'000;
constexpr int64_t kT = 1'700'000'000 * kSec;
constexpr char kTrace[] = "0af7651916cd43dd8448eb211c80319c";

class LogqlEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::Labels checkout = {{"service_name", "checkout"}};
    fake_.Add(checkout, kT + 10 * kSec,
              R"({"level":"error","msg":"payment failed","latency":"250ms","user":{"id":42}})",
              {{"trace_id", kTrace}, {"span_id", "b7ad6b7169203331"}});
    fake_.Add(checkout, kT + 20 * kSec, R"({"level":"info","msg":"ok","latency":"20ms"})");
    fake_.Add(checkout, kT + 30 * kSec, R"({"level":"error","msg":"timeout","latency":"1.5s"})");
    fake_.Add(checkout, kT + 40 * kSec, R"({"level":"info","msg":"ok","latency":"30ms"})");
    fake_.Add(checkout, kT + 50 * kSec, R"({"msg":"no level"})");
    store::Labels cart = {{"service_name", "cart"}};
    fake_.Add(cart, kT + 15 * kSec, R"(level=warn msg="low stock" item=42)");
    fake_.Add(cart, kT + 25 * kSec, R"(level=info msg=added item=7)");
  }

  StatusOr<QueryResult> Run(
      std::string_view q, QueryParams p,
      store::QueryLimits limits = store::QueryLimits::WithTimeout(std::chrono::seconds(30))) {
    auto e = ParseQuery(q);
    if (!e.ok()) return e.status();
    Engine engine(fake_, options_);
    return engine.Exec(**e, p, limits);
  }

  QueryParams LogRange(store::Direction d = store::Direction::kBackward, size_t limit = 100) {
    QueryParams p;
    p.start_ns = kT;
    p.end_ns = kT + 3600 * kSec;
    p.direction = d;
    p.limit = limit;
    return p;
  }
  QueryParams Instant(int64_t t) {
    QueryParams p;
    p.instant = true;
    p.start_ns = p.end_ns = t;
    return p;
  }

  testing::FakeLogQuerier fake_;
  EngineOptions options_;
};

std::vector<std::string> Lines(const store::LogStream& s) {
  std::vector<std::string> out;
  for (const auto& e : s.entries) out.push_back(e.line);
  return out;
}

TEST_F(LogqlEngineTest, LineFilterSplitsStreamsByMetadata) {
  auto r = Run(R"({service_name="checkout"} |= "error")", LogRange());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->type, QueryResult::Type::kStreams);
  ASSERT_EQ(r->streams.size(), 2u);
  EXPECT_EQ(store::LabelsToString(r->streams[0].labels),
            R"({service_name="checkout", span_id="b7ad6b7169203331", trace_id=")" +
                std::string(kTrace) + "\"}");
  EXPECT_EQ(r->streams[0].entries[0].ts_ns, kT + 10 * kSec);
  EXPECT_EQ(store::LabelsToString(r->streams[1].labels), R"({service_name="checkout"})");
  EXPECT_EQ(r->streams[1].entries[0].ts_ns, kT + 30 * kSec);
  EXPECT_EQ(r->stats.lines_processed, 5u);
  EXPECT_EQ(r->stats.entries_returned, 2u);
  // Filters chain; regex is an unanchored search.
  r = Run(R"({service_name=~".+"} |~ "tim|sto" != "low")", LogRange(store::Direction::kForward));
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->streams.size(), 1u);
  EXPECT_EQ(Lines(r->streams[0]),
            std::vector<std::string>{R"({"level":"error","msg":"timeout","latency":"1.5s"})"});
}

TEST_F(LogqlEngineTest, LimitAndDirection) {
  auto r = Run(R"({service_name=~"checkout|cart"})", LogRange(store::Direction::kBackward, 3));
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(fake_.selects.size(), 1u);
  EXPECT_EQ(fake_.selects[0].limit, 3u);  // nothing filters: the store applies the limit
  std::vector<int64_t> ts;
  for (const auto& s : r->streams)
    for (const auto& e : s.entries) ts.push_back(e.ts_ns);
  std::sort(ts.begin(), ts.end());
  EXPECT_EQ(ts, (std::vector<int64_t>{kT + 30 * kSec, kT + 40 * kSec, kT + 50 * kSec}));

  r = Run(R"({service_name=~"checkout|cart"} |= "o")", LogRange(store::Direction::kForward, 2));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(fake_.selects.back().limit, 0u);
  ASSERT_EQ(r->streams.size(), 2u);  // cart (t+15) and the metadata stream (t+10)
  EXPECT_EQ(r->streams[0].entries[0].ts_ns, kT + 15 * kSec);
  EXPECT_EQ(r->streams[1].entries[0].ts_ns, kT + 10 * kSec);
}

TEST_F(LogqlEngineTest, JsonLabelFilterAndLineFormat) {
  auto r = Run(
      R"({service_name="checkout"} | json | level="error" | line_format "{{.level | ToUpper}}: {{.msg}} user={{.user_id}}")",
      LogRange(store::Direction::kForward));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->streams.size(), 2u);
  EXPECT_EQ(store::LabelsToString(r->streams[0].labels),
            R"({latency="1.5s", level="error", msg="timeout", service_name="checkout"})");
  EXPECT_EQ(Lines(r->streams[0]), std::vector<std::string>{"ERROR: timeout user="});
  EXPECT_EQ(store::LabelsToString(r->streams[1].labels),
            R"({latency="250ms", level="error", msg="payment failed", service_name="checkout", )"
            R"(span_id="b7ad6b7169203331", trace_id=")" +
                std::string(kTrace) + R"(", user_id="42"})");
  EXPECT_EQ(Lines(r->streams[1]), std::vector<std::string>{"ERROR: payment failed user=42"});
}

TEST_F(LogqlEngineTest, NumericDurationAndLogfmtFilters) {
  auto r = Run(R"({service_name="checkout"} | json | latency > 100ms | keep msg)",
               LogRange(store::Direction::kForward));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->streams.size(), 2u);
  EXPECT_EQ(store::LabelsToString(r->streams[0].labels), R"({msg="payment failed"})");
  EXPECT_EQ(store::LabelsToString(r->streams[1].labels), R"({msg="timeout"})");

  r = Run(R"({service_name="cart"} | logfmt | item > 10 or level="info" | drop level, item)",
          LogRange(store::Direction::kForward));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->streams.size(), 2u);
  EXPECT_EQ(store::LabelsToString(r->streams[0].labels), R"({msg="added", service_name="cart"})");
  EXPECT_EQ(store::LabelsToString(r->streams[1].labels),
            R"({msg="low stock", service_name="cart"})");

  // A value that is not a number: kept with __error__, like Loki (keep never drops the error
  // labels).
  r = Run(R"({service_name="checkout"} | json | msg > 1 | drop __error_details__ | keep __error__)",
          LogRange());
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->streams.size(), 1u);
  EXPECT_EQ(store::LabelsToString(r->streams[0].labels), R"({__error__="LabelFilterErr"})");
  EXPECT_EQ(r->streams[0].entries.size(), 5u);
}

TEST_F(LogqlEngineTest, LabelFormatAndExtractedSuffix) {
  fake_.Add({{"service_name", "api"}, {"level", "stream"}}, kT + 5 * kSec,
            R"({"level":"debug","a":{"b-c":"x"},"arr":[1,2],"n":null,"1x":true})");
  auto r = Run(R"({service_name="api"} | json | label_format lvl=level_extracted, t="{{.a_b_c}}!")",
               LogRange());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->streams.size(), 1u);
  EXPECT_EQ(store::LabelsToString(r->streams[0].labels),
            R"({_1x="true", a_b_c="x", level="stream", lvl="debug", service_name="api", t="x!"})");
  r = Run(R"({service_name="api"} | json first="a[\"b-c\"]", second="arr[1]", obj="a")",
          LogRange());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(
      store::LabelsToString(r->streams[0].labels),
      R"({first="x", level="stream", obj="{\"b-c\":\"x\"}", second="2", service_name="api"})");
}

TEST_F(LogqlEngineTest, TraceIdPushdown) {
  auto r =
      Run(std::string(R"({service_name="checkout"} |= "payment" | trace_id=")") + kTrace + "\"",
          LogRange());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(fake_.selects.size(), 1u);
  ASSERT_TRUE(fake_.selects[0].trace_id.has_value());
  EXPECT_EQ(*fake_.selects[0].trace_id, kTrace);
  ASSERT_EQ(r->streams.size(), 1u);
  EXPECT_EQ(r->streams[0].entries[0].ts_ns, kT + 10 * kSec);

  // After a parser the label may come from the line: no push-down, still filtered.
  r = Run(std::string(R"({service_name="checkout"} | json | trace_id=")") + kTrace + "\"",
          LogRange());
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(fake_.selects.back().trace_id.has_value());
  ASSERT_EQ(r->streams.size(), 1u);
  EXPECT_EQ(r->streams[0].entries.size(), 1u);

  // Metric queries push it down too.
  r = Run(std::string(R"(count_over_time({service_name="checkout"} | trace_id=")") + kTrace +
              "\" [5m])",
          Instant(kT + 60 * kSec));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(fake_.selects.back().trace_id.has_value());
  ASSERT_EQ(r->series.size(), 1u);
  EXPECT_EQ(r->series[0].points[0].second, 1);
}

TEST_F(LogqlEngineTest, SumByLevelCountOverTime) {
  auto r =
      Run(R"(sum by (level) (count_over_time({service_name="checkout"} | json | level!="" [5m])))",
          Instant(kT + 60 * kSec));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->type, QueryResult::Type::kVector);
  ASSERT_EQ(r->series.size(), 2u);
  EXPECT_EQ(store::LabelsToString(r->series[0].labels), R"({level="error"})");
  EXPECT_EQ(r->series[0].points, (std::vector<std::pair<int64_t, double>>{{kT + 60 * kSec, 2}}));
  EXPECT_EQ(store::LabelsToString(r->series[1].labels), R"({level="info"})");
  EXPECT_EQ(r->series[1].points[0].second, 2);
  // The select covers exactly the window (t-5m, t].
  EXPECT_EQ(fake_.selects.back().start_ns, kT + 60 * kSec - 300 * kSec + 1);
  EXPECT_EQ(fake_.selects.back().end_ns, kT + 60 * kSec + 1);
  EXPECT_EQ(fake_.selects.back().limit, 0u);
}

TEST_F(LogqlEngineTest, RateRangeQueryWindows) {
  QueryParams p;
  p.start_ns = kT + 30 * kSec;
  p.end_ns = kT + 90 * kSec;
  p.step_ns = 30 * kSec;
  auto r = Run(R"(sum(rate({service_name="checkout"}[1m])) * 60)", p);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->type, QueryResult::Type::kMatrix);
  ASSERT_EQ(r->series.size(), 1u);
  EXPECT_TRUE(r->series[0].labels.empty());
  // Windows (t-60s, t]: t+30 → 10,20,30; t+60 → 10..50; t+90 → 40,50.
  EXPECT_EQ(r->series[0].points,
            (std::vector<std::pair<int64_t, double>>{
                {kT + 30 * kSec, 3}, {kT + 60 * kSec, 5}, {kT + 90 * kSec, 2}}));
  r = Run(R"(count_over_time({service_name="checkout"}[10s]))", p);
  ASSERT_TRUE(r.ok());
  // An entry exactly at t - range is outside the window; one at t is inside.
  ASSERT_EQ(r->series.size(), 1u);
  EXPECT_EQ(r->series[0].points, (std::vector<std::pair<int64_t, double>>{{kT + 30 * kSec, 1}}));
}

TEST_F(LogqlEngineTest, AggregationsAndBinaryOps) {
  auto at = Instant(kT + 60 * kSec);
  auto r = Run(R"(topk(1, sum by (service_name) (count_over_time({service_name=~".+"}[5m]))))", at);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->series.size(), 1u);
  EXPECT_EQ(store::LabelsToString(r->series[0].labels), R"({service_name="checkout"})");
  EXPECT_EQ(r->series[0].points[0].second, 5);

  // Structured metadata is part of the series labels: the trace_id entry is its own series.
  r = Run(R"(count_over_time({service_name=~".+"}[5m]) > 2)", at);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->series.size(), 1u);
  EXPECT_EQ(store::LabelsToString(r->series[0].labels), R"({service_name="checkout"})");
  EXPECT_EQ(r->series[0].points[0].second, 4);

  r = Run(
      R"(sum(bytes_over_time({service_name="cart"}[5m])) / 2 + max(count_over_time({service_name="cart"}[5m])))",
      at);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->series.size(), 1u);
  // (34 + 27) / 2 + 2
  EXPECT_EQ(r->series[0].points[0].second, 32.5);

  r = Run("1 + 2 * 3", at);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->type, QueryResult::Type::kScalar);
  EXPECT_EQ(r->scalar, 7);
}

TEST_F(LogqlEngineTest, UnwrapAggregations) {
  auto at = Instant(kT + 60 * kSec);
  auto r = Run(
      R"(sum(sum_over_time({service_name="checkout"} | json | unwrap duration(latency) | __error__="" [5m])))",
      at);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->series.size(), 1u);
  EXPECT_DOUBLE_EQ(r->series[0].points[0].second, 1.8);
  r = Run(R"(max_over_time({service_name="cart"} | logfmt | unwrap item [5m]) by (service_name))",
          at);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->series.size(), 1u);
  EXPECT_EQ(store::LabelsToString(r->series[0].labels), R"({service_name="cart"})");
  EXPECT_EQ(r->series[0].points[0].second, 42);
  // An entry without `latency` gives no sample (Loki), so no error filter is needed.
  r = Run(R"(sum(sum_over_time({service_name="checkout"} | json | unwrap duration(latency) [5m])))",
          at);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_DOUBLE_EQ(r->series[0].points[0].second, 1.8);
  // A value that does not convert fails the query.
  r = Run(R"(sum_over_time({service_name="checkout"} | json | unwrap msg [5m]))", at);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message().substr(0, 48), "pipeline error: 'SampleExtractionErr' for series");
}

TEST_F(LogqlEngineTest, PipelineErrorInMetricQuery) {
  auto at = Instant(kT + 60 * kSec);
  auto r = Run(R"(count_over_time({service_name="cart"} | json [5m]))", at);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message().find(
                "pipeline error: 'JSONParserErr' for series: '{__error__=\"JSONParserErr\", "
                "__error_details__=\"Value looks like object, but can't find closing '}' symbol\", "
                "service_name=\"cart\"}'.\nUse a label "
                "filter to intentionally skip this error. (e.g | __error__!=\"JSONParserErr\")."),
            0u);
  r = Run(R"(count_over_time({service_name="cart"} | json | __error__="" [5m]))", at);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->series.empty());
}

TEST_F(LogqlEngineTest, FilteredLogQueryStopsReadingAtItsLimit) {
  // One line in ten matches: a limit of 3 needs the newest ~30 entries, not all 1000.
  for (int i = 0; i < 1000; ++i)
    fake_.Add({{"job", "many"}}, kT + i * kSec, i % 10 == 0 ? "match x" : "other");
  auto r = Run(R"({job="many"} |= "x")", LogRange(store::Direction::kBackward, 3));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->streams.size(), 1u);
  std::vector<int64_t> ts;
  for (const auto& e : r->streams[0].entries) ts.push_back((e.ts_ns - kT) / kSec);
  EXPECT_EQ(ts, (std::vector<int64_t>{990, 980, 970}));
  EXPECT_EQ(fake_.scanned, 30u);
  EXPECT_EQ(r->stats.lines_processed, 30u);
}

TEST_F(LogqlEngineTest, MetricQueryFailsPastTheEntryBudget) {
  for (int i = 0; i < 100; ++i) fake_.Add({{"job", "many"}}, kT + i * kSec, "line");
  store::QueryLimits limits = store::QueryLimits::WithTimeout(std::chrono::seconds(30), 50);
  limits.max_items_name = "query::max_log_entries";
  auto r = Run(R"(count_over_time({job="many"}[5m]))", Instant(kT + 200 * kSec), limits);
  ASSERT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(r.status().message().find("query::max_log_entries"), std::string_view::npos);
  limits.max_items = 100;
  r = Run(R"(count_over_time({job="many"}[5m]))", Instant(kT + 200 * kSec), limits);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->series.at(0).points.at(0).second, 100);
}

TEST_F(LogqlEngineTest, MaxSeriesAndDeadline) {
  options_.max_series = 1;
  auto r = Run(R"(count_over_time({service_name=~".+"}[5m]))", Instant(kT + 60 * kSec));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "maximum number of series (1) reached for a single query; consider reducing query "
            "cardinality by adding more specific stream selectors, reducing the time range, or "
            "aggregating results with functions like sum(), count() or topk()");
  r = Run(R"({service_name="cart"})", LogRange(),
          store::QueryLimits::WithTimeout(std::chrono::seconds(0)));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded);
}

TEST_F(LogqlEngineTest, RegexBombOnLongLinesFinishes) {
  std::string line(100'000, 'a');
  for (int i = 0; i < 50; ++i) fake_.Add({{"job", "bomb"}}, kT + i * kSec, line);
  fake_.Add({{"job", "bomb"}}, kT + 100 * kSec, line + "b");
  auto r = Run(R"({job="bomb"} |~ "(a*)*b")", LogRange(),
               store::QueryLimits::WithTimeout(std::chrono::seconds(20)));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->streams.size(), 1u);
  ASSERT_EQ(r->streams[0].entries.size(), 1u);
  EXPECT_EQ(r->streams[0].entries[0].ts_ns, kT + 100 * kSec);
}

TEST(LogqlLineParsersTest, LogfmtAndJson) {
  std::vector<std::pair<std::string, std::string>> kv;
  auto add = [&](std::string k, std::string v) { kv.emplace_back(std::move(k), std::move(v)); };
  ASSERT_TRUE(ParseLogfmtLine(R"(a=1 b="x \"y\"" flag c.d=e 9z=w)", false, add).ok());
  EXPECT_EQ(kv, (std::vector<std::pair<std::string, std::string>>{
                    {"a", "1"}, {"b", "x \"y\""}, {"flag", ""}, {"c_d", "e"}, {"_9z", "w"}}));
  EXPECT_FALSE(ParseLogfmtLine(R"(a="unterminated)", false, add).ok());
  kv.clear();
  ASSERT_TRUE(ParseJsonLine(R"({"a b":{"c":"\u00e9\n"},"n":-1.5e3,"t":false})", add).ok());
  EXPECT_EQ(kv, (std::vector<std::pair<std::string, std::string>>{
                    {"a_b_c", "\xC3\xA9\n"}, {"n", "-1.5e3"}, {"t", "false"}}));
  EXPECT_FALSE(ParseJsonLine("[1,2]", add).ok());
  EXPECT_FALSE(ParseJsonLine("{\"a\":", add).ok());
}

}  // namespace
}  // namespace otter::query::logql
