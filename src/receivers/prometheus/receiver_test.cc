#include "receivers/prometheus/receiver.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "config/loader.h"
#include "net/http_server.h"

namespace otter::promscrape {
namespace {

StatusOr<PrometheusReceiverConfig> ParseConfig(const std::string& yaml, std::string* errors) {
  auto node = config::ParseYaml(yaml, "r.yaml");
  if (!node.ok()) return node.status();
  PrometheusReceiverConfig c;
  config::Diagnostics d;
  PrometheusReceiverConfigTable().Parse(*node, c, d);
  *errors = d.ErrorsText();
  return c;
}

TEST(PrometheusReceiverConfigTest, GlobalDefaultsAndPerJobValues) {
  std::string errors;
  auto c = ParseConfig(R"(
config:
  scrape_configs:
    - job_name: a
      static_configs: [{targets: ["h:1"]}]
    - job_name: b
      scrape_interval: 5s
      metrics_path: /m
      params: {module: [x, y]}
      static_configs: [{targets: ["h:2"], labels: {zone: eu}}]
)",
                       &errors);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(errors, "");
  ASSERT_EQ(c->scrape_configs.size(), 2u);
  EXPECT_EQ(c->scrape_configs[0].scrape_interval, std::chrono::minutes(1));
  EXPECT_EQ(c->scrape_configs[0].scrape_timeout, std::chrono::seconds(10));
  EXPECT_EQ(c->scrape_configs[1].scrape_interval, std::chrono::seconds(5));
  EXPECT_EQ(c->scrape_configs[1].scrape_timeout, std::chrono::seconds(5));
  EXPECT_TRUE(c->Validate().ok());

  auto r = ResolveTarget(c->scrape_configs[1], LabelSet{{"__address__", "h:2"}, {"zone", "eu"}});
  ASSERT_TRUE(r.ok() && *r);
  EXPECT_EQ((*r)->url, "http://h:2/m?module=x&module=y");
  EXPECT_EQ((*r)->labels.ToString(), "{instance=\"h:2\", job=\"b\", zone=\"eu\"}");
  auto no_port = ResolveTarget(c->scrape_configs[0], LabelSet{{"__address__", "host"}});
  EXPECT_EQ((*no_port)->url, "http://host:80/metrics");
}

TEST(PrometheusReceiverConfigTest, RelabelingPicksTheTarget) {
  std::string errors;
  auto c = ParseConfig(R"(
config:
  global: {scrape_interval: 30s, scrape_timeout: 20s}
  scrape_configs:
    - job_name: blackbox
      relabel_configs:
        - source_labels: [__address__]
          target_label: __param_target
        - source_labels: [__param_target]
          target_label: instance
        - target_label: __address__
          replacement: 127.0.0.1:9115
        - source_labels: [drop]
          regex: "yes"
          action: drop
)",
                       &errors);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(errors, "");
  const auto& sc = c->scrape_configs[0];
  EXPECT_EQ(sc.scrape_timeout, std::chrono::seconds(20));
  auto r = ResolveTarget(sc, LabelSet{{"__address__", "example.com"}});
  ASSERT_TRUE(r.ok() && *r);
  EXPECT_EQ((*r)->url, "http://127.0.0.1:9115/metrics?target=example.com");
  EXPECT_EQ((*r)->labels.ToString(), "{instance=\"example.com\", job=\"blackbox\"}");
  auto dropped = ResolveTarget(sc, LabelSet{{"__address__", "x"}, {"drop", "yes"}});
  ASSERT_TRUE(dropped.ok());
  EXPECT_FALSE(*dropped);
}

TEST(PrometheusReceiverConfigTest, ErrorsNameTheProblem) {
  std::string errors;
  (void)ParseConfig(R"(
config:
  scrape_configs:
    - job_name: a
      scrape_interval: 5s
      scrape_timeout: 10s
    - job_name: a
      kubernetes_sd_configs: [{role: pod}]
    - job_name: c
      scrape_interval: 5 minutes
      basic_auth: {username: u}
      bearer_token: t
)",
                    &errors);
  EXPECT_EQ(errors,
            "r.yaml:4: scrape timeout greater than scrape interval for scrape config with job "
            "name \"a\"\n"
            "r.yaml:8: \"kubernetes_sd_configs\" is not supported yet by otter\n"
            "r.yaml:7: found multiple scrape configs with job name \"a\"\n"
            "r.yaml:10: not a valid duration string: \"5 minutes\" (e.g. 30s, 1m, 1h30m, 1d)\n"
            "r.yaml:9: at most one of basic_auth, authorization and bearer_token & "
            "bearer_token_file must be configured\n");
  config::Duration d;
  EXPECT_TRUE(ParsePromDuration("1h30m", &d) && d == std::chrono::minutes(90));
  EXPECT_TRUE(ParsePromDuration("1d", &d) && d == std::chrono::hours(24));
  EXPECT_TRUE(ParsePromDuration("250ms", &d) && d == std::chrono::milliseconds(250));
  EXPECT_FALSE(ParsePromDuration("30m1h", &d));
  EXPECT_FALSE(ParsePromDuration("", &d));
  PrometheusReceiverConfig empty;
  EXPECT_EQ(empty.Validate().message(), "config: no Prometheus scrape_configs set");
}

// Collects batches; lets a test wait for a condition on what arrived.
class Collector final : public MetricConsumer {
 public:
  void Consume(pdata::MetricBatch&& b, Completion done) override {
    {
      std::lock_guard l(mu_);
      batches_.push_back(std::move(b));
    }
    cv_.notify_all();
    done(Status::Ok());
  }
  // Waits (up to 10 s) until `pred` holds for some batch; returns a copy of its rendering.
  template <class P>
  bool WaitFor(P pred) {
    std::unique_lock l(mu_);
    return cv_.wait_for(l, std::chrono::seconds(10), [&] {
      for (const auto& b : batches_)
        if (pred(b)) return true;
      return false;
    });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<pdata::MetricBatch> batches_;
};

const pdata::Metric* FindMetric(const pdata::MetricBatch& b, std::string_view name) {
  for (const auto& rm : b.resources())
    for (const auto& sm : rm.scope_metrics)
      for (const auto& m : sm.metrics)
        if (m.name == name) return &m;
  return nullptr;
}

TEST(PrometheusReceiverTest, ScrapesStaticAndFileTargetsAndMarksRemovedOnesStale) {
  std::mutex mu;
  std::string accept, timeout_header;
  std::set<std::string> auths;
  net::HttpServerOptions o;
  o.endpoint = "127.0.0.1:0";
  net::HttpServer server(o, [&](net::HttpRequest&& req, net::HttpResponder respond) {
    {
      std::lock_guard l(mu);
      accept = std::string(req.Header("Accept"));
      timeout_header = std::string(req.Header("X-Prometheus-Scrape-Timeout-Seconds"));
      auths.insert(std::string(req.Header("Authorization")));
    }
    if (req.path() != "/metrics") return respond(net::HttpResponse::Text(404, "no\n"));
    respond(net::HttpResponse::Text(200, "# TYPE hits counter\nhits_total 42\n# EOF\n")
                .SetHeader("Content-Type", "application/openmetrics-text; version=1.0.0"));
  });
  ASSERT_TRUE(server.Start().ok());
  const std::string addr = "127.0.0.1:" + std::to_string(server.port());

  auto dir =
      std::filesystem::temp_directory_path() / ("otter-promscrape-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const std::string sd_file = (dir / "targets.json").string();
  {
    std::ofstream(sd_file) << R"([{"targets": [")" << addr << R"("], "labels": {"team": "blue"}}])";
  }
  std::string errors;
  auto cfg = ParseConfig(
      "config:\n  scrape_configs:\n"
      "    - job_name: static\n      scrape_interval: 200ms\n"
      "      basic_auth: {username: u, password: p}\n"
      "      static_configs: [{targets: ['" +
          addr +
          "']}]\n"
          "    - job_name: files\n      scrape_interval: 200ms\n"
          "      file_sd_configs: [{files: ['" +
          (dir / "*.json").string() + "']}]\n",
      &errors);
  ASSERT_TRUE(cfg.ok());
  ASSERT_EQ(errors, "");
  Collector sink;
  ComponentContext ctx;
  PrometheusReceiver r(ctx, *cfg, &sink);
  ASSERT_TRUE(r.Start().ok());

  auto scraped = [&](std::string_view job) {
    return [job](const pdata::MetricBatch& b) {
      const pdata::Metric* m = FindMetric(b, "hits_total");
      if (!m || m->number_points.empty() || m->number_points[0].as_double != 42) return false;
      const auto* svc = pdata::FindAttribute(b.resources()[0].resource.attributes, "service.name");
      return svc && svc->string_value == job;
    };
  };
  EXPECT_TRUE(sink.WaitFor(scraped("static")));
  EXPECT_TRUE(sink.WaitFor([](const pdata::MetricBatch& b) {
    const pdata::Metric* m = FindMetric(b, "hits_total");
    return m && !m->number_points.empty() &&
           pdata::FindAttribute(m->number_points[0].attributes, "team") &&
           pdata::FindAttribute(m->number_points[0].attributes, "team")->string_value == "blue";
  }));
  {
    std::lock_guard l(mu);
    EXPECT_EQ(accept,
              "application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
              "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1");
    EXPECT_EQ(auths, (std::set<std::string>{"", "Basic dTpw"}));  // files job: no auth
    EXPECT_EQ(timeout_header, "0.2");  // the timeout defaults to the 200ms interval
  }
  // The file target goes away: its series and its `up` get stale markers.
  { std::ofstream(sd_file) << "[]"; }
  EXPECT_TRUE(sink.WaitFor([](const pdata::MetricBatch& b) {
    const pdata::Metric* up = FindMetric(b, "up");
    const auto* svc =
        b.resources().empty()
            ? nullptr
            : pdata::FindAttribute(b.resources()[0].resource.attributes, "service.name");
    return up && svc && svc->string_value == "files" && !up->number_points.empty() &&
           up->number_points[0].flags == pdata::kNoRecordedValueFlag;
  }));
  r.Shutdown();
  server.Stop();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace otter::promscrape
