#include "exporters/prometheus/exposition.h"

#include <gtest/gtest.h>

namespace otter::prometheus_exporter {
namespace {

using pdata::AnyValue;
using pdata::MetricType;

constexpr uint64_t kT = 1'700'000'000'000'000'000ull;  // ns

struct Builder {
  pdata::MetricBatch batch;
  pdata::ScopeMetrics* scope;
  Builder() {
    auto& rm = batch.resources().emplace_back();
    rm.resource.attributes = {{"service.name", AnyValue::String("shop")},
                              {"service.namespace", AnyValue::String("prod")},
                              {"service.instance.id", AnyValue::String("i-1")},
                              {"host.name", AnyValue::String("h1")}};
    scope = &rm.scope_metrics.emplace_back();
    scope->scope.name = "checkout";
    scope->scope.version = "1.2";
  }
  pdata::Metric& Add(std::string_view name, MetricType type, std::string_view unit = "") {
    auto& m = scope->metrics.emplace_back();
    m.name = name;
    m.type = type;
    m.unit = unit;
    m.description = "help";
    return m;
  }
};

pdata::NumberDataPoint Point(double v, uint64_t start, uint64_t t, pdata::Attributes a = {}) {
  pdata::NumberDataPoint p;
  p.attributes = std::move(a);
  p.value_type = pdata::NumberDataPoint::ValueType::kDouble;
  p.as_double = v;
  p.start_time_unix_nano = start;
  p.time_unix_nano = t;
  return p;
}

struct FakeTime {
  Exposition::TimePoint now{};
  Exposition::Clock clock() {
    return [this] { return now; };
  }
};

TEST(PrometheusExpositionTest, CounterGaugeAndTargetInfoInClassicText) {
  PrometheusExporterConfig cfg;
  cfg.const_labels = {{"region", "eu"}};
  FakeTime ft;
  Exposition e(cfg, ft.clock());
  Builder b;
  auto& c = b.Add("http.requests", MetricType::kSum, "{request}");
  c.temporality = pdata::AggregationTemporality::kCumulative;
  c.is_monotonic = true;
  c.number_points.push_back(Point(1234567, kT, kT + 1, {{"http.route", AnyValue::String("/a")}}));
  auto& g = b.Add("queue.size", MetricType::kGauge, "By");
  g.number_points.push_back(Point(0.5, 0, kT + 1));
  auto r = e.Add(b.batch);
  EXPECT_EQ(r.accepted, 2u);
  EXPECT_EQ(r.dropped, 0u);
  EXPECT_EQ(e.Render(false),
            "# HELP http_requests_total help\n"
            "# TYPE http_requests_total counter\n"
            "http_requests_total{http_route=\"/a\",instance=\"i-1\",job=\"prod/shop\","
            "otel_scope_name=\"checkout\",otel_scope_version=\"1.2\",region=\"eu\"} 1.234567e+06\n"
            "# HELP queue_size_bytes help\n"
            "# TYPE queue_size_bytes gauge\n"
            "queue_size_bytes{instance=\"i-1\",job=\"prod/shop\",otel_scope_name=\"checkout\","
            "otel_scope_version=\"1.2\",region=\"eu\"} 0.5\n"
            "# HELP target_info Target metadata\n"
            "# TYPE target_info gauge\n"
            "target_info{host_name=\"h1\",instance=\"i-1\",job=\"prod/shop\"} 1\n");
}

TEST(PrometheusExpositionTest, DeltaCountersAddUpAndStalePointsAreIgnored) {
  PrometheusExporterConfig cfg;
  cfg.without_scope_info = true;
  cfg.name_space = "otel";
  FakeTime ft;
  Exposition e(cfg, ft.clock());
  auto send = [&](double v, uint64_t start, uint64_t t) {
    Builder b;
    b.batch.resources()[0].resource.attributes.clear();
    auto& c = b.Add("jobs", MetricType::kSum);
    c.temporality = pdata::AggregationTemporality::kDelta;
    c.is_monotonic = true;
    c.number_points.push_back(Point(v, start, t));
    e.Add(b.batch);
  };
  send(2, kT, kT + 10);
  send(3, kT + 10, kT + 20);  // continues the stream
  send(7, kT, kT + 5);        // older than what is served
  EXPECT_EQ(e.Render(false),
            "# HELP otel_jobs_total help\n# TYPE otel_jobs_total counter\n"
            "otel_jobs_total 5\n");
  send(4, kT + 100, kT + 110);  // a gap: a new start
  EXPECT_EQ(e.Render(false),
            "# HELP otel_jobs_total help\n# TYPE otel_jobs_total counter\n"
            "otel_jobs_total 4\n");
}

TEST(PrometheusExpositionTest, HistogramWithExemplarsInOpenMetrics) {
  PrometheusExporterConfig cfg;
  cfg.without_scope_info = true;
  cfg.send_timestamps = true;
  FakeTime ft;
  Exposition e(cfg, ft.clock());
  Builder b;
  b.batch.resources()[0].resource.attributes.clear();
  auto& h = b.Add("rpc.duration", MetricType::kHistogram, "s");
  h.temporality = pdata::AggregationTemporality::kCumulative;
  pdata::HistogramDataPoint p;
  p.time_unix_nano = kT + 1'500'000;
  p.explicit_bounds = {0.1, 1};
  p.bucket_counts = {2, 3, 1};
  p.count = 6;
  p.sum = 4.25;
  pdata::Exemplar ex;
  ex.as_double = 0.5;
  ex.time_unix_nano = kT;
  pdata::ParseHexId("0af7651916cd43dd8448eb211c80319c", &ex.trace_id);
  pdata::ParseHexId("b7ad6b7169203331", &ex.span_id);
  p.exemplars.push_back(ex);
  h.histogram_points.push_back(p);
  e.Add(b.batch);
  EXPECT_EQ(e.Render(true),
            "# HELP rpc_duration_seconds help\n"
            "# TYPE rpc_duration_seconds histogram\n"
            "rpc_duration_seconds_bucket{le=\"0.1\"} 2 1.7000000000015e+09\n"
            "rpc_duration_seconds_bucket{le=\"1.0\"} 5 1.7000000000015e+09 # "
            "{trace_id=\"0af7651916cd43dd8448eb211c80319c\",span_id=\"b7ad6b7169203331\"} 0.5 "
            "1.7e+09\n"
            "rpc_duration_seconds_bucket{le=\"+Inf\"} 6 1.7000000000015e+09\n"
            "rpc_duration_seconds_sum 4.25 1.7000000000015e+09\n"
            "rpc_duration_seconds_count 6 1.7000000000015e+09\n"
            "# EOF\n");
  // Classic text has no exemplars and integer millisecond timestamps.
  EXPECT_NE(e.Render(false).find("rpc_duration_seconds_bucket{le=\"1\"} 5 1700000000001\n"),
            std::string::npos);
}

TEST(PrometheusExpositionTest, ExpiryTypeConflictsAndUnservableMetrics) {
  PrometheusExporterConfig cfg;
  cfg.without_scope_info = true;
  cfg.metric_expiration = std::chrono::minutes(5);
  FakeTime ft;
  Exposition e(cfg, ft.clock());
  Builder b;
  b.batch.resources()[0].resource.attributes.clear();
  b.Add("temp", MetricType::kGauge).number_points.push_back(Point(1, 0, kT));
  auto& h = b.Add("temp", MetricType::kHistogram);  // same name, another type
  h.temporality = pdata::AggregationTemporality::kCumulative;
  h.histogram_points.emplace_back().bucket_counts = {1};
  b.Add("sizes", MetricType::kExponentialHistogram).exp_histogram_points.emplace_back();
  auto& d = b.Add("level", MetricType::kSum);
  d.temporality = pdata::AggregationTemporality::kDelta;  // non-monotonic delta
  d.number_points.push_back(Point(1, 0, kT));
  auto r = e.Add(b.batch);
  EXPECT_EQ(r.accepted, 1u);
  EXPECT_EQ(r.dropped, 3u);
  EXPECT_EQ(r.drop_reason, "metric \"temp\" has another type than the series already served");
  EXPECT_EQ(e.SeriesCount(), 1u);
  ft.now += std::chrono::minutes(4);
  EXPECT_EQ(e.Render(false), "# HELP temp help\n# TYPE temp gauge\ntemp 1\n");
  ft.now += std::chrono::minutes(2);
  EXPECT_EQ(e.Render(false), "");
  EXPECT_EQ(e.SeriesCount(), 0u);
}

TEST(PrometheusExpositionTest, ResourceAttributesAsLabelsAndSummaries) {
  PrometheusExporterConfig cfg;
  cfg.without_scope_info = true;
  cfg.add_metric_suffixes = false;
  cfg.resource_constant_labels = PrometheusExporterConfig::ResourceConstantLabels{{"host.*"}, {}};
  FakeTime ft;
  Exposition e(cfg, ft.clock());
  Builder b;
  auto& m = b.Add("rpc.latency", MetricType::kSummary, "ms");
  pdata::SummaryDataPoint p;
  p.time_unix_nano = kT;
  p.count = 3;
  p.sum = 12;
  p.quantile_values = {{0.99, 9}, {0.5, 2}};
  m.summary_points.push_back(p);
  e.Add(b.batch);
  std::string text = e.Render(false);
  EXPECT_NE(text.find("# TYPE rpc_latency summary\n"
                      "rpc_latency{host_name=\"h1\",instance=\"i-1\",job=\"prod/shop\","
                      "quantile=\"0.5\"} 2\n"
                      "rpc_latency{host_name=\"h1\",instance=\"i-1\",job=\"prod/shop\","
                      "quantile=\"0.99\"} 9\n"
                      "rpc_latency_sum{host_name=\"h1\",instance=\"i-1\",job=\"prod/shop\"} 12\n"
                      "rpc_latency_count{host_name=\"h1\",instance=\"i-1\",job=\"prod/shop\"} 3\n"),
            std::string::npos)
      << text;
}

TEST(PrometheusExporterConfigTest, ErrorsNameTheKey) {
  PrometheusExporterConfig c;
  EXPECT_EQ(c.Validate().message(), "endpoint must be set (the address /metrics is served on)");
  c.endpoint = "localhost:0";
  EXPECT_TRUE(c.Validate().ok());
  c.translation_strategy = "NoTranslation";
  EXPECT_EQ(c.Validate().message(),
            "translation_strategy: \"NoTranslation\" (UTF-8 metric names) is not supported yet by "
            "otter");
  c.translation_strategy = "UnderscoreEscapingWithoutSuffixes";
  EXPECT_FALSE(c.WithSuffixes());
}

}  // namespace
}  // namespace otter::prometheus_exporter
