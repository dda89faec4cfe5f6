// The hostmetrics scrapers on the machine running the tests: the numbers must be plausible (CPU
// time grows, memory states add up to the total, the root file system and this process are
// there), and the receiver's own thread sends a batch on its first tick.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <set>

#include "receivers/hostmetrics/receiver.h"

namespace otter::hostmetrics {
namespace {

const pdata::Metric* FindMetric(const pdata::MetricBatch& b, std::string_view name,
                                const pdata::ResourceMetrics** rm_out = nullptr) {
  for (const auto& rm : b.resources())
    for (const auto& sm : rm.scope_metrics)
      for (const auto& m : sm.metrics)
        if (m.name == name) {
          if (rm_out) *rm_out = &rm;
          return &m;
        }
  return nullptr;
}

std::string Str(const pdata::Attributes& a, std::string_view key) {
  const auto* v = pdata::FindAttribute(a, key);
  return v ? std::string(v->string_value) : "";
}

HostMetricsReceiverConfig AllScrapers() {
  HostMetricsReceiverConfig cfg;
  for (auto& s : cfg.scrapers) s.emplace();
  auto& mem = *cfg.scrapers[size_t(ScraperKind::kMemory)];
  mem.metrics["system.memory.limit"] = true;
  return cfg;
}

double CpuSeconds(const pdata::MetricBatch& b) {
  const pdata::Metric* m = FindMetric(b, "system.cpu.time");
  double sum = 0;
  if (m)
    for (const auto& p : m->number_points) sum += p.as_double;
  return sum;
}

TEST(HostMetricsHostTest, PlausibleNumbersOnThisHost) {
  HostMetricsReceiverConfig cfg = AllScrapers();
  HostMetricsReceiver receiver({}, cfg, nullptr, HostEnv::Real(""));
  ASSERT_TRUE(receiver.StartScrapers().ok());
  pdata::MetricBatch first = receiver.ScrapeOnce();
  // Burn CPU for a while so the counters (10 ms ticks) move.
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(150);
  volatile uint64_t spin = 0;
  while (std::chrono::steady_clock::now() < until) spin = spin + 1;
  pdata::MetricBatch second = receiver.ScrapeOnce();
  for (ScraperKind k :
       {ScraperKind::kCpu, ScraperKind::kMemory, ScraperKind::kDisk, ScraperKind::kLoad,
        ScraperKind::kNetwork, ScraperKind::kPaging, ScraperKind::kProcesses})
    EXPECT_EQ(receiver.last_errors(k).count(), 0u)
        << ScraperName(k) << ": "
        << (receiver.last_errors(k).messages().empty() ? ""
                                                       : receiver.last_errors(k).messages()[0]);

  // CPU time grows (all states, all CPUs: at least the wall time that passed, once per CPU).
  EXPECT_GT(CpuSeconds(first), 0);
  EXPECT_GT(CpuSeconds(second), CpuSeconds(first));
  const pdata::Metric* cpu_time = FindMetric(second, "system.cpu.time");
  ASSERT_NE(cpu_time, nullptr);
  EXPECT_EQ(cpu_time->number_points.size() % 8, 0u);
  EXPECT_EQ(cpu_time->number_points.size() / 8,
            static_cast<size_t>(::sysconf(_SC_NPROCESSORS_CONF)));
  // Boot time, in the past, is the start of the system counters.
  uint64_t start = cpu_time->number_points[0].start_time_unix_nano;
  EXPECT_GT(start, 1'000'000'000ull * 1'000'000'000ull);
  EXPECT_LT(start, cpu_time->number_points[0].time_unix_nano);

  // Memory: used + free + buffered + cached = total.
  const pdata::Metric* usage = FindMetric(second, "system.memory.usage");
  const pdata::Metric* limit = FindMetric(second, "system.memory.limit");
  ASSERT_TRUE(usage && limit);
  int64_t sum = 0;
  std::set<std::string> states;
  for (const auto& p : usage->number_points) {
    std::string state = Str(p.attributes, "state");
    states.insert(state);
    if (state == "used" || state == "free" || state == "buffered" || state == "cached")
      sum += p.as_int;
  }
  EXPECT_EQ(states.size(), 6u);
  EXPECT_GT(limit->number_points.at(0).as_int, 0);
  EXPECT_EQ(sum, limit->number_points.at(0).as_int);

  // The root file system is reported, and its states add up to a size > 0.
  const pdata::Metric* fs = FindMetric(second, "system.filesystem.usage");
  ASSERT_NE(fs, nullptr);
  int64_t root_total = 0;
  for (const auto& p : fs->number_points)
    if (Str(p.attributes, "mountpoint") == "/") root_total += p.as_int;
  EXPECT_GT(root_total, 0);

  // This process is there, with its executable name and some CPU time.
  bool found = false;
  for (const auto& rm : second.resources()) {
    const auto* pid = pdata::FindAttribute(rm.resource.attributes, "process.pid");
    if (!pid || pid->int_value != ::getpid()) continue;
    found = true;
    EXPECT_EQ(Str(rm.resource.attributes, "process.executable.name"), "otter_tests");
    EXPECT_NE(Str(rm.resource.attributes, "process.command_line").find("otter_tests"),
              std::string::npos);
    for (const auto& m : rm.scope_metrics[0].metrics) {
      if (m.name == "process.memory.usage") {
        EXPECT_GT(m.number_points[0].as_int, 1 << 20);
      }
    }
  }
  EXPECT_TRUE(found);
  EXPECT_NE(FindMetric(second, "system.cpu.load_average.1m"), nullptr);
  EXPECT_NE(FindMetric(second, "system.network.io"), nullptr);
  EXPECT_NE(FindMetric(second, "system.processes.count"), nullptr);
}

// Collects what the receiver sends.
class Sink final : public MetricConsumer {
 public:
  void Consume(pdata::MetricBatch&& batch, Completion done) override {
    done(Status::Ok());
    std::lock_guard l(mu_);
    batches_.push_back(std::move(batch));
    if (batches_.size() == 1) first_.set_value();
  }
  std::future<void> first() { return first_.get_future(); }

 private:
  std::mutex mu_;
  std::vector<pdata::MetricBatch> batches_;
  std::promise<void> first_;
};

TEST(HostMetricsHostTest, ReceiverSendsOnItsFirstTickAndCountsPoints) {
  HostMetricsReceiverConfig cfg;
  cfg.initial_delay = std::chrono::milliseconds(0);
  cfg.scrapers[size_t(ScraperKind::kMemory)].emplace();
  cfg.scrapers[size_t(ScraperKind::kLoad)].emplace();
  telemetry::SelfMetrics self;
  ComponentContext ctx;
  ctx.id = {"hostmetrics", "h"};
  ctx.metrics = &self;
  Sink sink;
  auto first = sink.first();
  HostMetricsReceiver receiver(ctx, cfg, &sink, HostEnv::Real(""));
  ASSERT_TRUE(receiver.Start().ok());
  ASSERT_EQ(first.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  receiver.Shutdown();
  // memory.usage (6 states) + 3 load averages.
  EXPECT_EQ(self.Value("otelcol_scraper_scraped_metric_points",
                       {{"receiver", "hostmetrics/h"}, {"scraper", "memory"}}),
            6);
  EXPECT_EQ(self.Value("otelcol_scraper_scraped_metric_points",
                       {{"receiver", "hostmetrics/h"}, {"scraper", "load"}}),
            3);
  EXPECT_EQ(self.Value("otelcol_receiver_accepted_metric_points",
                       {{"receiver", "hostmetrics/h"}, {"transport", ""}}),
            9);
}

TEST(HostMetricsHostTest, StartFailsWithoutProcStat) {
  HostMetricsReceiverConfig cfg;
  cfg.scrapers[size_t(ScraperKind::kCpu)].emplace();
  HostMetricsReceiver receiver({}, cfg, nullptr, HostEnv::Real("/nonexistent-root"));
  Status s = receiver.Start();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.ToString().find("/nonexistent-root/proc/stat"), std::string::npos) << s.ToString();
}

}  // namespace
}  // namespace otter::hostmetrics
