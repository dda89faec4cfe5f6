#include "query/promql/engine.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>

#include "query/json_writer.h"
#include "query/promql/functions.h"
#include "query/promql/testing.h"

namespace otter::query::promql {
namespace {

using testing::FakeMetricQuerier;
using testing::L;

constexpr int64_t kMin = 60 * 1000;
constexpr int64_t kDay = 24 * 60 * kMin;

Deadline Far() { return std::chrono::steady_clock::now() + std::chrono::minutes(1); }

// "{a="b"} => 1.5" lines, in result order, for compact exact assertions.
std::string Show(const StatusOr<Value>& v) {
  if (!v.ok())
    return "ERROR " + std::string(StatusCodeName(v.status().code())) + ": " +
           std::string(v.status().message());
  switch (v->type) {
    case ValueType::kScalar:
      return "scalar " + FormatPromFloat(v->scalar);
    case ValueType::kString:
      return "string " + v->str;
    case ValueType::kVector: {
      std::string s;
      for (const auto& e : v->vector)
        s += store::LabelsToString(e.metric) + " => " + FormatPromFloat(e.v) + "\n";
      return s;
    }
    case ValueType::kMatrix: {
      std::string s;
      for (const auto& ser : v->matrix) {
        s += store::LabelsToString(ser.metric) + " =>";
        for (const auto& p : ser.points)
          s += " " + FormatPromFloat(p.v) + "@" + std::to_string(p.t_ms);
        s += "\n";
      }
      return s;
    }
  }
  return "";
}

std::string ShowMatrix(const StatusOr<Matrix>& m) {
  if (!m.ok()) return "ERROR " + std::string(m.status().message());
  Value v;
  v.type = ValueType::kMatrix;
  v.matrix = *m;
  return Show(v);
}

class EngineTest : public ::testing::Test {
 protected:
  std::string Q(std::string_view q, int64_t t_ms) { return Show(engine_.Instant(q, t_ms, Far())); }
  double Num(std::string_view q, int64_t t_ms) {
    auto v = engine_.Instant(q, t_ms, Far());
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    if (!v.ok()) return NAN;
    if (v->type == ValueType::kScalar) return v->scalar;
    EXPECT_EQ(v->vector.size(), 1u) << Show(v);
    return v->vector.empty() ? NAN : v->vector[0].v;
  }
  FakeMetricQuerier db_;
  EngineOptions opts_;
  Engine engine_{db_, opts_};
};

TEST_F(EngineTest, ScalarArithmeticAndPrecedence) {
  EXPECT_EQ(Q("2 * 3 ^ 2", 0), "scalar 18");
  EXPECT_EQ(Q("2 ^ 3 ^ 2", 0), "scalar 512");
  EXPECT_EQ(Q("-2 ^ 2", 0), "scalar -4");
  EXPECT_EQ(Q("1 + 2 * 3 - 4 / 2", 0), "scalar 5");
  EXPECT_EQ(Q("10 % 3", 0), "scalar 1");
  EXPECT_EQ(Q("1 < bool 2", 0), "scalar 1");
  EXPECT_EQ(Q("1 / 0", 0), "scalar +Inf");
  EXPECT_EQ(Q("time()", 90500), "scalar 90.5");
  EXPECT_EQ(Q("\"hi\"", 0), "string hi");
}

TEST_F(EngineTest, InstantSelectorLookbackAndOffset) {
  db_.Add(L({{"__name__", "m"}, {"a", "1"}}), {{0, 1}, {60000, 2}});
  EXPECT_EQ(Q("m", 60000), "{__name__=\"m\", a=\"1\"} => 2\n");
  EXPECT_EQ(Q("m", 59999), "{__name__=\"m\", a=\"1\"} => 1\n");
  // Lookback is (t-5m, t] (Prometheus 3): the sample at 60s is visible until just before 360s.
  EXPECT_EQ(Q("m", 359999), "{__name__=\"m\", a=\"1\"} => 2\n");
  EXPECT_EQ(Q("m", 360000), "");
  EXPECT_EQ(Q("m offset 1m", 60000), "{__name__=\"m\", a=\"1\"} => 1\n");
  EXPECT_EQ(Q("m @ 0", 300000), "{__name__=\"m\", a=\"1\"} => 1\n");
  EXPECT_EQ(Q("timestamp(m)", 120000), "{a=\"1\"} => 60\n");
  // Range windows are left-open too: (0, 60s].
  EXPECT_EQ(Q("m[1m]", 60000), "{__name__=\"m\", a=\"1\"} => 2@60000\n");
  EXPECT_EQ(Q("m[1m]", 59999), "{__name__=\"m\", a=\"1\"} => 1@0\n");
}

TEST_F(EngineTest, RateIncreaseDeltaExtrapolation) {
  // Counter samples at 100s, 130s, 160s, 190s valued 50, 80, 110, 140; evaluated at 300s over
  // [0s, 300s]. result = 140-50 = 90; sampled interval 90s, 3 intervals → average 30s,
  // threshold 1.1*30 = 33s. Start gap 100s, but the zero point is 90*(50/90) = 50s before the
  // first sample: min(100, 50) = 50 ≥ 33 → extend by avg/2 = 15s. End gap 110s ≥ 33 → +15s.
  // Extrapolated interval = 90+15+15 = 120s: increase = 90*120/90 = 120, rate = 120/300 = 0.4.
  db_.Add(L({{"__name__", "c"}}), {{100000, 50}, {130000, 80}, {160000, 110}, {190000, 140}});
  EXPECT_DOUBLE_EQ(Num("increase(c[5m])", 300000), 120);
  EXPECT_DOUBLE_EQ(Num("rate(c[5m])", 300000), 0.4);
  // Same shape starting at 10: zero point 90*(10/90) = 10s before the first sample < 33 →
  // extend by 10s: interval = 90+10+15 = 115 → increase 115, rate 115/300.
  db_.Add(L({{"__name__", "d"}}), {{100000, 10}, {130000, 40}, {160000, 70}, {190000, 100}});
  EXPECT_DOUBLE_EQ(Num("increase(d[5m])", 300000), 115);
  EXPECT_DOUBLE_EQ(Num("rate(d[5m])", 300000), 115.0 / 300);
  // Counter reset: 5, 10, 2, 6 at 10..40s, evaluated at 40s over [0s, 40s].
  // result = 6-5 + 10 (reset after 10) = 11; sampled 30s, avg 10s, threshold 11s.
  // Start gap 10s (zero point 30*5/11 = 13.6s is later) < 11 → +10; end gap 0 → +0.
  // increase = 11*40/30 = 14.666..., rate = that / 40.
  db_.Add(L({{"__name__", "r"}}), {{10000, 5}, {20000, 10}, {30000, 2}, {40000, 6}});
  EXPECT_DOUBLE_EQ(Num("increase(r[40s])", 40000), 11.0 * 40 / 30);
  EXPECT_DOUBLE_EQ(Num("rate(r[40s])", 40000), 11.0 * 40 / 30 / 40);
  // delta treats it as a gauge: 6-5 = 1, no reset handling, no zero clamp: 1*40/30.
  EXPECT_DOUBLE_EQ(Num("delta(r[40s])", 40000), 40.0 / 30);
  // irate: last two samples 2 → 6 over 10s = 0.4; idelta = 4; irate over a reset (10 → 2)
  // takes the new value: 2/10s = 0.2.
  EXPECT_DOUBLE_EQ(Num("irate(r[40s])", 40000), 0.4);
  EXPECT_DOUBLE_EQ(Num("idelta(r[40s])", 40000), 4);
  EXPECT_DOUBLE_EQ(Num("irate(r[40s])", 30000), 0.2);
  EXPECT_EQ(Num("resets(r[40s])", 40000), 1);
  EXPECT_EQ(Num("changes(r[40s])", 40000), 3);
  // One sample in range: no rate.
  EXPECT_EQ(Q("rate(r[5s])", 40000), "");
}

TEST_F(EngineTest, OverTimeFunctions) {
  db_.Add(L({{"__name__", "g"}, {"k", "v"}}), {{10000, 1}, {20000, 2}, {30000, 3}, {40000, 6}});
  EXPECT_EQ(Q("avg_over_time(g[1m])", 40000), "{k=\"v\"} => 3\n");
  EXPECT_EQ(Q("sum_over_time(g[1m])", 40000), "{k=\"v\"} => 12\n");
  EXPECT_EQ(Q("count_over_time(g[1m])", 40000), "{k=\"v\"} => 4\n");
  EXPECT_EQ(Q("min_over_time(g[1m])", 40000), "{k=\"v\"} => 1\n");
  EXPECT_EQ(Q("max_over_time(g[1m])", 40000), "{k=\"v\"} => 6\n");
  // last_over_time keeps the metric name.
  EXPECT_EQ(Q("last_over_time(g[1m])", 40000), "{__name__=\"g\", k=\"v\"} => 6\n");
  // quantile 0.5 of 1,2,3,6: rank 0.5*3 = 1.5 → 2*0.5 + 3*0.5 = 2.5.
  EXPECT_EQ(Q("quantile_over_time(0.5, g[1m])", 40000), "{k=\"v\"} => 2.5\n");
  // mean 3, squared deviations 4+1+0+9 = 14, /4 = 3.5.
  EXPECT_EQ(Q("stdvar_over_time(g[1m])", 40000), "{k=\"v\"} => 3.5\n");
  EXPECT_DOUBLE_EQ(Num("stddev_over_time(g[1m])", 40000), std::sqrt(3.5));
  // Prometheus 3 windows are left-open: (10s, 40s] leaves out the sample at 10s.
  EXPECT_EQ(Q("count_over_time(g[30s])", 40000), "{k=\"v\"} => 3\n");
  // Points 1,2,3 at 10..30s: slope 0.1/s. Points at 10..40s: x = 0,10,20,30, y = 1,2,3,6:
  // sx=60 sy=12 sxy=0+20+60+180=260 sx2=0+100+400+900=1400 → cov = 260-60*12/4 = 80,
  // var = 1400-900 = 500 → slope 0.16, intercept(at 40s: x=-30..0) ...
  EXPECT_DOUBLE_EQ(Num("deriv(g[20s])", 30000), 0.1);
  EXPECT_DOUBLE_EQ(Num("deriv(g[1m])", 40000), 0.16);
  // predict_linear at t=40s: x = -30,-20,-10,0 → sx=-60, sxy=-30-40-30+0=-100, sx2=1400:
  // cov = -100 - (-60*12/4) = 80, var = 500 → slope 0.16, intercept = 3 - 0.16*(-15) = 5.4;
  // + 0.16*10 = 7.
  EXPECT_DOUBLE_EQ(Num("predict_linear(g[1m], 10)", 40000), 7);
  EXPECT_EQ(Q("absent_over_time(nope{job=\"x\"}[1m])", 40000), "{job=\"x\"} => 1\n");
  EXPECT_EQ(Q("absent_over_time(g[1m])", 40000), "");
}

TEST_F(EngineTest, HistogramQuantile) {
  auto add = [&](const char* le, double v) {
    db_.Add(L({{"__name__", "h_bucket"}, {"job", "a"}, {"le", le}}), {{0, v}});
  };
  add("0.1", 10);
  add("0.5", 30);
  add("1", 40);
  add("+Inf", 50);
  // q=0.5: rank 25 falls in (0.1, 0.5] holding 30-10 = 20 → 0.1 + 0.4*(25-10)/20 = 0.4.
  EXPECT_DOUBLE_EQ(Num("histogram_quantile(0.5, h_bucket)", 0), 0.4);
  // q=0.1: rank 5 in the first bucket, lower bound 0: 0.1*5/10 = 0.05.
  EXPECT_DOUBLE_EQ(Num("histogram_quantile(0.1, h_bucket)", 0), 0.05);
  // q=0.9: rank 45 lands in +Inf → the highest finite bound, 1.
  EXPECT_EQ(Q("histogram_quantile(0.9, h_bucket)", 0), "{job=\"a\"} => 1\n");
  EXPECT_EQ(Q("histogram_quantile(1.5, h_bucket)", 0), "{job=\"a\"} => +Inf\n");
  // Non-monotonic counts are raised: 10, 8→10, 40, 50. q=0.5: rank 25 in (0.5, 1] holding
  // 30 → 0.5 + 0.5*(25-10)/30 = 0.75.
  EXPECT_DOUBLE_EQ(BucketQuantile(0.5, {{0.1, 10}, {0.5, 8}, {1, 40}, {INFINITY, 50}}), 0.75);
  // No +Inf bucket → NaN; duplicate bounds are merged (10+10 = 20 of 40 → rank 20 at 0.1).
  EXPECT_TRUE(std::isnan(BucketQuantile(0.5, {{0.1, 10}, {1, 20}})));
  EXPECT_DOUBLE_EQ(BucketQuantile(0.5, {{0.1, 10}, {0.1, 10}, {INFINITY, 40}}), 0.1);
}

TEST_F(EngineTest, Aggregations) {
  db_.Add(L({{"__name__", "x"}, {"job", "a"}, {"i", "1"}}), {{0, 1}});
  db_.Add(L({{"__name__", "x"}, {"job", "a"}, {"i", "2"}}), {{0, 3}});
  db_.Add(L({{"__name__", "x"}, {"job", "b"}, {"i", "3"}}), {{0, 8}});
  EXPECT_EQ(Q("sum(x)", 0), "{} => 12\n");
  EXPECT_EQ(Q("sum by (job) (x)", 0), "{job=\"a\"} => 4\n{job=\"b\"} => 8\n");
  EXPECT_EQ(Q("sum(x) by (job)", 0), "{job=\"a\"} => 4\n{job=\"b\"} => 8\n");
  EXPECT_EQ(Q("avg without (i) (x)", 0), "{job=\"a\"} => 2\n{job=\"b\"} => 8\n");
  EXPECT_EQ(Q("count(x)", 0), "{} => 3\n");
  EXPECT_EQ(Q("min(x)", 0), "{} => 1\n");
  EXPECT_EQ(Q("max by (job) (x)", 0), "{job=\"a\"} => 3\n{job=\"b\"} => 8\n");
  EXPECT_EQ(Q("group by (job) (x)", 0), "{job=\"a\"} => 1\n{job=\"b\"} => 1\n");
  // mean 4; deviations 9+1+16 = 26 / 3.
  EXPECT_DOUBLE_EQ(Num("stdvar(x)", 0), 26.0 / 3);
  EXPECT_DOUBLE_EQ(Num("stddev(x)", 0), std::sqrt(26.0 / 3));
  EXPECT_EQ(
      Q("topk(2, x)", 0),
      "{__name__=\"x\", i=\"3\", job=\"b\"} => 8\n{__name__=\"x\", i=\"2\", job=\"a\"} => 3\n");
  EXPECT_EQ(
      Q("bottomk(1, x) by (job)", 0),
      "{__name__=\"x\", i=\"1\", job=\"a\"} => 1\n{__name__=\"x\", i=\"3\", job=\"b\"} => 8\n");
  // quantile 0.5 of 1,3,8 = 3; 0.75: rank 1.5 → 3*0.5 + 8*0.5 = 5.5.
  EXPECT_EQ(Q("quantile(0.75, x)", 0), "{} => 5.5\n");
  EXPECT_EQ(Q("count_values(\"val\", x)", 0),
            "{val=\"1\"} => 1\n{val=\"3\"} => 1\n{val=\"8\"} => 1\n");
}

TEST_F(EngineTest, BinaryOpsAndVectorMatching) {
  db_.Add(L({{"__name__", "req"}, {"job", "a"}, {"inst", "1"}}), {{0, 10}});
  db_.Add(L({{"__name__", "req"}, {"job", "a"}, {"inst", "2"}}), {{0, 20}});
  db_.Add(L({{"__name__", "lim"}, {"job", "a"}, {"team", "t1"}}), {{0, 100}});
  db_.Add(L({{"__name__", "up"}, {"job", "a"}, {"inst", "1"}}), {{0, 1}});
  EXPECT_EQ(Q("req * 2", 0), "{inst=\"1\", job=\"a\"} => 20\n{inst=\"2\", job=\"a\"} => 40\n");
  EXPECT_EQ(Q("req > 15", 0), "{__name__=\"req\", inst=\"2\", job=\"a\"} => 20\n");
  EXPECT_EQ(Q("15 < req", 0), "{__name__=\"req\", inst=\"2\", job=\"a\"} => 20\n");
  EXPECT_EQ(Q("req > bool 15", 0), "{inst=\"1\", job=\"a\"} => 0\n{inst=\"2\", job=\"a\"} => 1\n");
  EXPECT_EQ(Q("req / up", 0), "{inst=\"1\", job=\"a\"} => 10\n");
  EXPECT_EQ(
      Q("req / on(job) group_left(team) lim", 0),
      "{inst=\"1\", job=\"a\", team=\"t1\"} => 0.1\n{inst=\"2\", job=\"a\", team=\"t1\"} => 0.2\n");
  EXPECT_EQ(Q("lim / on(job) group_right req", 0),
            "{inst=\"1\", job=\"a\"} => 10\n{inst=\"2\", job=\"a\"} => 5\n");
  EXPECT_EQ(Q("req and up", 0), "{__name__=\"req\", inst=\"1\", job=\"a\"} => 10\n");
  EXPECT_EQ(Q("req unless up", 0), "{__name__=\"req\", inst=\"2\", job=\"a\"} => 20\n");
  EXPECT_EQ(Q("up or req", 0),
            "{__name__=\"up\", inst=\"1\", job=\"a\"} => 1\n{__name__=\"req\", inst=\"2\", "
            "job=\"a\"} => 20\n");
  EXPECT_EQ(Q("req + on(inst) up", 0), "{inst=\"1\"} => 11\n");
  EXPECT_EQ(Q("req + ignoring(inst) lim", 0), "");
  db_.Add(L({{"__name__", "one"}, {"job", "a"}}), {{0, 1}});
  EXPECT_EQ(Q("req + on(job) one", 0),
            "ERROR FAILED_PRECONDITION: multiple matches for labels: many-to-one matching must be "
            "explicit (group_left/group_right)");
  EXPECT_EQ(Q("lim + on(job) req", 0),
            "ERROR FAILED_PRECONDITION: found duplicate series for the match group {job=\"a\"} on "
            "the right hand-side of the operation: [{__name__=\"req\", inst=\"2\", job=\"a\"}, "
            "{__name__=\"req\", inst=\"1\", job=\"a\"}];many-to-many matching not allowed: "
            "matching labels must be unique on one side");
  EXPECT_EQ(Q("-req", 0), "{inst=\"1\", job=\"a\"} => -10\n{inst=\"2\", job=\"a\"} => -20\n");
}

TEST_F(EngineTest, MathAndLabelFunctions) {
  db_.Add(L({{"__name__", "v"}, {"src", "host-12"}, {"b", "x"}}), {{0, -2.25}});
  EXPECT_EQ(Q("abs(v)", 0), "{b=\"x\", src=\"host-12\"} => 2.25\n");
  EXPECT_EQ(Q("ceil(v)", 0), "{b=\"x\", src=\"host-12\"} => -2\n");
  EXPECT_EQ(Q("floor(v)", 0), "{b=\"x\", src=\"host-12\"} => -3\n");
  EXPECT_EQ(Q("round(v)", 0), "{b=\"x\", src=\"host-12\"} => -2\n");
  EXPECT_EQ(Q("round(v, 0.5)", 0), "{b=\"x\", src=\"host-12\"} => -2\n");
  EXPECT_EQ(Q("clamp(v, -1, 1)", 0), "{b=\"x\", src=\"host-12\"} => -1\n");
  EXPECT_EQ(Q("clamp(v, 1, -1)", 0), "");
  EXPECT_EQ(Q("clamp_min(v, 0)", 0), "{b=\"x\", src=\"host-12\"} => 0\n");
  EXPECT_EQ(Q("clamp_max(v, -3)", 0), "{b=\"x\", src=\"host-12\"} => -3\n");
  EXPECT_EQ(Q("sgn(v)", 0), "{b=\"x\", src=\"host-12\"} => -1\n");
  EXPECT_EQ(Q("sqrt(-v)", 0), "{b=\"x\", src=\"host-12\"} => 1.5\n");
  EXPECT_EQ(Q("log2(abs(v) * 0 + 8)", 0), "{b=\"x\", src=\"host-12\"} => 3\n");
  EXPECT_EQ(Q("log10(abs(v) * 0 + 100)", 0), "{b=\"x\", src=\"host-12\"} => 2\n");
  EXPECT_EQ(Q("exp(abs(v) * 0)", 0), "{b=\"x\", src=\"host-12\"} => 1\n");
  EXPECT_EQ(Q("ln(abs(v) * 0 + 1)", 0), "{b=\"x\", src=\"host-12\"} => 0\n");
  EXPECT_EQ(Q("label_replace(v, \"num\", \"$2-${1}\", \"src\", \"(\\\\w+)-(\\\\d+)\")", 0),
            "{__name__=\"v\", b=\"x\", num=\"12-host\", src=\"host-12\"} => -2.25\n");
  EXPECT_EQ(Q("label_replace(v, \"num\", \"$1\", \"src\", \"nomatch\")", 0),
            "{__name__=\"v\", b=\"x\", src=\"host-12\"} => -2.25\n");
  // Prometheus 3 takes any UTF-8 label name; only an empty one is invalid.
  EXPECT_EQ(Q("label_replace(v, \"\", \"$1\", \"src\", \".*\")", 0),
            "ERROR FAILED_PRECONDITION: invalid destination label name in label_replace(): ");
  EXPECT_EQ(Q("label_join(v, \"j\", \"/\", \"b\", \"src\")", 0),
            "{__name__=\"v\", b=\"x\", j=\"x/host-12\", src=\"host-12\"} => -2.25\n");
  EXPECT_EQ(Q("scalar(v)", 0), "scalar -2.25");
  EXPECT_EQ(Q("vector(3)", 0), "{} => 3\n");
  EXPECT_EQ(Q("absent(v)", 0), "");
  EXPECT_EQ(Q("absent(nope{job=\"j\", x=~\"y\"})", 0), "{job=\"j\"} => 1\n");
  db_.Add(L({{"__name__", "s"}, {"i", "1"}}), {{0, 5}});
  db_.Add(L({{"__name__", "s"}, {"i", "2"}}), {{0, 7}});
  db_.Add(L({{"__name__", "s"}, {"i", "3"}}), {{0, 6}});
  EXPECT_EQ(Q("sort_desc(s)", 0),
            "{__name__=\"s\", i=\"2\"} => 7\n{__name__=\"s\", i=\"3\"} => 6\n"
            "{__name__=\"s\", i=\"1\"} => 5\n");
  EXPECT_EQ(Q("sort(s)", 0),
            "{__name__=\"s\", i=\"1\"} => 5\n{__name__=\"s\", i=\"3\"} => 6\n"
            "{__name__=\"s\", i=\"2\"} => 7\n");
  // Dropping the name makes two series collide.
  db_.Add(L({{"__name__", "other"}, {"i", "1"}}), {{0, 1}});
  EXPECT_EQ(Q("abs({i=\"1\"})", 0),
            "ERROR FAILED_PRECONDITION: vector cannot contain metrics with the same labelset");
}

TEST_F(EngineTest, SubqueryAlignment) {
  // Steps are multiples of 1m within (t-5m, t]: at 630s → 360..600 (5 points); at 600s →
  // 360..600 too (300 is on the open edge).
  EXPECT_EQ(Q("count_over_time(vector(1)[5m:1m])", 630000), "{} => 5\n");
  EXPECT_EQ(Q("count_over_time(vector(1)[5m:1m])", 600000), "{} => 5\n");
  // The default step is Prometheus's evaluation interval (1m), whatever the query's step.
  auto m = engine_.Range("count_over_time(vector(1)[5m:])", 600000, 600000, 120000, Far());
  EXPECT_EQ(ShowMatrix(m), "{} => 5@600000\n");
  // Offset 1m moves the window to (270s, 570s]: time() at 300..540s sums to 2100.
  EXPECT_EQ(Q("sum_over_time(vector(time())[5m:1m] offset 1m)", 630000), "{} => 2100\n");
}

// The two alerting/recording rules the seed ships with.
class SeedRulesTest : public EngineTest {
 protected:
  void SetUp() override {
    // 8 days of counters sampled every 60s. job="a" runs at 1/s, then 3/s during the last 5m
    // before T; job="b" runs at 1/s throughout.
    for (const char* job : {"a", "b"}) {
      std::vector<store::Sample> s;
      double v = 0;
      for (int64_t t = 0; t <= kT; t += kMin) {
        s.push_back({t, v});
        bool fast = std::string(job) == "a" && t >= kT - 5 * kMin;
        v += fast ? 180 : 60;
      }
      db_.Add(L({{"__name__", "http_requests_total"}, {"job", job}, {"status", "200"}}), s);
    }
    // Error ratio data: 9/s of 200s, 0.5/s of 500s and 0.5/s of 503s (job="c").
    for (auto [status, rate] : {std::pair{"200", 9.0}, {"500", 0.5}, {"503", 0.5}}) {
      db_.AddLinear(L({{"__name__", "http_requests_total"}, {"job", "c"}, {"status", status}}),
                    kT - 20 * kMin, kMin, 21, 0, rate * 60);
    }
  }
  static constexpr int64_t kT = 8 * kDay;
};

TEST_F(SeedRulesTest, RateAboveHistoricalAverage) {
  // At T: rate over (T-5m, T] for "a": samples T-4m..T, 4 fast intervals = 720 over 240s,
  // extrapolated to the window start (60s < 1.1 × the 60s step) = 900 over 300s = 3; "b" = 1;
  // "c" series: 200s 9, 500s/503s 0.5.
  // The subquery samples rate at the 169 hour marks in [T-7d, T]: for "a" 168 × 1 and 3 at T;
  // mean = 171/169 = 1.0118...; 1.5 × that = 1.5177 < 3 → "a" fires with its rate, 3.
  // "b": 1 > 1.5 is false. "c" exists only in the last 20m: its hourly samples are only T (the
  // windows before have no data), so avg = its rate and rate > 1.5 × rate is false.
  const char* rule =
      "rate(http_requests_total[5m]) > 1.5 * avg_over_time(rate(http_requests_total[5m])[7d:1h])";
  EXPECT_EQ(Q(rule, kT), "{job=\"a\", status=\"200\"} => 3\n");
  // One minute earlier "a"'s window (T-6m, T-1m] holds T-5m..T-1m: 4 fast intervals, again 3
  // (Prometheus 3's left-open window leaves out T-6m); the subquery's last hour mark is T-1h
  // (rate 1) → avg 1 → 3 > 1.5.
  EXPECT_EQ(Q(rule, kT - kMin), "{job=\"a\", status=\"200\"} => 3\n");
  // As a range query the rule fetches each selector once.
  int before = db_.select_calls();
  auto m = engine_.Range(rule, kT - 2 * kMin, kT, kMin, Far());
  EXPECT_EQ(db_.select_calls() - before, 2);
  // At T-2m: window (T-7m, T-2m] holds T-6m..T-2m: 1 slow + 3 fast intervals = 600 over 240s,
  // extrapolated ×300/240 = 750 over 300s = 2.5.
  EXPECT_EQ(ShowMatrix(m),
            "{job=\"a\", status=\"200\"} => 2.5@691080000 3@691140000 3@691200000\n");
}

TEST_F(SeedRulesTest, ErrorRatio) {
  // 5xx: 0.5 + 0.5 = 1 per second; all (job c): 9 + 0.5 + 0.5 = 10, plus job a (3) and b (1)
  // at T → 14: ratio 1/14.
  const char* rule =
      "sum(rate(http_requests_total{status=~\"5..\"}[5m])) / sum(rate(http_requests_total[5m]))";
  EXPECT_DOUBLE_EQ(Num(rule, kT), 1.0 / 14);
  EXPECT_EQ(Q("sum(rate(http_requests_total{job=\"c\",status=~\"5..\"}[5m])) / "
              "sum(rate(http_requests_total{job=\"c\"}[5m]))",
              kT),
            "{} => 0.1\n");
}

TEST_F(EngineTest, RangeQueryScalarAndSeries) {
  db_.Add(L({{"__name__", "m"}}), {{0, 1}, {60000, 2}, {120000, 3}});
  EXPECT_EQ(ShowMatrix(engine_.Range("m * 2", 0, 120000, 60000, Far())),
            "{} => 2@0 4@60000 6@120000\n");
  EXPECT_EQ(ShowMatrix(engine_.Range("time()", 0, 60000, 30000, Far())),
            "{} => 0@0 30@30000 60@60000\n");
  EXPECT_EQ(ShowMatrix(engine_.Range("m[1m]", 0, 60000, 30000, Far())),
            "ERROR invalid expression type \"range vector\" for range query, must be Scalar or "
            "instant Vector");
}

// A range query computes a range function over a selector for all steps at once (series by
// series); every step must equal the instant query at that time, whatever the windows, gaps,
// offsets, stale markers and subqueries.
TEST_F(EngineTest, RangeFunctionsOverSelectorMatchInstantQueries) {
  double stale;
  uint64_t bits = 0x7ff0000000000002ull;
  std::memcpy(&stale, &bits, sizeof stale);
  db_.Add(L({{"__name__", "c"}, {"i", "1"}}),
          {{0, 1}, {15000, 4}, {30000, 9}, {45000, 2}, {200000, 7}, {215000, 8}, {400000, 30}});
  db_.Add(L({{"__name__", "c"}, {"i", "2"}}),
          {{10000, 5}, {70000, 6}, {130000, stale}, {190000, 7}, {250000, 100}});
  db_.Add(L({{"__name__", "c"}, {"i", "3"}}), {{300000, 1}, {315000, 2}});
  // Windows are left-open (Prometheus 3): at 60 s the sample at 0 is out. At 180 s the window
  // holds only the stale marker: no point.
  EXPECT_EQ(ShowMatrix(engine_.Range("count_over_time(c[1m])", 0, 300000, 60000, Far())),
            "{i=\"1\"} => 1@0 3@60000 2@240000\n"
            "{i=\"2\"} => 1@60000 1@120000 1@240000 1@300000\n"
            "{i=\"3\"} => 1@300000\n");
  // Counter resets (c{i="1"} 9 -> 2), a stale marker and gaps; offsets (also negative), @,
  // subqueries, scalar arguments, and aggregations over the precomputed values.
  for (std::string q : {"rate(c[1m])",
                        "increase(c[2m])",
                        "last_over_time(c[1m])",
                        "first_over_time(c[2m])",
                        "sum by (i) (count_over_time(c[45s] offset 30s))",
                        "resets(c[5m])",
                        "changes(c[3m])",
                        "max_over_time(rate(c[1m])[3m:30s])",
                        "deriv(c[90s] @ 220)",
                        "rate(c[1m] offset -30s)",
                        "sum(rate(c[2m]))",
                        "avg(increase(c[2m]))",
                        "max by (i) (irate(c[1m]))",
                        "min(delta(c[2m]))",
                        "count(last_over_time(c[1m]))",
                        "group(present_over_time(c[1m]))",
                        "stddev(sum_over_time(c[2m]))",
                        "stdvar(avg_over_time(c[2m]))",
                        "sum(rate(c[1m] @ 220))",
                        "quantile_over_time(0.5, c[2m])",
                        "predict_linear(c[2m], 60)",
                        "sum_over_time(sum(rate(c[1m]))[2m:30s])",
                        "sum(rate(c[1m])) * 2",
                        "double_exponential_smoothing(c[3m], 0.5, 0.5)",
                        "quantile(0.5, rate(c[1m]))",
                        "topk(1, rate(c[2m]))",
                        "sum without (i) (mad_over_time(c[3m]))"}) {
    for (int64_t step : {15000, 60000, 110000}) {
      auto [range, instants] = testing::RangeAndInstants(engine_, q, 0, 420000, step);
      EXPECT_EQ(range, instants) << q << " step " << step;
      EXPECT_FALSE(range.empty()) << q << " step " << step;
    }
  }
}

TEST_F(EngineTest, RangeFunctionOverSelectorRefusesDuplicateLabelSets) {
  db_.Add(L({{"__name__", "a"}, {"i", "1"}}), {{0, 1}, {30000, 2}});
  db_.Add(L({{"__name__", "b"}, {"i", "1"}}), {{0, 1}, {30000, 2}});
  EXPECT_EQ(ShowMatrix(engine_.Range("rate({i=\"1\"}[1m])", 0, 60000, 30000, Far())),
            "ERROR vector cannot contain metrics with the same labelset");
  // Apart in time, they do not collide.
  EXPECT_EQ(ShowMatrix(engine_.Range("last_over_time({i=\"1\"}[1m])", 0, 60000, 30000, Far())),
            "{__name__=\"a\", i=\"1\"} => 1@0 2@30000 2@60000\n"
            "{__name__=\"b\", i=\"1\"} => 1@0 2@30000 2@60000\n");
}

TEST(EngineLimits, MaxSamples) {
  FakeMetricQuerier db;
  db.AddLinear(L({{"__name__", "big"}}), 0, 1000, 100, 0, 1);
  EngineOptions opts;
  opts.max_samples = 50;
  Engine engine(db, opts);
  auto v = engine.Instant("sum_over_time(big[2m])", 100000, Far());
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(v.status().message(), kTooManySamples);
  // 30 samples fit.
  EXPECT_EQ(Show(engine.Instant("count_over_time(big[30s])", 99000, Far())), "{} => 30\n");
}

TEST(EngineLimits, Timeout) {
  FakeMetricQuerier db;
  db.AddLinear(L({{"__name__", "big"}}), 0, 1000, 1000, 0, 1);
  Engine engine(db, EngineOptions{});
  auto deadline = std::chrono::steady_clock::now() + std::chrono::nanoseconds(1);
  auto m = engine.Range("avg_over_time(rate(big[1m])[10m:1s])", 0, 1000000, 1000, deadline);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(m.status().message(), kTimedOut);
}

TEST(EngineLimits, RegexBombMatcherIsLinear) {
  FakeMetricQuerier db;
  for (int i = 0; i < 50; ++i)
    db.Add(L({{"__name__", std::string(20000, 'a') + std::to_string(i)}}), {{0, 1}});
  db.Add(L({{"__name__", "aab"}}), {{0, 2}});
  Engine engine(db, EngineOptions{});
  EXPECT_EQ(Show(engine.Instant("{__name__=~\"(a*)*b\"}", 0, Far())), "{__name__=\"aab\"} => 2\n");
}

}  // namespace
}  // namespace otter::query::promql
