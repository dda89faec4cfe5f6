// PromQL over native histograms, end to end through the store's metric table and the Prometheus
// HTTP API: every expected value is worked out by hand in the comments.
#include "query/promql/histograms.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "query/json_writer.h"
#include "query/prometheus_api.h"
#include "query/promql/engine.h"
#include "query/promql/testing.h"
#include "store/metric_table.h"

namespace otter::query::promql {
namespace {

constexpr int64_t kSec = 1000;

Deadline Far() { return std::chrono::steady_clock::now() + std::chrono::minutes(1); }

// Schema 0: bucket 1 is (1, 2], bucket 2 (2, 4], bucket 3 (4, 8].
store::NativeHistogram H(std::vector<double> buckets, double sum) {
  store::NativeHistogram h;
  h.zero_threshold = 1e-128;
  h.positive_spans = {{1, static_cast<uint32_t>(buckets.size())}};
  h.positive_buckets = buckets;
  for (double b : buckets) h.count += b;
  h.sum = sum;
  return h;
}

class HistogramQueryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::ConvertedMetrics c;
    auto add = [&](std::string job, std::vector<store::HistogramSample> samples) {
      store::ConvertedSeries& s = c.series.emplace_back();
      s.labels = {{"__name__", "req_dur"}, {"job", std::move(job)}};
      s.histograms = std::move(samples);
    };
    add("a", {{0, H({1, 1}, 3)}, {60 * kSec, H({2, 3}, 10)}, {120 * kSec, H({4, 4}, 16)}});
    add("b", {{120 * kSec, H({2, 0, 2}, 12)}});
    add("c", {{60 * kSec, H({5}, 5)}, {120 * kSec, H({1}, 1)}});  // a counter reset
    table_.Apply(std::move(c));
  }
  // The single element's value (or the lines "labels => value" of several).
  std::string Q(std::string_view q, int64_t t_ms) {
    auto v = engine_.Instant(q, t_ms, Far());
    if (!v.ok()) return "ERROR " + std::string(v.status().message());
    std::string out;
    for (const auto& e : v->vector)
      out += store::LabelsToString(e.metric) + " => " + (e.h ? "histogram" : FormatPromFloat(e.v)) +
             "\n";
    return out;
  }

  store::MetricTable table_;
  Engine engine_{table_, EngineOptions{}};
};

TEST_F(HistogramQueryTest, StatisticsOfTheLatestSample) {
  EXPECT_EQ(Q("histogram_count(req_dur)", 120 * kSec),
            "{job=\"a\"} => 8\n{job=\"b\"} => 4\n{job=\"c\"} => 1\n");
  EXPECT_EQ(Q("histogram_sum(req_dur{job=\"a\"})", 120 * kSec), "{job=\"a\"} => 16\n");
  EXPECT_EQ(Q("histogram_avg(req_dur{job=\"b\"})", 120 * kSec), "{job=\"b\"} => 3\n");
  // b: mean 3; buckets (1,2] and (4,8] at their geometric means √2 and √32, 2 each:
  // (2(√2-3)² + 2(√32-3)²) / 4.
  const double var =
      (2 * std::pow(std::sqrt(2.0) - 3, 2) + 2 * std::pow(std::sqrt(32.0) - 3, 2)) / 4;
  EXPECT_EQ(Q("histogram_stdvar(req_dur{job=\"b\"})", 120 * kSec),
            "{job=\"b\"} => " + FormatPromFloat(var) + "\n");
  EXPECT_EQ(Q("histogram_stddev(req_dur{job=\"b\"})", 120 * kSec),
            "{job=\"b\"} => " + FormatPromFloat(std::sqrt(var)) + "\n");
  // A float expression has no histogram: nothing.
  EXPECT_EQ(Q("histogram_count(vector(1))", 120 * kSec), "");
}

// Range queries over series of histograms, floats and both (the engine computes range functions
// over float series for all steps at once, histogram series step by step): every step equals the
// instant query at that time.
TEST_F(HistogramQueryTest, RangeQueriesMatchInstantQueries) {
  store::ConvertedMetrics c;
  store::ConvertedSeries& f = c.series.emplace_back();
  f.labels = {{"__name__", "req_dur"}, {"job", "f"}};
  f.samples = {{0, 1}, {30 * kSec, 3}, {90 * kSec, 2}, {150 * kSec, 6}};
  store::ConvertedSeries& m = c.series.emplace_back();
  m.labels = {{"__name__", "req_dur"}, {"job", "m"}};
  m.samples = {{0, 4}, {30 * kSec, 5}};
  m.histograms = {{90 * kSec, H({1, 2}, 4)}, {150 * kSec, H({2, 2}, 6)}};
  table_.Apply(std::move(c));
  for (std::string q :
       {"rate(req_dur[90s])", "increase(req_dur[2m])", "sum by (job) (rate(req_dur[2m]))",
        "sum(rate(req_dur{job=~\"a|c\"}[150s]))", "count_over_time(req_dur[1m])",
        "last_over_time(req_dur[1m])", "sum_over_time(req_dur[2m])",
        "histogram_count(rate(req_dur[2m] offset 30s))", "max_over_time(req_dur[2m])",
        "avg(count_over_time(req_dur[2m]))", "count(rate(req_dur[2m] @ 150))",
        "histogram_sum(sum(increase(req_dur[90s])))",
        "sum_over_time(count(rate(req_dur[1m]))[2m:30s])"}) {
    for (int64_t step : {15 * kSec, 60 * kSec}) {
      auto [range, instants] = testing::RangeAndInstants(engine_, q, 0, 200 * kSec, step);
      EXPECT_EQ(range, instants) << q << " step " << step;
      EXPECT_FALSE(range.empty()) << q << " step " << step;
    }
  }
}

TEST_F(HistogramQueryTest, QuantileAndFraction) {
  // a at 120 s: 4 in (1,2], 4 in (2,4]. q=0.75 from the top: rank 2 of the 4 in (2,4], half-way
  // on a log scale: 2^1.5.
  EXPECT_EQ(Q("histogram_quantile(0.75, req_dur{job=\"a\"})", 120 * kSec),
            "{job=\"a\"} => " + FormatPromFloat(std::exp2(1.5)) + "\n");
  EXPECT_EQ(Q("histogram_quantile(0.5, req_dur{job=\"a\"})", 120 * kSec), "{job=\"a\"} => 2\n");
  EXPECT_EQ(Q("histogram_fraction(0, 2, req_dur{job=\"a\"})", 120 * kSec), "{job=\"a\"} => 0.5\n");
  EXPECT_EQ(Q("histogram_fraction(4, +Inf, req_dur{job=\"b\"})", 120 * kSec),
            "{job=\"b\"} => 0.5\n");
}

TEST_F(HistogramQueryTest, RateAndIncreaseExtrapolateAndDetectResets) {
  // [10 s, 130 s] holds a's samples at 60 and 120: increase {1,1} count 3 sum 6; extrapolated
  // 50 s to the start (the count would reach zero only 100 s before) and 10 s to the end:
  // x (60 + 50 + 10) / 60 = 2.
  EXPECT_EQ(Q("histogram_count(increase(req_dur{job=\"a\"}[2m]))", 130 * kSec),
            "{job=\"a\"} => 6\n");
  EXPECT_EQ(Q("histogram_sum(increase(req_dur{job=\"a\"}[2m]))", 130 * kSec),
            "{job=\"a\"} => 12\n");
  EXPECT_EQ(Q("histogram_count(rate(req_dur{job=\"a\"}[2m]))", 130 * kSec),
            "{job=\"a\"} => 0.05\n");
  // c dropped from 5 to 1: a reset, the increase is 1 (x 2).
  EXPECT_EQ(Q("histogram_count(increase(req_dur{job=\"c\"}[2m]))", 130 * kSec),
            "{job=\"c\"} => 2\n");
  // delta() has no reset detection: (1 - 5) x 2.
  EXPECT_EQ(Q("histogram_count(delta(req_dur{job=\"c\"}[2m]))", 130 * kSec), "{job=\"c\"} => -8\n");
  // The median of the increase (4 in (1,2], 2 in (2,4]): from the top, rank 3 lies 3/4 into
  // (1,2] on a log scale.
  EXPECT_EQ(Q("histogram_quantile(0.5, increase(req_dur{job=\"a\"}[2m]))", 130 * kSec),
            "{job=\"a\"} => " + FormatPromFloat(std::exp2(0.75)) + "\n");
  // Float range functions ignore histogram samples; these take them.
  EXPECT_EQ(Q("max_over_time(req_dur{job=\"a\"}[2m])", 130 * kSec), "");
  EXPECT_EQ(Q("count_over_time(req_dur{job=\"a\"}[2m])", 130 * kSec), "{job=\"a\"} => 2\n");
  EXPECT_EQ(Q("histogram_count(last_over_time(req_dur{job=\"a\"}[2m]))", 130 * kSec),
            "{job=\"a\"} => 8\n");
  // (5 + 8) / 2 observations, (10 + 16) / 2 sum.
  EXPECT_EQ(Q("histogram_count(avg_over_time(req_dur{job=\"a\"}[2m]))", 130 * kSec),
            "{job=\"a\"} => 6.5\n");
  EXPECT_EQ(Q("histogram_sum(sum_over_time(req_dur{job=\"a\"}[2m]))", 130 * kSec),
            "{job=\"a\"} => 26\n");
}

TEST_F(HistogramQueryTest, SumAndAvgAddHistograms) {
  // a + b + c at 120 s: (1,2] 4+2+1, (2,4] 4, (4,8] 2: count 13, sum 29.
  EXPECT_EQ(Q("histogram_count(sum(req_dur))", 120 * kSec), "{} => 13\n");
  EXPECT_EQ(Q("histogram_sum(sum(req_dur))", 120 * kSec), "{} => 29\n");
  EXPECT_EQ(Q("histogram_count(avg by (job) (req_dur{job=\"b\"}))", 120 * kSec),
            "{job=\"b\"} => 4\n");
  EXPECT_EQ(Q("histogram_sum(avg(req_dur{job=~\"a|b\"}))", 120 * kSec), "{} => 14\n");
  EXPECT_EQ(Q("count(req_dur)", 120 * kSec), "{} => 3\n");
  EXPECT_EQ(Q("max(req_dur)", 120 * kSec), "");  // ignores histograms
}

TEST_F(HistogramQueryTest, ArithmeticThatPrometheusAllows) {
  EXPECT_EQ(Q("histogram_count(req_dur{job=\"a\"} * 2)", 120 * kSec), "{job=\"a\"} => 16\n");
  EXPECT_EQ(Q("histogram_sum(0.5 * req_dur{job=\"a\"})", 120 * kSec), "{job=\"a\"} => 8\n");
  EXPECT_EQ(Q("histogram_count(req_dur{job=\"a\"} / 4)", 120 * kSec), "{job=\"a\"} => 2\n");
  // a - c with the job ignored (one-to-one: the result drops it): count 8 - 1, sum 16 - 1.
  EXPECT_EQ(Q("histogram_sum(req_dur{job=\"a\"} - ignoring(job) req_dur{job=\"c\"})", 120 * kSec),
            "{} => 15\n");
  // Neither a histogram plus a float nor a comparison has a histogram answer.
  EXPECT_EQ(Q("req_dur{job=\"a\"} + 1", 120 * kSec), "");
  EXPECT_EQ(Q("req_dur{job=\"a\"} > 1", 120 * kSec), "");
  EXPECT_EQ(Q("abs(req_dur{job=\"a\"})", 120 * kSec), "");
  EXPECT_EQ(Q("timestamp(req_dur{job=\"a\"})", 120 * kSec), "{job=\"a\"} => 120\n");
}

TEST_F(HistogramQueryTest, ApiReturnsHistogramAndHistogramsFieldsAsPrometheus) {
  PrometheusApi::Options options;
  PrometheusApi api(table_, options);
  auto get = [&](const std::string& target) {
    net::HttpRequest req;
    req.method = "GET";
    req.target = target;
    net::HttpResponse resp;
    api.Handle(req, &resp);
    return resp.body;
  };
  EXPECT_EQ(
      get("/api/v1/query?query=req_dur%7Bjob%3D%22b%22%7D&time=120"),
      R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"req_dur","job":"b"},)"
      R"("histogram":[120,{"count":"4","sum":"12","buckets":[[0,"1","2","2"],[0,"4","8","2"]]}]}]}})");
  EXPECT_EQ(
      get("/api/v1/query_range?query=req_dur%7Bjob%3D%22c%22%7D&start=60&end=120&step=60"),
      R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"req_dur","job":"c"},)"
      R"("histograms":[[60,{"count":"5","sum":"5","buckets":[[0,"1","2","5"]]}],)"
      R"([120,{"count":"1","sum":"1","buckets":[[0,"1","2","1"]]}]]}]}})");
}

}  // namespace
}  // namespace otter::query::promql
