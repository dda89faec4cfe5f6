#include "receivers/prometheus/target_converter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <string>

#include "config/loader.h"
#include "store/prom_convert.h"

namespace otter::promscrape {
namespace {

std::string Attrs(const pdata::Attributes& a) {
  std::string s = "{";
  for (const auto& kv : a) {
    if (s.size() > 1) s += ",";
    s += std::string(kv.key) + "=" + kv.value.ToString();
  }
  return s + "}";
}

std::string Num(double v) {
  char buf[64];
  snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// A deterministic rendering of a batch: resources, scopes, metrics and points.
std::string Render(const pdata::MetricBatch& b, bool skip_synthetic = true) {
  std::string out;
  for (const auto& rm : b.resources()) {
    out += "resource " + Attrs(rm.resource.attributes) + "\n";
    for (const auto& sm : rm.scope_metrics) {
      out += " scope " + std::string(sm.scope.name) + " " + std::string(sm.scope.version) +
             Attrs(sm.scope.attributes) + "\n";
      for (const auto& m : sm.metrics) {
        if (skip_synthetic && (m.name == "up" || m.name.starts_with("scrape_"))) continue;
        static const char* kTypes[] = {"empty", "gauge", "sum", "histogram", "exphist", "summary"};
        out +=
            "  " + std::string(m.name) + " [" + std::string(m.description) +
            "] unit=" + std::string(m.unit) + " " + kTypes[static_cast<int>(m.type)] +
            (m.type == pdata::MetricType::kSum ? (m.is_monotonic ? " monotonic" : " non-monotonic")
                                               : "") +
            " " + Attrs(m.metadata) + "\n";
        for (const auto& p : m.number_points) {
          out += "   " + Attrs(p.attributes) +
                 " start=" + std::to_string(p.start_time_unix_nano / 1000000) +
                 " t=" + std::to_string(p.time_unix_nano / 1000000) + " ";
          out += p.flags ? "STALE" : Num(p.as_double);
          for (const auto& e : p.exemplars)
            out += " ex(" + Num(e.as_double) + " t=" + std::to_string(e.time_unix_nano / 1000000) +
                   " trace=" + e.trace_id.Hex() + " " + Attrs(e.filtered_attributes) + ")";
          out += "\n";
        }
        for (const auto& p : m.histogram_points) {
          out += "   " + Attrs(p.attributes) +
                 " start=" + std::to_string(p.start_time_unix_nano / 1000000) +
                 " t=" + std::to_string(p.time_unix_nano / 1000000) + (p.flags ? " STALE" : "") +
                 " count=" + std::to_string(p.count) + " sum=" + (p.sum ? Num(*p.sum) : "none") +
                 " bounds=";
          for (double d : p.explicit_bounds) out += Num(d) + ",";
          out += " counts=";
          for (uint64_t c : p.bucket_counts) out += std::to_string(c) + ",";
          out += "\n";
        }
        for (const auto& p : m.summary_points) {
          out += "   " + Attrs(p.attributes) +
                 " start=" + std::to_string(p.start_time_unix_nano / 1000000) +
                 " t=" + std::to_string(p.time_unix_nano / 1000000) + (p.flags ? " STALE" : "") +
                 " count=" + std::to_string(p.count) + " sum=" + Num(p.sum) + " q=";
          for (const auto& q : p.quantile_values) out += Num(q.quantile) + ":" + Num(q.value) + ",";
          out += "\n";
        }
      }
    }
  }
  return out;
}

TargetSpec Spec() {
  TargetSpec s;
  s.labels = LabelSet{{"job", "node"}, {"instance", "10.1.2.3:9100"}};
  s.scope_version = "1.2.3";
  return s;
}

const char* kResource =
    "resource {service.name=node,server.address=10.1.2.3,service.instance.id=10.1.2.3:9100,"
    "server.port=9100,url.scheme=http}\n"
    " scope github.com/open-telemetry/opentelemetry-collector-contrib/receiver/"
    "prometheusreceiver 1.2.3{}\n";

TEST(TargetConverterTest, TextFormatFamilies) {
  TargetConverter c(Spec());
  const std::string body =
      "# HELP req_total Requests.\n"
      "# TYPE req_total counter\n"
      "req_total{code=\"200\"} 10\n"
      "# TYPE temp gauge\n"
      "temp{job=\"exposed\"} 21.5\n"
      "# HELP lat Latency.\n"
      "# TYPE lat histogram\n"
      "lat_bucket{le=\"0.1\"} 1\n"
      "lat_bucket{le=\"1\"} 3\n"
      "lat_bucket{le=\"+Inf\"} 4\n"
      "lat_sum 2.5\n"
      "lat_count 4\n"
      "# TYPE rpc summary\n"
      "rpc{quantile=\"0.9\"} 7\n"
      "rpc{quantile=\"0.5\"} 5\n"
      "rpc_sum 30\n"
      "rpc_count 5\n"
      "mystery_total 3\n"
      "target_info{env=\"prod\"} 1\n";
  ScrapeStats st;
  auto b = c.Convert(body, "text/plain; version=0.0.4", 1000, 0.25, Status::Ok(), &st);
  EXPECT_TRUE(st.error.ok());
  EXPECT_EQ(st.samples_scraped, 13u);
  EXPECT_EQ(st.samples_post_relabel, 13u);
  EXPECT_EQ(st.series_added, 13u);
  EXPECT_EQ(Render(b),
            "resource {service.name=node,server.address=10.1.2.3,service.instance.id=10.1.2.3:9100,"
            "server.port=9100,url.scheme=http,env=prod}\n"
            " scope github.com/open-telemetry/opentelemetry-collector-contrib/receiver/"
            "prometheusreceiver 1.2.3{}\n"
            "  req_total [Requests.] unit= sum monotonic {prometheus.type=counter}\n"
            "   {code=200} start=1000 t=1000 10\n"
            "  temp [] unit= gauge {prometheus.type=gauge}\n"
            "   {exported_job=exposed} start=0 t=1000 21.5\n"
            "  lat [Latency.] unit= histogram {prometheus.type=histogram}\n"
            "   {} start=1000 t=1000 count=4 sum=2.5 bounds=0.1,1, counts=1,2,1,\n"
            "  rpc [] unit= summary {prometheus.type=summary}\n"
            "   {} start=1000 t=1000 count=5 sum=30 q=0.5:5,0.9:7,\n"
            "  mystery_total [] unit= gauge {prometheus.type=unknown}\n"
            "   {} start=0 t=1000 3\n");
  // The synthetic metrics.
  std::string all = Render(b, false);
  EXPECT_NE(all.find("  up [The scraping was successful] unit= gauge {prometheus.type=gauge}\n"
                     "   {} start=0 t=1000 1\n"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("  scrape_duration_seconds [Duration of the scrape] unit=s gauge "
                     "{prometheus.type=gauge}\n   {} start=0 t=1000 0.25\n"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("  scrape_samples_scraped [The number of samples the target exposed] unit= "
                     "gauge {prometheus.type=gauge}\n   {} start=0 t=1000 13\n"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("  scrape_series_added [The approximate number of new series in this "
                     "scrape] unit= gauge {prometheus.type=gauge}\n   {} start=0 t=1000 13\n"),
            std::string::npos)
      << all;
}

TEST(TargetConverterTest, OpenMetricsCreatedExemplarsInfoStateset) {
  TargetSpec spec = Spec();
  spec.labels = LabelSet{{"job", "app"}, {"instance", "localhost:8080"}};
  TargetConverter c(std::move(spec));
  const std::string body =
      "# TYPE foo counter\n"
      "# UNIT foo seconds\n"
      "# HELP foo Foo time.\n"
      "foo_total{a=\"1\"} 17 # "
      "{trace_id=\"0af7651916cd43dd8448eb211c80319c\",span_id=\"b7ad6b7169203331\",user=\"u\"} 0.5 "
      "1.5\n"
      "foo_created{a=\"1\"} 0.2\n"
      "# TYPE build info\n"
      "build_info{version=\"1.0\"} 1\n"
      "# TYPE st stateset\n"
      "st{st=\"a\"} 1\n"
      "st{st=\"b\"} 0\n"
      "# TYPE h histogram\n"
      "h_bucket{le=\"1\"} 1 # {trace_id=\"0000\"} 0.3\n"
      "h_bucket{le=\"+Inf\"} 2\n"
      "h_count 2\n"
      "h_created 0.5\n"
      "other_metric{otel_scope_name=\"lib\",otel_scope_version=\"v2\",otel_scope_team=\"x\"} 4\n"
      "# EOF\n";
  ScrapeStats st;
  auto b =
      c.Convert(body, "application/openmetrics-text; version=1.0.0", 2000, 0.1, Status::Ok(), &st);
  EXPECT_TRUE(st.error.ok()) << st.error.ToString();
  EXPECT_EQ(Render(b),
            "resource {service.name=app,service.instance.id=localhost:8080,server.port=8080,"
            "url.scheme=http}\n"
            " scope github.com/open-telemetry/opentelemetry-collector-contrib/receiver/"
            "prometheusreceiver 1.2.3{}\n"
            "  foo_total [Foo time.] unit=s sum monotonic {prometheus.type=counter}\n"
            "   {a=1} start=200 t=2000 17 ex(0.5 t=1500 trace=0af7651916cd43dd8448eb211c80319c "
            "{user=u})\n"
            "  build [] unit= sum non-monotonic {prometheus.type=info}\n"
            "   {version=1.0} start=2000 t=2000 1\n"
            "  st [] unit= sum non-monotonic {prometheus.type=stateset}\n"
            "   {st=a} start=2000 t=2000 1\n"
            "   {st=b} start=2000 t=2000 0\n"
            "  h [] unit= histogram {prometheus.type=histogram}\n"
            "   {} start=500 t=2000 count=2 sum=none bounds=1, counts=1,1,\n"
            " scope lib v2{team=x}\n"
            "  other_metric [] unit= gauge {prometheus.type=unknown}\n"
            "   {} start=0 t=2000 4\n");
  // The histogram exemplar with an invalid trace id keeps it as an attribute.
  const auto& h = b.resources()[0].scope_metrics[0].metrics[3];
  ASSERT_EQ(h.histogram_points[0].exemplars.size(), 1u);
  EXPECT_EQ(Attrs(h.histogram_points[0].exemplars[0].filtered_attributes), "{trace_id=0000}");
  EXPECT_EQ(h.histogram_points[0].exemplars[0].time_unix_nano, 2000u * 1000000);
}

// Label values "1000" and "10000" once hashed alike and the second bucket was taken for a
// duplicate series (found by the Prometheus acceptance test on prometheus_http_* histograms).
TEST(TargetConverterTest, BucketsWithSimilarBoundsStayApart) {
  TargetConverter c(Spec());
  ScrapeStats st;
  auto b = c.Convert(
      "# TYPE s histogram\ns_bucket{le=\"100\"} 0\ns_bucket{le=\"1000\"} 1\n"
      "s_bucket{le=\"10000\"} 2\ns_bucket{le=\"100000\"} 3\ns_bucket{le=\"1e+06\"} 4\n"
      "s_bucket{le=\"+Inf\"} 5\ns_count 5\n",
      "", 1000, 0, Status::Ok(), &st);
  EXPECT_EQ(st.dropped, 0u);
  EXPECT_EQ(Render(b), std::string(kResource) +
                           "  s [] unit= histogram {prometheus.type=histogram}\n"
                           "   {} start=1000 t=1000 count=5 sum=none bounds=100,1000,10000,100000,"
                           "1e+06, counts=0,1,1,1,1,1,\n");
}

TEST(TargetConverterTest, StartTimesCarryAndReset) {
  TargetConverter c(Spec());
  ScrapeStats st;
  const char* kType = "# TYPE c counter\n";
  c.Convert(std::string(kType) + "c 5\n", "", 1000, 0, Status::Ok(), &st);
  ScrapeStats st2;
  auto b2 = c.Convert(std::string(kType) + "c 7\n", "", 2000, 0, Status::Ok(), &st2);
  EXPECT_EQ(st2.series_added, 0u);
  EXPECT_EQ(Render(b2), std::string(kResource) +
                            "  c [] unit= sum monotonic {prometheus.type=counter}\n"
                            "   {} start=1000 t=2000 7\n");
  auto b3 = c.Convert(std::string(kType) + "c 1\n", "", 3000, 0, Status::Ok(), &st);
  EXPECT_EQ(Render(b3), std::string(kResource) +
                            "  c [] unit= sum monotonic {prometheus.type=counter}\n"
                            "   {} start=3000 t=3000 1\n");
}

TEST(TargetConverterTest, VanishedSeriesAndFailedScrapesGoStale) {
  TargetConverter c(Spec());
  ScrapeStats st;
  const std::string first =
      "# TYPE g gauge\ng{k=\"a\"} 1\ng{k=\"b\"} 2\n"
      "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\nh_sum 0.5\nh_count 1\n";
  c.Convert(first, "", 1000, 0, Status::Ok(), &st);
  ScrapeStats st2;
  auto b = c.Convert("# TYPE g gauge\ng{k=\"a\"} 3\n", "", 2000, 0, Status::Ok(), &st2);
  EXPECT_EQ(st2.stale_series, 5u);
  EXPECT_EQ(Render(b), std::string(kResource) +
                           "  g [] unit= gauge {prometheus.type=gauge}\n"
                           "   {k=a} start=0 t=2000 3\n"
                           "   {k=b} start=0 t=2000 STALE\n"
                           "  h [] unit= histogram {prometheus.type=histogram}\n"
                           "   {} start=1000 t=2000 STALE count=0 sum=nan bounds=1, counts=0,0,\n");
  // A failed scrape: up 0 and the remaining series stale.
  ScrapeStats st3;
  auto f = c.Convert("", "", 3000, 0.5, Unavailable("connection refused"), &st3);
  EXPECT_EQ(st3.error.message(), "connection refused");
  std::string all = Render(f, false);
  EXPECT_NE(all.find("  g [] unit= gauge {prometheus.type=gauge}\n   {k=a} start=0 t=3000 STALE\n"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("  up [The scraping was successful] unit= gauge {prometheus.type=gauge}\n"
                     "   {} start=0 t=3000 0\n"),
            std::string::npos)
      << all;
  // The target goes away: its synthetic metrics go stale too.
  auto gone = c.StaleAll(4000);
  std::string g = Render(gone, false);
  EXPECT_NE(g.find("  up [The scraping was successful] unit= gauge {prometheus.type=gauge}\n"
                   "   {} start=0 t=4000 STALE\n"),
            std::string::npos)
      << g;
  EXPECT_EQ(g.find("  g "), std::string::npos) << g;  // already stale after the failed scrape
}

// The store turns the NoRecordedValue points into Prometheus stale markers (StaleNaN), for the
// vanished gauge series and every series of the vanished histogram.
TEST(TargetConverterTest, StoreWritesStaleMarkers) {
  TargetConverter c(Spec());
  ScrapeStats st;
  c.Convert(
      "# TYPE g gauge\ng{k=\"a\"} 1\ng{k=\"b\"} 2\n# TYPE h histogram\n"
      "h_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\nh_sum 0.5\nh_count 1\n",
      "", 1000, 0, Status::Ok(), &st);
  ScrapeStats st2;
  auto b = c.Convert("# TYPE g gauge\ng{k=\"a\"} 3\n", "", 2000, 0, Status::Ok(), &st2);
  store::ConvertedMetrics out;
  store::ConvertMetrics(b, store::ConvertOptions{}, &out);
  std::vector<std::string> stale, live;
  for (const auto& s : out.series) {
    std::string key = std::string(store::GetLabel(s.labels, "__name__")) +
                      "{k=" + std::string(store::GetLabel(s.labels, "k")) +
                      ",le=" + std::string(store::GetLabel(s.labels, "le")) +
                      ",job=" + std::string(store::GetLabel(s.labels, "job")) + "}";
    if (key.starts_with("up{") || key.starts_with("scrape_") || key.starts_with("target_info{"))
      continue;
    ASSERT_EQ(s.samples.size(), 1u) << key;
    EXPECT_EQ(s.samples[0].t_ms, 2000) << key;
    if (std::bit_cast<uint64_t>(s.samples[0].v) == 0x7ff0000000000002ull)
      stale.push_back(key);
    else
      live.push_back(key + "=" + Num(s.samples[0].v));
  }
  std::sort(stale.begin(), stale.end());
  EXPECT_EQ(live, (std::vector<std::string>{"g{k=a,le=,job=node}=3"}));
  EXPECT_EQ(stale,
            (std::vector<std::string>{"g{k=b,le=,job=node}", "h_bucket{k=,le=+Inf,job=node}",
                                      "h_bucket{k=,le=1,job=node}", "h_count{k=,le=,job=node}",
                                      "h_sum{k=,le=,job=node}"}));
}

TEST(TargetConverterTest, ParseErrorFailsTheScrapeAndSampleLimit) {
  TargetSpec spec = Spec();
  spec.sample_limit = 2;
  TargetConverter c(std::move(spec));
  ScrapeStats st;
  auto b = c.Convert("a 1\nb 2\nc 3\n", "", 1000, 0, Status::Ok(), &st);
  EXPECT_EQ(st.error.message(), "sample limit exceeded (sample_limit 2)");
  EXPECT_EQ(Render(b), std::string(kResource));  // nothing but the synthetic metrics
  ScrapeStats st2;
  c.Convert("a 1\nb{ 2\n", "", 2000, 0, Status::Ok(), &st2);
  EXPECT_EQ(st2.error.message(), "line 2: invalid label name");
}

TEST(TargetConverterTest, HonorLabelsAndMetricRelabel) {
  TargetSpec spec = Spec();
  spec.honor_labels = true;
  auto node = config::ParseYaml(
      "- source_labels: [__name__]\n  regex: drop_.*\n  action: drop\n"
      "- source_labels: [k]\n  target_label: k2\n",
      "t.yaml");
  config::Diagnostics d;
  spec.metric_relabel = ParseRelabelRules(*node, d);
  TargetConverter c(std::move(spec));
  ScrapeStats st;
  auto b = c.Convert("g{job=\"mine\",k=\"v\"} 1\ndrop_me 2\n", "", 1000, 0, Status::Ok(), &st);
  EXPECT_EQ(st.samples_scraped, 2u);
  EXPECT_EQ(st.samples_post_relabel, 1u);
  std::string all = Render(b);
  EXPECT_NE(all.find("resource {service.name=mine,server.address=10.1.2.3,"
                     "service.instance.id=10.1.2.3:9100,server.port=9100,url.scheme=http}\n"
                     " scope github.com/open-telemetry/opentelemetry-collector-contrib/receiver/"
                     "prometheusreceiver 1.2.3{}\n"
                     "  g [] unit= gauge {prometheus.type=unknown}\n"
                     "   {k=v,k2=v} start=0 t=1000 1\n"),
            std::string::npos)
      << all;
}

}  // namespace
}  // namespace otter::promscrape
