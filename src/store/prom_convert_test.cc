#include "store/prom_convert.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

namespace otter::store {
namespace {

using pdata::AnyValue;
using pdata::Attributes;
using pdata::KeyValue;

constexpr uint64_t kStaleBits = 0x7ff0000000000002ull;
constexpr uint64_t kSec = 1'000'000'000ull;

Labels L(std::vector<std::pair<std::string, std::string>> pairs) {
  Labels l;
  for (auto& [n, v] : pairs) l.push_back(Label{n, v});
  SortLabels(l);
  return l;
}

KeyValue S(std::string_view k, std::string_view v) { return KeyValue{k, AnyValue::String(v)}; }

pdata::NumberDataPoint Num(uint64_t t_ns, double v, Attributes attrs = {}) {
  pdata::NumberDataPoint p;
  p.time_unix_nano = t_ns;
  p.value_type = pdata::NumberDataPoint::ValueType::kDouble;
  p.as_double = v;
  p.attributes = std::move(attrs);
  return p;
}

pdata::Metric Gauge(std::string_view name, std::string_view unit,
                    std::vector<pdata::NumberDataPoint> points) {
  pdata::Metric m;
  m.name = name;
  m.unit = unit;
  m.type = pdata::MetricType::kGauge;
  m.number_points = std::move(points);
  return m;
}

pdata::Metric Sum(std::string_view name, std::string_view unit, bool monotonic,
                  pdata::AggregationTemporality temporality,
                  std::vector<pdata::NumberDataPoint> points) {
  pdata::Metric m = Gauge(name, unit, std::move(points));
  m.type = pdata::MetricType::kSum;
  m.is_monotonic = monotonic;
  m.temporality = temporality;
  return m;
}

pdata::ResourceMetrics Resource(Attributes attrs, std::vector<pdata::Metric> metrics,
                                std::string_view scope_name = "",
                                std::string_view scope_version = "") {
  pdata::ResourceMetrics rm;
  rm.resource.attributes = std::move(attrs);
  pdata::ScopeMetrics sm;
  sm.scope.name = scope_name;
  sm.scope.version = scope_version;
  sm.metrics = std::move(metrics);
  rm.scope_metrics.push_back(std::move(sm));
  return rm;
}

ConvertedMetrics Convert(std::vector<pdata::ResourceMetrics> resources,
                         ConvertOptions options = {}) {
  pdata::MetricBatch batch;
  for (auto& r : resources) batch.resources().push_back(std::move(r));
  ConvertedMetrics out;
  ConvertMetrics(batch, options, &out);
  return out;
}

const ConvertedSeries* Find(const ConvertedMetrics& out, const Labels& labels) {
  for (const auto& s : out.series)
    if (s.labels == labels) return &s;
  return nullptr;
}

std::vector<std::string> AllLabelSets(const ConvertedMetrics& out) {
  std::vector<std::string> v;
  for (const auto& s : out.series) v.push_back(LabelsToString(s.labels));
  return v;
}

TEST(PromConvertTest, GaugeWithJobInstanceScopeAndTargetInfo) {
  auto out = Convert(
      {Resource({S("service.name", "api"), S("service.namespace", "shop"),
                 S("service.instance.id", "i-1"), S("host.name", "h1")},
                {Gauge("memory.usage", "By", {Num(1'500'999'999, 42.5, {S("state", "used")})})},
                "io.otter.mem", "1.2.0")});
  ASSERT_EQ(out.series.size(), 2u) << testing::PrintToString(AllLabelSets(out));
  const ConvertedSeries* s = Find(out, L({{"__name__", "memory_usage_bytes"},
                                          {"job", "shop/api"},
                                          {"instance", "i-1"},
                                          {"state", "used"},
                                          {"otel_scope_name", "io.otter.mem"},
                                          {"otel_scope_version", "1.2.0"}}));
  ASSERT_NE(s, nullptr) << testing::PrintToString(AllLabelSets(out));
  EXPECT_EQ(s->samples, (std::vector<Sample>{{1500, 42.5}}));
  EXPECT_TRUE(s->exemplars.empty());

  const ConvertedSeries* ti = Find(out, L({{"__name__", "target_info"},
                                           {"job", "shop/api"},
                                           {"instance", "i-1"},
                                           {"host_name", "h1"}}));
  ASSERT_NE(ti, nullptr) << testing::PrintToString(AllLabelSets(out));
  EXPECT_EQ(ti->samples, (std::vector<Sample>{{1500, 1}}));

  ASSERT_EQ(out.metadata.size(), 2u);
  EXPECT_EQ(out.metadata[0].name, "memory_usage_bytes");
  EXPECT_EQ(out.metadata[0].metadata, (MetricMetadata{"gauge", "", "bytes"}));
  EXPECT_EQ(out.metadata[1].name, "target_info");
  EXPECT_EQ(out.metadata[1].metadata.type, "gauge");
  EXPECT_EQ(out.dropped_points, 0u);
  EXPECT_TRUE(out.drop_reasons.empty());
}

TEST(PromConvertTest, JobWithoutNamespaceAndNoTargetInfoForIdentifyingOnly) {
  auto out = Convert({Resource({S("service.name", "api")}, {Gauge("up", "", {Num(kSec, 1)})})});
  ASSERT_EQ(out.series.size(), 1u) << testing::PrintToString(AllLabelSets(out));
  EXPECT_EQ(out.series[0].labels, L({{"__name__", "up"}, {"job", "api"}}));
}

TEST(PromConvertTest, NoTargetInfoWithoutJobOrInstanceOrWhenDisabled) {
  auto out = Convert({Resource({S("host.name", "h1")}, {Gauge("up", "", {Num(kSec, 1)})})});
  EXPECT_EQ(AllLabelSets(out), (std::vector<std::string>{"{__name__=\"up\"}"}));

  ConvertOptions no_ti;
  no_ti.target_info = false;
  out = Convert(
      {Resource({S("service.name", "a"), S("host.name", "h1")}, {Gauge("up", "", {Num(kSec, 1)})})},
      no_ti);
  EXPECT_EQ(AllLabelSets(out), (std::vector<std::string>{"{__name__=\"up\", job=\"a\"}"}));
}

TEST(PromConvertTest, TargetInfoCoversTheResourceTimeRange) {
  auto out = Convert({Resource({S("service.name", "a"), S("host.name", "h1")},
                               {Gauge("up", "", {Num(0, 1), Num(400 * kSec, 1)})})});
  const ConvertedSeries* ti =
      Find(out, L({{"__name__", "target_info"}, {"job", "a"}, {"host_name", "h1"}}));
  ASSERT_NE(ti, nullptr);
  EXPECT_EQ(ti->samples, (std::vector<Sample>{{0, 1}, {150'000, 1}, {300'000, 1}, {400'000, 1}}));
}

TEST(PromConvertTest, ScopeLabelsOptionalAndOnlyForNamedScopes) {
  ConvertOptions no_scope;
  no_scope.add_scope_labels = false;
  auto out = Convert({Resource({}, {Gauge("g", "", {Num(kSec, 1)})}, "lib", "1.0")}, no_scope);
  EXPECT_EQ(AllLabelSets(out), (std::vector<std::string>{"{__name__=\"g\"}"}));
  out = Convert({Resource({}, {Gauge("g", "", {Num(kSec, 1)})}, "", "1.0")});
  EXPECT_EQ(AllLabelSets(out), (std::vector<std::string>{"{__name__=\"g\"}"}));
  out = Convert({Resource({}, {Gauge("g", "", {Num(kSec, 1)})}, "lib", "")});
  EXPECT_EQ(AllLabelSets(out),
            (std::vector<std::string>{"{__name__=\"g\", otel_scope_name=\"lib\"}"}));
}

TEST(PromConvertTest, MonotonicCumulativeSumIsCounterWithExemplar) {
  auto p = Num(2 * kSec, 7, {S("method", "GET")});
  pdata::Exemplar e;
  e.time_unix_nano = 1'900'000'000;
  e.is_int = true;
  e.as_int = 3;
  ASSERT_TRUE(pdata::ParseHexId("0102030405060708090a0b0c0d0e0f10", &e.trace_id));
  ASSERT_TRUE(pdata::ParseHexId("a1a2a3a4a5a6a7a8", &e.span_id));
  e.filtered_attributes = {S("user.id", "u1")};
  p.exemplars.push_back(e);
  pdata::Metric m =
      Sum("http.requests", "{requests}", true, pdata::AggregationTemporality::kCumulative, {p});
  m.description = "Requests served.";
  auto out = Convert({Resource({}, {m})});
  ASSERT_EQ(out.series.size(), 1u);
  EXPECT_EQ(out.series[0].labels, L({{"__name__", "http_requests_total"}, {"method", "GET"}}));
  EXPECT_EQ(out.series[0].samples, (std::vector<Sample>{{2000, 7}}));
  ASSERT_EQ(out.series[0].exemplars.size(), 1u);
  const ExemplarData& x = out.series[0].exemplars[0];
  EXPECT_EQ(x.labels, L({{"trace_id", "0102030405060708090a0b0c0d0e0f10"},
                         {"span_id", "a1a2a3a4a5a6a7a8"},
                         {"user_id", "u1"}}));
  EXPECT_EQ(x.value, 3);
  EXPECT_EQ(x.t_ms, 1900);
  ASSERT_EQ(out.metadata.size(), 1u);
  EXPECT_EQ(out.metadata[0].name, "http_requests_total");
  EXPECT_EQ(out.metadata[0].metadata, (MetricMetadata{"counter", "Requests served.", ""}));
}

TEST(PromConvertTest, ExemplarAttributesLeftOutPastRuneLimit) {
  auto p = Num(kSec, 1);
  pdata::Exemplar e;
  e.as_double = 0.5;
  ASSERT_TRUE(pdata::ParseHexId("0102030405060708090a0b0c0d0e0f10", &e.trace_id));
  std::string long_value(100, 'x');
  e.filtered_attributes = {S("note", long_value)};
  p.exemplars.push_back(e);
  auto out = Convert(
      {Resource({}, {Sum("c", "", true, pdata::AggregationTemporality::kCumulative, {p})})});
  ASSERT_EQ(out.series.size(), 1u);
  ASSERT_EQ(out.series[0].exemplars.size(), 1u);
  EXPECT_EQ(out.series[0].exemplars[0].labels,
            L({{"trace_id", "0102030405060708090a0b0c0d0e0f10"}}));
}

TEST(PromConvertTest, NonMonotonicSumIsGaugeAndGaugeExemplarsDropped) {
  auto gp = Num(kSec, 5);
  gp.exemplars.push_back(pdata::Exemplar{});
  auto out = Convert({Resource({}, {Sum("queue.size", "1", false,
                                        pdata::AggregationTemporality::kCumulative, {Num(kSec, 3)}),
                                    Gauge("cpu.utilization", "1", {gp})})});
  ASSERT_EQ(out.series.size(), 2u);
  EXPECT_EQ(out.series[0].labels, L({{"__name__", "queue_size"}}));
  EXPECT_EQ(out.series[1].labels, L({{"__name__", "cpu_utilization_ratio"}}));
  EXPECT_TRUE(out.series[1].exemplars.empty());
  ASSERT_EQ(out.metadata.size(), 2u);
  EXPECT_EQ(out.metadata[0].metadata.type, "gauge");
  EXPECT_EQ(out.metadata[1].metadata.type, "gauge");
}

pdata::Metric Histogram(
    std::vector<pdata::HistogramDataPoint> points,
    pdata::AggregationTemporality temporality = pdata::AggregationTemporality::kCumulative) {
  pdata::Metric m;
  m.name = "http.server.request.duration";
  m.unit = "s";
  m.description = "Duration.";
  m.type = pdata::MetricType::kHistogram;
  m.temporality = temporality;
  m.histogram_points = std::move(points);
  return m;
}

pdata::Exemplar Ex(double v, uint64_t t_ns) {
  pdata::Exemplar e;
  e.as_double = v;
  e.time_unix_nano = t_ns;
  return e;
}

TEST(PromConvertTest, HistogramBucketsAreCumulativeWithInfSumCountAndExemplars) {
  pdata::HistogramDataPoint p;
  p.time_unix_nano = 10 * kSec;
  p.attributes = {S("route", "/a")};
  p.explicit_bounds = {0.005, 0.5, 1000000};
  p.bucket_counts = {1, 2, 3, 4};
  p.count = 10;
  p.sum = 12.5;
  p.exemplars = {Ex(0.3, 9 * kSec), Ex(0.5, 9 * kSec + 1), Ex(2e6, 8 * kSec), Ex(-1, 7 * kSec)};
  auto out = Convert({Resource({}, {Histogram({p})})});
  const std::string base = "http_server_request_duration_seconds";
  auto bucket = [&](const char* le) {
    return Find(out, L({{"__name__", base + "_bucket"}, {"route", "/a"}, {"le", le}}));
  };
  ASSERT_EQ(out.series.size(), 6u) << testing::PrintToString(AllLabelSets(out));
  ASSERT_NE(bucket("0.005"), nullptr) << testing::PrintToString(AllLabelSets(out));
  ASSERT_NE(bucket("0.5"), nullptr);
  ASSERT_NE(bucket("1000000"), nullptr);
  ASSERT_NE(bucket("+Inf"), nullptr);
  EXPECT_EQ(bucket("0.005")->samples, (std::vector<Sample>{{10000, 1}}));
  EXPECT_EQ(bucket("0.5")->samples, (std::vector<Sample>{{10000, 3}}));
  EXPECT_EQ(bucket("1000000")->samples, (std::vector<Sample>{{10000, 6}}));
  EXPECT_EQ(bucket("+Inf")->samples, (std::vector<Sample>{{10000, 10}}));
  const ConvertedSeries* sum = Find(out, L({{"__name__", base + "_sum"}, {"route", "/a"}}));
  const ConvertedSeries* count = Find(out, L({{"__name__", base + "_count"}, {"route", "/a"}}));
  ASSERT_NE(sum, nullptr);
  ASSERT_NE(count, nullptr);
  EXPECT_EQ(sum->samples, (std::vector<Sample>{{10000, 12.5}}));
  EXPECT_EQ(count->samples, (std::vector<Sample>{{10000, 10}}));

  // -1 and 0.3 → smallest bound ≥ value; 0.5 ≤ 0.5; 2e6 → +Inf. Exemplars sorted by time.
  ASSERT_EQ(bucket("0.005")->exemplars.size(), 1u);
  EXPECT_EQ(bucket("0.005")->exemplars[0].value, -1);
  EXPECT_EQ(bucket("0.005")->exemplars[0].t_ms, 7000);
  ASSERT_EQ(bucket("0.5")->exemplars.size(), 2u);
  EXPECT_EQ(bucket("0.5")->exemplars[0].value, 0.3);
  EXPECT_EQ(bucket("0.5")->exemplars[1].value, 0.5);
  EXPECT_TRUE(bucket("1000000")->exemplars.empty());
  ASSERT_EQ(bucket("+Inf")->exemplars.size(), 1u);
  EXPECT_EQ(bucket("+Inf")->exemplars[0].value, 2e6);
  EXPECT_TRUE(bucket("+Inf")->exemplars[0].labels.empty());
  EXPECT_TRUE(sum->exemplars.empty());

  ASSERT_EQ(out.metadata.size(), 1u);
  EXPECT_EQ(out.metadata[0].name, base);
  EXPECT_EQ(out.metadata[0].metadata, (MetricMetadata{"histogram", "Duration.", "seconds"}));
}

TEST(PromConvertTest, HistogramWithoutSumOrBuckets) {
  pdata::HistogramDataPoint p;
  p.time_unix_nano = kSec;
  p.count = 4;
  auto out = Convert({Resource({}, {Histogram({p})})});
  const std::string base = "http_server_request_duration_seconds";
  ASSERT_EQ(out.series.size(), 2u) << testing::PrintToString(AllLabelSets(out));
  ASSERT_NE(Find(out, L({{"__name__", base + "_bucket"}, {"le", "+Inf"}})), nullptr);
  ASSERT_NE(Find(out, L({{"__name__", base + "_count"}})), nullptr);
}

TEST(PromConvertTest, Summary) {
  pdata::SummaryDataPoint p;
  p.time_unix_nano = 3 * kSec;
  p.count = 100;
  p.sum = 55.5;
  p.quantile_values = {{0.5, 0.2}, {0.99, 1.7}, {1, 3}};
  pdata::Metric m;
  m.name = "rpc.latency";
  m.unit = "ms";
  m.type = pdata::MetricType::kSummary;
  m.summary_points = {p};
  auto out = Convert({Resource({}, {m})});
  ASSERT_EQ(out.series.size(), 5u);
  auto q = [&](const char* quantile) {
    return Find(out, L({{"__name__", "rpc_latency_milliseconds"}, {"quantile", quantile}}));
  };
  ASSERT_NE(q("0.5"), nullptr) << testing::PrintToString(AllLabelSets(out));
  ASSERT_NE(q("0.99"), nullptr);
  ASSERT_NE(q("1"), nullptr);
  EXPECT_EQ(q("0.99")->samples, (std::vector<Sample>{{3000, 1.7}}));
  EXPECT_EQ(Find(out, L({{"__name__", "rpc_latency_milliseconds_sum"}}))->samples,
            (std::vector<Sample>{{3000, 55.5}}));
  EXPECT_EQ(Find(out, L({{"__name__", "rpc_latency_milliseconds_count"}}))->samples,
            (std::vector<Sample>{{3000, 100}}));
  ASSERT_EQ(out.metadata.size(), 1u);
  EXPECT_EQ(out.metadata[0].metadata, (MetricMetadata{"summary", "", "milliseconds"}));
}

TEST(PromConvertTest, UnspecifiedTemporalityAndUnconvertibleScalesAreDroppedAndCounted) {
  pdata::Metric exp;
  exp.name = "exp";
  exp.type = pdata::MetricType::kExponentialHistogram;
  exp.temporality = pdata::AggregationTemporality::kCumulative;
  exp.exp_histogram_points.resize(3);
  exp.exp_histogram_points[1].scale = -5;
  auto out = Convert({Resource(
      {S("service.name", "a")},
      {Sum("nodelta", "", false, pdata::AggregationTemporality::kUnspecified, {Num(1, 1)}), exp,
       Gauge("kept", "", {Num(kSec, 1)})})});
  EXPECT_EQ(out.dropped_points, 1u + 1u);
  EXPECT_EQ(out.drop_reasons,
            (std::vector<std::string>{
                "metric \"nodelta\": aggregation temporality is unspecified",
                "metric \"exp\": cannot convert exponential to native histogram. Scale must be "
                ">= -4, was -5"}));
  EXPECT_EQ(AllLabelSets(out), (std::vector<std::string>{"{__name__=\"exp\", job=\"a\"}",
                                                         "{__name__=\"kept\", job=\"a\"}"}));
}

TEST(PromConvertTest, ExponentialHistogramIsANativeHistogramSeriesOfTheFamilyName) {
  pdata::ExponentialHistogramDataPoint p;
  p.time_unix_nano = 5 * kSec;
  p.attributes = {S("route", "/a")};
  p.scale = 1;
  p.count = 6;
  p.sum = 12;
  p.zero_count = 1;
  p.positive.offset = -1;
  p.positive.bucket_counts = {2, 3};
  p.exemplars = {Ex(1.2, 4 * kSec)};
  pdata::Metric m;
  m.name = "rpc.duration";
  m.unit = "s";
  m.type = pdata::MetricType::kExponentialHistogram;
  m.temporality = pdata::AggregationTemporality::kCumulative;
  m.exp_histogram_points = {p};
  auto out = Convert({Resource({}, {m})});
  ASSERT_EQ(out.series.size(), 1u);
  const ConvertedSeries& s = out.series[0];
  EXPECT_EQ(s.labels, L({{"__name__", "rpc_duration_seconds"}, {"route", "/a"}}));
  EXPECT_TRUE(s.samples.empty());
  ASSERT_EQ(s.histograms.size(), 1u);
  EXPECT_EQ(s.histograms[0].t_ms, 5000);
  NativeHistogram want;
  want.schema = 1;
  want.zero_threshold = 1e-128;
  want.zero_count = 1;
  want.count = 6;
  want.sum = 12;
  want.positive_spans = {{0, 2}};
  want.positive_buckets = {2, 3};
  EXPECT_EQ(s.histograms[0].h, want);
  ASSERT_EQ(s.exemplars.size(), 1u);
  EXPECT_EQ(s.exemplars[0].value, 1.2);
  ASSERT_EQ(out.metadata.size(), 1u);
  EXPECT_EQ(out.metadata[0].metadata, (MetricMetadata{"histogram", "", "seconds"}));
}

TEST(PromConvertTest, DeltaPointsCarryTheirValuesAsDeltasForTheAccumulator) {
  pdata::NumberDataPoint a = Num(2 * kSec, 5, {S("k", "v")});
  a.start_time_unix_nano = kSec;
  pdata::NumberDataPoint stale = Num(3 * kSec, 0, {S("k", "v")});
  stale.flags = pdata::kNoRecordedValueFlag;
  pdata::HistogramDataPoint hp;
  hp.start_time_unix_nano = kSec;
  hp.time_unix_nano = 4 * kSec;
  hp.explicit_bounds = {1};
  hp.bucket_counts = {2, 3};
  hp.count = 5;
  hp.sum = 7;
  auto out = Convert(
      {Resource({}, {Sum("reqs", "", true, pdata::AggregationTemporality::kDelta, {a, stale}),
                     Histogram({hp}, pdata::AggregationTemporality::kDelta)})});
  EXPECT_EQ(out.dropped_points, 0u);
  ASSERT_EQ(out.delta_points.size(), 2u);  // the stale marker is no delta point
  EXPECT_EQ(out.delta_points[0].stream, L({{"__name__", "reqs_total"}, {"k", "v"}}));
  EXPECT_EQ(out.delta_points[0].start_ns, kSec);
  EXPECT_EQ(out.delta_points[0].t_ns, 2 * kSec);
  EXPECT_EQ(out.delta_points[0].components, 1u);
  EXPECT_EQ(out.delta_points[0].layout, 0u);
  const std::string base = "http_server_request_duration_seconds";
  EXPECT_EQ(out.delta_points[1].stream, L({{"__name__", base}}));
  EXPECT_EQ(out.delta_points[1].components, 4u);  // le=1, le=+Inf, count, sum
  EXPECT_NE(out.delta_points[1].layout, 0u);
  const ConvertedSeries* sum = Find(out, L({{"__name__", "reqs_total"}, {"k", "v"}}));
  ASSERT_NE(sum, nullptr);
  ASSERT_EQ(sum->samples.size(), 1u);  // only the stale marker is a sample already
  EXPECT_EQ(std::bit_cast<uint64_t>(sum->samples[0].v), kStaleBits);
  ASSERT_EQ(sum->deltas.size(), 1u);
  EXPECT_EQ(sum->deltas[0].point, 0u);
  EXPECT_EQ(sum->deltas[0].v, 5);
  const ConvertedSeries* le1 = Find(out, L({{"__name__", base + "_bucket"}, {"le", "1"}}));
  const ConvertedSeries* inf = Find(out, L({{"__name__", base + "_bucket"}, {"le", "+Inf"}}));
  const ConvertedSeries* hsum = Find(out, L({{"__name__", base + "_sum"}}));
  ASSERT_TRUE(le1 && inf && hsum);
  EXPECT_TRUE(le1->samples.empty());
  ASSERT_EQ(le1->deltas.size(), 1u);
  EXPECT_EQ(le1->deltas[0].component, 0u);
  EXPECT_EQ(le1->deltas[0].v, 2);
  EXPECT_EQ(inf->deltas[0].component, 1u);
  EXPECT_EQ(inf->deltas[0].v, 5);
  EXPECT_EQ(hsum->deltas[0].component, 3u);
  EXPECT_EQ(hsum->deltas[0].v, 7);
  ASSERT_EQ(out.metadata.size(), 2u);
  EXPECT_EQ(out.metadata[0].metadata.type, "counter");
}

TEST(PromConvertTest, InvalidMetricNameIsDropped) {
  auto out = Convert({Resource({}, {Gauge("...", "", {Num(kSec, 1)})})});
  EXPECT_TRUE(out.series.empty());
  EXPECT_EQ(out.dropped_points, 1u);
  EXPECT_EQ(out.drop_reasons,
            (std::vector<std::string>{"metric \"...\": name does not translate to a valid "
                                      "Prometheus metric name"}));
}

TEST(PromConvertTest, NoRecordedValueBecomesStaleNaN) {
  auto gp = Num(kSec, 5);
  gp.flags = pdata::kNoRecordedValueFlag;
  pdata::HistogramDataPoint hp;
  hp.time_unix_nano = kSec;
  hp.flags = pdata::kNoRecordedValueFlag;
  hp.explicit_bounds = {1};
  hp.bucket_counts = {1, 1};
  hp.count = 2;
  hp.sum = 3;
  auto out = Convert({Resource({}, {Gauge("g", "", {gp}), Histogram({hp})})});
  ASSERT_EQ(out.series.size(), 5u);
  for (const auto& s : out.series) {
    ASSERT_EQ(s.samples.size(), 1u);
    EXPECT_EQ(std::bit_cast<uint64_t>(s.samples[0].v), kStaleBits) << LabelsToString(s.labels);
    EXPECT_EQ(s.samples[0].t_ms, 1000);
  }
}

TEST(PromConvertTest, CollidingAttributeNamesJoinInKeyOrder) {
  // "a.b" < "a_b" as keys, so "a.b"'s value comes first whatever the input order.
  auto out = Convert({Resource(
      {},
      {Gauge("g", "",
             {Num(kSec, 1,
                  {S("a_b", "second"), S("a.b", "first"), KeyValue{"n", AnyValue::Int(7)}})})})});
  ASSERT_EQ(out.series.size(), 1u);
  EXPECT_EQ(out.series[0].labels, L({{"__name__", "g"}, {"a_b", "first;second"}, {"n", "7"}}));
}

TEST(PromConvertTest, ReservedLabelsWinOverAttributes) {
  pdata::HistogramDataPoint hp;
  hp.time_unix_nano = kSec;
  hp.attributes = {S("le", "attr"), S("__name__", "attr"), S("job", "attr")};
  hp.explicit_bounds = {1};
  hp.bucket_counts = {0, 1};
  hp.count = 1;
  auto out = Convert({Resource({S("service.name", "svc")}, {Histogram({hp})})});
  const std::string base = "http_server_request_duration_seconds";
  EXPECT_NE(Find(out, L({{"__name__", base + "_bucket"}, {"le", "1"}, {"job", "svc"}})), nullptr)
      << testing::PrintToString(AllLabelSets(out));
  // On _count there is no `le` from the conversion, so the attribute stays.
  EXPECT_NE(Find(out, L({{"__name__", base + "_count"}, {"le", "attr"}, {"job", "svc"}})), nullptr)
      << testing::PrintToString(AllLabelSets(out));

  // Without service.name the resource sets no job, so a `job` attribute stays.
  out = Convert({Resource({}, {Gauge("g", "", {Num(kSec, 1, {S("job", "mine")})})})});
  EXPECT_EQ(AllLabelSets(out), (std::vector<std::string>{"{__name__=\"g\", job=\"mine\"}"}));
}

TEST(PromConvertTest, PointsOfOneLabelSetShareASeriesSortedByTime) {
  auto out = Convert(
      {Resource({}, {Gauge("g", "",
                           {Num(3 * kSec, 3, {S("k", "v")}), Num(1 * kSec, 1, {S("k", "v")}),
                            Num(2 * kSec, 2, {S("k", "w")})}),
                     Gauge("g", "", {Num(2 * kSec, 2, {S("k", "v")})})})});
  ASSERT_EQ(out.series.size(), 2u);
  EXPECT_EQ(out.series[0].labels, L({{"__name__", "g"}, {"k", "v"}}));
  EXPECT_EQ(out.series[0].samples, (std::vector<Sample>{{1000, 1}, {2000, 2}, {3000, 3}}));
  EXPECT_EQ(out.series[1].samples, (std::vector<Sample>{{2000, 2}}));
  EXPECT_EQ(out.metadata.size(), 1u);  // deduplicated

  // A second batch appended to the same result joins the existing series.
  pdata::MetricBatch batch;
  batch.resources().push_back(Resource({}, {Gauge("g", "", {Num(4 * kSec, 4, {S("k", "v")})})}));
  ConvertMetrics(batch, {}, &out);
  ASSERT_EQ(out.series.size(), 2u);
  EXPECT_EQ(out.series[0].samples.back(), (Sample{4000, 4}));
  EXPECT_EQ(out.metadata.size(), 1u);
}

TEST(PromConvertTest, IntValuesAndEmptyAttributeValues) {
  pdata::NumberDataPoint p;
  p.time_unix_nano = kSec;
  p.value_type = pdata::NumberDataPoint::ValueType::kInt;
  p.as_int = -12;
  p.attributes = {S("empty", ""), S("x", "1")};
  auto out = Convert({Resource({}, {Gauge("g", "", {p})})});
  ASSERT_EQ(out.series.size(), 1u);
  EXPECT_EQ(out.series[0].labels, L({{"__name__", "g"}, {"x", "1"}}));
  EXPECT_EQ(out.series[0].samples, (std::vector<Sample>{{1000, -12}}));
}

}  // namespace
}  // namespace otter::store
