#include "connectors/spanmetrics/spanmetrics_connector.h"

#include <gtest/gtest.h>

#include <map>

#include "config/loader.h"

namespace otter {
namespace {

using pdata::AnyValue;

// Records every batch it is handed and answers with `answer`.
struct MetricSink : MetricConsumer {
  std::vector<pdata::MetricBatch> got;
  Status answer = Status::Ok();
  void Consume(pdata::MetricBatch&& b, Completion done) override {
    got.push_back(std::move(b));
    done(answer);
  }
};

struct SpanSpec {
  std::string service, name;
  pdata::SpanKind kind = pdata::SpanKind::kServer;
  pdata::StatusCode status = pdata::StatusCode::kUnset;
  uint64_t duration_ns = 0;
  std::vector<std::pair<std::string, std::string>> attrs = {};
  uint8_t trace = 0;                     // trace id byte 0 (0 = no trace id)
  std::vector<std::string> events = {};  // event names, attribute "exception.type" = name
};

constexpr uint64_t kT0 = 1'700'000'000'000'000'000ull;
constexpr uint64_t kSec = 1'000'000'000ull;

// One resource per span (service.name = spec.service, plus host.name = "h").
pdata::TraceBatch Batch(const std::vector<SpanSpec>& specs) {
  pdata::TraceBatch b;
  auto& a = b.arenas();
  for (const auto& sp : specs) {
    auto& rs = b.resources().emplace_back();
    rs.resource.attributes = {{"service.name", AnyValue::String(a.Copy(sp.service))},
                              {"host.name", AnyValue::String("h")}};
    auto& span = rs.scope_spans.emplace_back().spans.emplace_back();
    span.name = a.Copy(sp.name);
    span.kind = sp.kind;
    span.status.code = sp.status;
    span.start_time_unix_nano = kT0;
    span.end_time_unix_nano = kT0 + sp.duration_ns;
    span.trace_id.bytes[0] = sp.trace;
    span.span_id.bytes[0] = sp.trace;
    for (const auto& [k, v] : sp.attrs)
      span.attributes.push_back({a.Copy(k), AnyValue::String(a.Copy(v))});
    for (const auto& e : sp.events) {
      auto& ev = span.events.emplace_back();
      ev.name = a.Copy(e);
      ev.attributes.push_back({"exception.type", AnyValue::String(a.Copy(e))});
    }
  }
  return b;
}

SpanMetricsConfig Parse(const std::string& yaml, std::string* errors = nullptr) {
  auto node = config::ParseYaml(yaml, "sm.yaml");
  EXPECT_TRUE(node.ok());
  SpanMetricsConfig cfg;
  config::Diagnostics d;
  SpanMetricsConfigTable().Parse(*node, cfg, d);
  if (d.ok())
    if (Status s = cfg.Validate(); !s.ok()) d.Error(*node, std::string(s.message()));
  if (errors)
    *errors = d.ErrorsText();
  else
    EXPECT_TRUE(d.ok()) << d.ErrorsText();
  return cfg;
}

// "attr=value,..." of a data point's attributes, in order.
std::string Attrs(const pdata::Attributes& attrs) {
  std::string s;
  for (const auto& kv : attrs)
    s += (s.empty() ? "" : ",") + std::string(kv.key) + "=" + kv.value.ToString();
  return s;
}

// The points of metric `name` in `b`, by their attributes.
template <class P>
std::map<std::string, const P*> Points(const pdata::MetricBatch& b, std::string_view name,
                                       std::vector<P> pdata::Metric::*member) {
  std::map<std::string, const P*> out;
  for (const auto& rm : b.resources())
    for (const auto& sm : rm.scope_metrics)
      for (const auto& m : sm.metrics)
        if (m.name == name)
          for (const auto& p : m.*member) out[Attrs(p.attributes)] = &p;
  return out;
}
auto Calls(const pdata::MetricBatch& b, std::string_view name = "traces.span.metrics.calls") {
  return Points(b, name, &pdata::Metric::number_points);
}
auto Durations(const pdata::MetricBatch& b) {
  return Points(b, "traces.span.metrics.duration", &pdata::Metric::histogram_points);
}

class SpanMetricsTest : public ::testing::Test {
 protected:
  std::unique_ptr<SpanMetricsConnector> Make(const std::string& yaml = "{}") {
    cfg_ = Parse(yaml);
    return std::make_unique<SpanMetricsConnector>(ComponentContext{}, cfg_, &sink_,
                                                  [this] { return now_; });
  }
  Status Send(SpanMetricsConnector& c, const std::vector<SpanSpec>& specs) {
    Status got = Internal("not answered");
    c.Consume(Batch(specs), Completion([&](Status s) { got = s; }));
    return got;
  }
  SpanMetricsConfig cfg_;
  MetricSink sink_;
  uint64_t now_ = kT0;
};

TEST_F(SpanMetricsTest, CountsCallsAndDurationsPerServiceSpanKindAndStatus) {
  auto c = Make();
  now_ = kT0 + kSec;
  ASSERT_TRUE(
      Send(*c,
           {{"cart", "GET /cart", pdata::SpanKind::kServer, pdata::StatusCode::kUnset, 3'000'000},
            {"cart", "GET /cart", pdata::SpanKind::kServer, pdata::StatusCode::kUnset, 4'000'000},
            {"cart", "GET /cart", pdata::SpanKind::kServer, pdata::StatusCode::kError, 120'000'000},
            {"db", "query", pdata::SpanKind::kClient, pdata::StatusCode::kOk, 1'000'000'000}})
          .ok());
  now_ = kT0 + 60 * kSec;
  c->Flush();
  ASSERT_EQ(sink_.got.size(), 1u);
  const auto& b = sink_.got[0];
  ASSERT_EQ(b.resources().size(), 2u);  // one per resource
  for (const auto& rm : b.resources()) {
    EXPECT_NE(Attrs(rm.resource.attributes).find(",host.name=h"), std::string::npos);
    ASSERT_EQ(rm.scope_metrics.size(), 1u);
    EXPECT_EQ(rm.scope_metrics[0].scope.name, "spanmetricsconnector");
    ASSERT_EQ(rm.scope_metrics[0].metrics.size(), 2u);
    const auto& calls = rm.scope_metrics[0].metrics[0];
    EXPECT_EQ(calls.type, pdata::MetricType::kSum);
    EXPECT_TRUE(calls.is_monotonic);
    EXPECT_EQ(calls.temporality, pdata::AggregationTemporality::kCumulative);
    const auto& dur = rm.scope_metrics[0].metrics[1];
    EXPECT_EQ(dur.name, "traces.span.metrics.duration");
    EXPECT_EQ(dur.unit, "ms");
    EXPECT_EQ(dur.type, pdata::MetricType::kHistogram);
  }
  auto calls = Calls(b);
  const std::string ok =
      "service.name=cart,span.name=GET /cart,span.kind=SPAN_KIND_SERVER,"
      "status.code=STATUS_CODE_UNSET";
  const std::string err =
      "service.name=cart,span.name=GET /cart,span.kind=SPAN_KIND_SERVER,"
      "status.code=STATUS_CODE_ERROR";
  const std::string db =
      "service.name=db,span.name=query,span.kind=SPAN_KIND_CLIENT,"
      "status.code=STATUS_CODE_OK";
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls.at(ok)->as_int, 2);
  EXPECT_EQ(calls.at(err)->as_int, 1);
  EXPECT_EQ(calls.at(db)->as_int, 1);
  EXPECT_EQ(calls.at(ok)->start_time_unix_nano, kT0 + kSec);
  EXPECT_EQ(calls.at(ok)->time_unix_nano, kT0 + 60 * kSec);
  auto dur = Durations(b);
  ASSERT_EQ(dur.size(), 3u);
  // Bounds 2,4,6,8,10,50,100,200,400,800,1000,... ms, upper-inclusive.
  std::vector<uint64_t> want(17, 0);
  want[1] = 2;  // 3 ms and 4 ms → (2, 4]
  EXPECT_EQ(dur.at(ok)->bucket_counts, want);
  EXPECT_EQ(dur.at(ok)->explicit_bounds.size(), 16u);
  EXPECT_DOUBLE_EQ(*dur.at(ok)->sum, 7.0);
  EXPECT_EQ(dur.at(ok)->count, 2u);
  want.assign(17, 0);
  want[7] = 1;  // 120 ms → (100, 200]
  EXPECT_EQ(dur.at(err)->bucket_counts, want);
  want.assign(17, 0);
  want[10] = 1;  // 1000 ms → (800, 1000]
  EXPECT_EQ(dur.at(db)->bucket_counts, want);
}

TEST_F(SpanMetricsTest, CumulativeKeepsCountingDeltaResetsEachFlush) {
  auto cum = Make();
  ASSERT_TRUE(Send(*cum, {{"a", "op"}}).ok());
  now_ += 10 * kSec;
  cum->Flush();
  ASSERT_TRUE(Send(*cum, {{"a", "op"}, {"a", "op"}}).ok());
  now_ += 10 * kSec;
  cum->Flush();
  ASSERT_EQ(sink_.got.size(), 2u);
  auto first = Calls(sink_.got[0]), second = Calls(sink_.got[1]);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(first.begin()->second->as_int, 1);
  EXPECT_EQ(second.begin()->second->as_int, 3);
  EXPECT_EQ(second.begin()->second->start_time_unix_nano, kT0);
  EXPECT_EQ(second.begin()->second->time_unix_nano, kT0 + 20 * kSec);

  sink_.got.clear();
  now_ = kT0;
  auto delta = Make("aggregation_temporality: AGGREGATION_TEMPORALITY_DELTA");
  ASSERT_TRUE(Send(*delta, {{"a", "op"}}).ok());
  now_ += 10 * kSec;
  delta->Flush();
  now_ += 10 * kSec;
  delta->Flush();  // nothing new: nothing sent
  ASSERT_TRUE(Send(*delta, {{"a", "op"}, {"a", "op"}}).ok());
  now_ += 10 * kSec;
  delta->Flush();
  ASSERT_EQ(sink_.got.size(), 2u);
  auto d1 = Calls(sink_.got[0]), d2 = Calls(sink_.got[1]);
  EXPECT_EQ(d1.begin()->second->as_int, 1);
  EXPECT_EQ(d2.begin()->second->as_int, 2);
  EXPECT_EQ(d2.begin()->second->start_time_unix_nano, kT0 + 20 * kSec);
  EXPECT_EQ(d2.begin()->second->time_unix_nano, kT0 + 30 * kSec);
  EXPECT_EQ(sink_.got[1].resources()[0].scope_metrics[0].metrics[0].temporality,
            pdata::AggregationTemporality::kDelta);
}

TEST_F(SpanMetricsTest, DimensionsFromSpanThenResourceThenDefaultAndExclusions) {
  auto c = Make(R"(
dimensions:
  - name: http.method
    default: GET
  - name: host.name
  - name: absent
exclude_dimensions: [span.kind, status.code]
namespace: ""
)");
  ASSERT_TRUE(Send(*c, {{"a",
                         "op",
                         pdata::SpanKind::kServer,
                         pdata::StatusCode::kUnset,
                         0,
                         {{"http.method", "POST"}, {"host.name", "span-host"}}},
                        {"a", "op"}})
                  .ok());
  c->Flush();
  ASSERT_EQ(sink_.got.size(), 1u);
  auto calls = Calls(sink_.got[0], "calls");
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls.at("service.name=a,span.name=op,http.method=POST,host.name=span-host")->as_int,
            1);
  EXPECT_EQ(calls.at("service.name=a,span.name=op,http.method=GET,host.name=h")->as_int, 1);
}

TEST_F(SpanMetricsTest, CardinalityLimitFoldsNewSeriesIntoOverflow) {
  auto c = Make("aggregation_cardinality_limit: 2");
  ASSERT_TRUE(Send(*c, {{"a", "1"}, {"a", "2"}, {"a", "3"}, {"a", "4"}, {"a", "1"}}).ok());
  c->Flush();
  auto calls = Calls(sink_.got.at(0));
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls.at("otel.metric.overflow=true")->as_int, 2);
  EXPECT_EQ(calls
                .at("service.name=a,span.name=1,span.kind=SPAN_KIND_SERVER,"
                    "status.code=STATUS_CODE_UNSET")
                ->as_int,
            2);
}

TEST_F(SpanMetricsTest, ExemplarsCarryTraceIdsUpToTheLimitPerInterval) {
  auto c = Make("exemplars: {enabled: true, max_per_data_point: 2}");
  ASSERT_TRUE(
      Send(*c, {{"a", "op", pdata::SpanKind::kServer, pdata::StatusCode::kUnset, 5'000'000, {}, 7},
                {"a", "op", pdata::SpanKind::kServer, pdata::StatusCode::kUnset, 0, {}, 0},
                {"a", "op", pdata::SpanKind::kServer, pdata::StatusCode::kUnset, 0, {}, 8},
                {"a", "op", pdata::SpanKind::kServer, pdata::StatusCode::kUnset, 0, {}, 9}})
          .ok());
  c->Flush();
  const auto* p = Durations(sink_.got.at(0)).begin()->second;
  ASSERT_EQ(p->exemplars.size(), 2u);  // the span without a trace id has none
  EXPECT_EQ(p->exemplars[0].trace_id.bytes[0], 7);
  EXPECT_DOUBLE_EQ(p->exemplars[0].as_double, 5.0);
  EXPECT_EQ(p->exemplars[0].time_unix_nano, kT0 + 5'000'000);
  EXPECT_EQ(p->exemplars[1].trace_id.bytes[0], 8);
  EXPECT_EQ(Calls(sink_.got[0]).begin()->second->exemplars.size(), 2u);
  c->Flush();  // exemplars belong to one interval
  EXPECT_TRUE(Durations(sink_.got.at(1)).begin()->second->exemplars.empty());
}

TEST_F(SpanMetricsTest, ExpirationForgetsIdleResources) {
  auto c = Make("metrics_expiration: 30s");
  ASSERT_TRUE(Send(*c, {{"old", "op"}}).ok());
  now_ += 20 * kSec;
  ASSERT_TRUE(Send(*c, {{"new", "op"}}).ok());
  now_ += 15 * kSec;  // old idle 35 s, new 15 s
  c->Flush();
  EXPECT_EQ(Calls(sink_.got.at(0)).size(), 2u);  // expiry applies after this flush
  c->Flush();
  auto calls = Calls(sink_.got.at(1));
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls.begin()->first.substr(0, 16), "service.name=new");
}

TEST_F(SpanMetricsTest, SecondsUnitExplicitBucketsEventsAndSpansWithoutService) {
  auto c = Make(R"(
histogram: {unit: s, explicit: {buckets: [100ms, 1s]}}
events: {enabled: true, dimensions: [{name: exception.type}]}
)");
  auto b = Batch({{"a",
                   "op",
                   pdata::SpanKind::kServer,
                   pdata::StatusCode::kError,
                   500'000'000,
                   {},
                   0,
                   {"Timeout", "Timeout", "Refused"}}});
  pdata::TraceBatch orphan = Batch({{"x", "op"}});
  orphan.resources()[0].resource.attributes.erase(
      orphan.resources()[0].resource.attributes.begin());
  b.Append(std::move(orphan));
  c->Consume(std::move(b), Completion());
  c->Flush();
  const auto& out = sink_.got.at(0);
  auto dur = Durations(out);
  ASSERT_EQ(dur.size(), 1u);
  EXPECT_EQ(dur.begin()->second->explicit_bounds, (std::vector<double>{0.1, 1.0}));
  EXPECT_EQ(dur.begin()->second->bucket_counts, (std::vector<uint64_t>{0, 1, 0}));
  EXPECT_DOUBLE_EQ(*dur.begin()->second->sum, 0.5);
  EXPECT_EQ(out.resources()[0].scope_metrics[0].metrics[1].unit, "s");
  auto events = Calls(out, "traces.span.metrics.events");
  const std::string base =
      "service.name=a,span.name=op,span.kind=SPAN_KIND_SERVER,"
      "status.code=STATUS_CODE_ERROR,exception.type=";
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events.at(base + "Timeout")->as_int, 2);
  EXPECT_EQ(events.at(base + "Refused")->as_int, 1);
  EXPECT_EQ(Calls(out).size(), 1u);  // the span without service.name is not counted
}

TEST_F(SpanMetricsTest, ExponentialHistogramLowersScaleToFitMaxSize) {
  ExponentialHistogram h(4);
  for (double v : {1.0, 2.0, 4.0, 8.0, 0.0}) h.Observe(v);
  pdata::ExponentialHistogramDataPoint p;
  h.ToPoint(p);
  EXPECT_EQ(p.scale, 0);
  EXPECT_EQ(p.positive.offset, -1);  // 1 is the upper edge of bucket -1: (0.5, 1]
  EXPECT_EQ(p.positive.bucket_counts, (std::vector<uint64_t>{1, 1, 1, 1}));
  EXPECT_EQ(p.zero_count, 1u);
  EXPECT_EQ(p.count, 5u);
  EXPECT_DOUBLE_EQ(*p.sum, 15.0);

  auto c = Make("histogram: {exponential: {max_size: 10}}");
  ASSERT_TRUE(
      Send(*c, {{"a", "op", pdata::SpanKind::kServer, pdata::StatusCode::kUnset, 3'000'000}}).ok());
  c->Flush();
  const auto& m = sink_.got.at(0).resources()[0].scope_metrics[0].metrics[1];
  ASSERT_EQ(m.type, pdata::MetricType::kExponentialHistogram);
  ASSERT_EQ(m.exp_histogram_points.size(), 1u);
  EXPECT_EQ(m.exp_histogram_points[0].scale, 20);
  EXPECT_EQ(m.exp_histogram_points[0].count, 1u);
}

TEST_F(SpanMetricsTest, RefusedFlushIsCountedAndCumulativeResendsTotals) {
  auto c = Make();
  sink_.answer = Unavailable("store full");
  ASSERT_TRUE(Send(*c, {{"a", "op"}}).ok());
  c->Flush();
  sink_.answer = Status::Ok();
  c->Flush();
  ASSERT_EQ(sink_.got.size(), 2u);
  EXPECT_EQ(Calls(sink_.got[1]).begin()->second->as_int, 1);
}

TEST(SpanMetricsConfigTest, DefaultsAndValidationErrorsNameTheKey) {
  SpanMetricsConfig d = Parse("{}");
  EXPECT_EQ(d.namespace_, "traces.span.metrics");
  EXPECT_EQ(d.metrics_flush_interval, std::chrono::seconds(60));
  EXPECT_FALSE(d.delta());
  EXPECT_EQ(d.exemplars.max_per_data_point, 5);
  EXPECT_EQ(d.Bounds().size(), 16u);
  EXPECT_EQ(d.Bounds().front(), 2.0);
  EXPECT_EQ(d.Bounds().back(), 15000.0);
  std::string e;
  Parse("dimensions: [{name: span.kind}]", &e);
  EXPECT_NE(e.find("dimensions: duplicate dimension name span.kind"), std::string::npos) << e;
  Parse("histogram: {explicit: {buckets: [1ms]}, exponential: {}}", &e);
  EXPECT_NE(e.find("use either `explicit` or `exponential` buckets histogram"), std::string::npos)
      << e;
  Parse("aggregation_temporality: DELTA", &e);
  EXPECT_NE(e.find("aggregation_temporality: must be"), std::string::npos) << e;
  Parse("events: {enabled: true}", &e);
  EXPECT_NE(e.find("no dimensions configured for events"), std::string::npos) << e;
  Parse("calls_dimensions: []", &e);
  EXPECT_NE(e.find("\"calls_dimensions\" is not supported yet"), std::string::npos) << e;
}

}  // namespace
}  // namespace otter
