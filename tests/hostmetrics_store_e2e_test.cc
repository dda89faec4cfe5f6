// Acceptance (issue 15, hostmetrics): the hostmetrics receiver's file system usage reaches the
// embedded store, its Prometheus API answers `system_filesystem_usage_bytes` with otelcol's
// attributes as labels, and the disk-exhaustion forecast works: predict_linear over the free
// bytes of "/" gives the value a linear fill implies. A fake host tree and fake statvfs and
// clock make the free space shrink by exactly 6 MB a minute.
#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>

#include <future>
#include <map>

#include "config/loader.h"
#include "receivers/hostmetrics/receiver.h"
#include "util/store_e2e.h"

namespace otter::testing {
namespace {

// Passes batches on to the store and waits for its answer, so each scrape is committed before
// the next.
class Committed final : public MetricConsumer {
 public:
  explicit Committed(MetricConsumer* next) : next_(next) {}
  void Consume(pdata::MetricBatch&& batch, Completion done) override {
    std::promise<Status> answered;
    next_->Consume(std::move(batch), Completion([&](Status s) { answered.set_value(s); }));
    Status s = answered.get_future().get();
    EXPECT_TRUE(s.ok()) << s.ToString();
    done(s);
  }

 private:
  MetricConsumer* next_;
};

TEST(HostMetricsStoreE2eTest, FilesystemUsageAnswersPromqlAndPredictLinearForecastsExhaustion) {
  TempDir dir;
  int query_port = FreePort();
  Registry registry;
  RegisterBuiltins(registry);
  ComponentContext ctx;
  ctx.logger =
      std::make_shared<spdlog::logger>("e2e", std::make_shared<spdlog::sinks::null_sink_mt>());
  telemetry::SelfMetrics self;
  ctx.metrics = &self;

  auto store = StartStore(registry, ctx, dir.path() + "/data", query_port);
  ASSERT_NE(store, nullptr);
  config::Diagnostics d;

  // The receiver as a config file would set it up: only the filesystem scraper.
  const Factory* hm_factory = registry.Find(ComponentKind::kReceiver, "hostmetrics");
  ASSERT_NE(hm_factory, nullptr);
  const std::string root = OTTER_SOURCE_DIR "/tests/testdata/hostmetrics/root";
  auto hm_node = config::ParseYaml(
      "root_path: " + root + "\ncollection_interval: 1m\nscrapers:\n  filesystem:\n",
      "hostmetrics.yaml");
  ASSERT_TRUE(hm_node.ok());
  auto hm_cfg = hm_factory->parse_config(*hm_node, d);
  ASSERT_TRUE(d.ok()) << d.ErrorsText();

  // Whole minutes, 20 minutes ago: inside the store's head.
  const uint64_t kSec = 1'000'000'000ull;
  uint64_t now = (NowNs() / kSec - 1200) / 60 * 60 * kSec;
  const uint64_t kTotal = 1'000'000'000, kFree0 = 500'000'000, kPerMinute = 6'000'000;
  uint64_t free = kFree0;
  hostmetrics::HostEnv env = hostmetrics::HostEnv::Real(root);
  env.now_ns = [&] { return now; };
  env.statvfs = [&](const char* path, hostmetrics::FsStat* out) {
    std::string p = path;
    if (p == root + "/") {
      *out = {kTotal, free, kTotal - free, 1000, 500};
    } else {
      *out = {2000, 1000, 1000, 10, 5};  // /data and the rest: constant
    }
    return true;
  };
  ctx.id = {"hostmetrics", ""};
  Committed committed(store->consumers().metrics);
  hostmetrics::HostMetricsReceiver receiver(
      ctx, static_cast<const HostMetricsReceiverConfig&>(*hm_cfg), &committed, env);
  ASSERT_TRUE(receiver.StartScrapers().ok());
  constexpr int kScrapes = 10;
  for (int i = 0; i < kScrapes; ++i) {
    pdata::MetricBatch batch = receiver.ScrapeOnce();
    ASSERT_GT(batch.ItemCount(), 0u);
    std::promise<Status> answered;
    committed.Consume(std::move(batch), Completion([&](Status s) { answered.set_value(s); }));
    ASSERT_TRUE(answered.get_future().get().ok());
    if (i + 1 < kScrapes) {
      now += 60 * kSec;
      free -= kPerMinute;
    }
  }
  const uint64_t eval_s = now / kSec;

  auto query = [&](const std::string& expr) {
    std::map<std::string, double> out;  // "mountpoint|state" → value
    auto r =
        HttpRequest("GET", query_port,
                    "/api/v1/query?query=" + UrlEncode(expr) + "&time=" + std::to_string(eval_s));
    EXPECT_EQ(r.status, 200) << r.body;
    CheckJson(r, [&](element root) {
      for (element series : Array(root["data"]["result"])) {
        auto state = series["metric"]["state"];
        std::string key = Text(series["metric"]["mountpoint"].value()) + "|" +
                          (state.error() ? "" : Text(state.value()));
        out[key] = std::stod(Text(Array(series["value"]).at(1).value()));
      }
    });
    return out;
  };
  std::map<std::string, double> usage;
  ASSERT_TRUE(Eventually([&] {
    usage = query("system_filesystem_usage_bytes");
    return usage["/|free"] == double(free);
  })) << "the store never showed the last scrape";
  EXPECT_EQ(usage["/|used"], double(kTotal - free));
  EXPECT_EQ(usage["/|reserved"], 0);
  EXPECT_EQ(usage["/data|used"], 1000);
  // /, /data, /boot and the zfs pool (tmpfs, proc and the "none" device are skipped), each with
  // used, free and reserved.
  EXPECT_EQ(usage.size(), 12u);
  // otelcol's attributes are the labels.
  auto r =
      HttpRequest("GET", query_port,
                  "/api/v1/query?query=" +
                      UrlEncode("system_filesystem_usage_bytes{mountpoint=\"/\",state=\"free\","
                                "device=\"/dev/vda1\",type=\"ext4\",mode=\"rw\"}") +
                      "&time=" + std::to_string(eval_s));
  EXPECT_NE(r.body.find("\"result\":[{"), std::string::npos) << r.body;

  // The forecast: 100 kB/s less free space; in an hour 360 MB less than now.
  auto in_an_hour = query(
      "predict_linear(system_filesystem_usage_bytes{mountpoint=\"/\",state=\"free\"}[10m], 3600)");
  ASSERT_EQ(in_an_hour.size(), 1u);
  EXPECT_NEAR(in_an_hour["/|free"], double(free) - 360'000'000.0, 1.0);
  // The alert: "runs out within two hours" fires, "within one hour" does not.
  EXPECT_EQ(query("predict_linear(system_filesystem_usage_bytes{mountpoint=\"/\",state=\"free\"}"
                  "[10m], 7200) < 0")
                .size(),
            1u);
  EXPECT_EQ(query("predict_linear(system_filesystem_usage_bytes{mountpoint=\"/\",state=\"free\"}"
                  "[10m], 3600) < 0")
                .size(),
            0u);
  store->Shutdown();
}

// The real binary on this host: hostmetrics every second → store; the Prometheus API answers
// the root file system's usage and a forecast of its free bytes once two scrapes are stored.
TEST(HostMetricsStoreE2eTest, OtterBinaryStoresThisHostsMetrics) {
  TempDir dir;
  Ports p;
  auto port = [](int n) { return "127.0.0.1:" + std::to_string(n); };
  OtterProcess otter(dir, "otter",
                     "receivers:\n  hostmetrics:\n    collection_interval: 1s\n"
                     "    initial_delay: 0s\n    scrapers:\n      cpu:\n      memory:\n"
                     "      filesystem:\n        exclude_mount_points:\n"
                     "          mount_points: [\"/boot.*\"]\n          match_type: regexp\n"
                     "exporters:\n  store:\n    directory: " +
                         dir.path() + "/data\n    query:\n      endpoint: " + port(p.query) +
                         "\nextensions:\n  health_check:\n    endpoint: " + port(p.health) +
                         "\nservice:\n  extensions: [health_check]\n  telemetry:\n    metrics:\n"
                         "      level: none\n  pipelines:\n    metrics:\n"
                         "      receivers: [hostmetrics]\n      exporters: [store]\n");
  ASSERT_TRUE(otter.Start(p.health)) << otter.Log();
  auto series = [&](const std::string& expr) {
    std::vector<double> values;
    auto r = HttpRequest("GET", p.query, "/api/v1/query?query=" + UrlEncode(expr));
    if (r.status != 200) return values;
    CheckJson(r, [&](element root) {
      for (element s : Array(root["data"]["result"]))
        values.push_back(std::stod(Text(Array(s["value"]).at(1).value())));
    });
    return values;
  };
  const std::string free = "system_filesystem_usage_bytes{mountpoint=\"/\",state=\"free\"}";
  std::vector<double> forecast;
  ASSERT_TRUE(Eventually(
      [&] {
        forecast = series("predict_linear(" + free + "[1m], 3600)");
        return forecast.size() == 1;
      },
      std::chrono::seconds(30)))
      << otter.Log();
  std::vector<double> now = series(free);
  ASSERT_EQ(now.size(), 1u);
  EXPECT_GT(now[0], 0);
  EXPECT_EQ(series("system_memory_usage_bytes").size(), 6u);
  EXPECT_GE(series("system_cpu_time_seconds_total{state=\"idle\"}").size(), 1u);
  EXPECT_EQ(otter.Stop(), 0) << otter.Log();
}

}  // namespace
}  // namespace otter::testing
