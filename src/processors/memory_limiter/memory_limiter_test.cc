#include "processors/memory_limiter/memory_limiter.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include "config/loader.h"

namespace otter {
namespace {

using namespace std::chrono_literals;
using pdata::TraceBatch;

TraceBatch MakeTraces(size_t n) {
  TraceBatch b;
  pdata::ResourceSpans rs;
  pdata::ScopeSpans ss;
  ss.spans.resize(n);
  rs.scope_spans.push_back(std::move(ss));
  b.resources().push_back(std::move(rs));
  return b;
}

// Counts what reaches it; always accepts.
class Sink : public TraceConsumer {
 public:
  void Consume(TraceBatch&& b, Completion done) override {
    items += b.ItemCount();
    done(Status::Ok());
  }
  std::atomic<size_t> items{0};
};

// An injectable memory reading that tells the test how often it was sampled.
struct FakeMemory {
  std::mutex mu;
  std::condition_variable cv;
  uint64_t bytes = 0;          // GUARDED_BY(mu)
  int reads = 0;               // GUARDED_BY(mu)
  int releases = 0;            // GUARDED_BY(mu)
  uint64_t after_release = 0;  // reading after malloc_trim, if non-zero

  void Set(uint64_t mib) {
    std::lock_guard lock(mu);
    bytes = mib * kMiB;
  }
  bool WaitReads(int n) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, 10s, [&] { return reads >= n; });
  }
  MemoryLimiterOptions Options() {
    MemoryLimiterOptions o;
    o.read_usage = [this] {
      std::lock_guard lock(mu);
      ++reads;
      cv.notify_all();
      return bytes;
    };
    o.total_memory = [] { return StatusOr<uint64_t>(uint64_t{1000} * kMiB); };
    o.release_memory = [this] {
      std::lock_guard lock(mu);
      ++releases;
      if (after_release) bytes = after_release;
    };
    return o;
  }
};

MemoryLimiterConfig Cfg(uint32_t limit_mib, uint32_t spike_mib = 0) {
  MemoryLimiterConfig c;
  c.check_interval = 1h;  // tests call CheckNow() unless they test the interval
  c.limit_mib = limit_mib;
  c.spike_limit_mib = spike_mib;
  return c;
}

class MemoryLimiterTest : public ::testing::Test {
 protected:
  ComponentContext Context() {
    ComponentContext ctx;
    ctx.id = ComponentId{"memory_limiter", ""};
    ctx.kind = ComponentKind::kProcessor;
    ctx.logger = std::make_shared<spdlog::logger>(
        "memory_limiter", std::make_shared<spdlog::sinks::ostream_sink_mt>(log_));
    ctx.logger->set_pattern("%l %v");
    ctx.metrics = &metrics_;
    return ctx;
  }
  std::unique_ptr<MemoryLimiterProcessor<TraceBatch>> Make(const MemoryLimiterConfig& cfg) {
    ComponentContext ctx = Context();
    auto limiter = MemoryLimiter::Create(cfg, ctx.logger, mem_.Options());
    EXPECT_TRUE(limiter.ok()) << limiter.status().ToString();
    return std::make_unique<MemoryLimiterProcessor<TraceBatch>>(ctx, std::move(*limiter), &sink_);
  }
  Status Send(MemoryLimiterProcessor<TraceBatch>& p, size_t n) {
    auto result = std::make_shared<Status>(Internal("not answered"));
    p.Consume(MakeTraces(n), Completion([result](Status s) { *result = std::move(s); }));
    return *result;
  }
  double Refused() {
    return metrics_.Value("otelcol_processor_refused_spans", {{"processor", "memory_limiter"}});
  }

  std::ostringstream log_;
  telemetry::SelfMetrics metrics_;
  FakeMemory mem_;
  Sink sink_;
};

TEST_F(MemoryLimiterTest, RefusesRetryablyAboveTheSoftLimitAndAcceptsBelow) {
  auto p = Make(Cfg(512, 103));  // soft limit 409 MiB
  mem_.Set(100);
  ASSERT_TRUE(p->Start().ok());
  EXPECT_TRUE(Send(*p, 3).ok());
  EXPECT_EQ(sink_.items, 3u);

  mem_.Set(612);
  p->limiter().CheckNow();
  Status s = Send(*p, 5);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_TRUE(s.retryable());
  EXPECT_EQ(s.message(), "memory usage 612 MiB is above the soft limit 409 MiB");
  EXPECT_EQ(sink_.items, 3u);
  EXPECT_EQ(Refused(), 5);

  mem_.Set(409);  // exactly at the soft limit still refuses
  p->limiter().CheckNow();
  EXPECT_EQ(Send(*p, 1).message(), "memory usage 409 MiB is above the soft limit 409 MiB");

  mem_.Set(408);
  p->limiter().CheckNow();
  EXPECT_TRUE(Send(*p, 2).ok());
  EXPECT_EQ(sink_.items, 5u);
  EXPECT_EQ(Refused(), 6);
  p->Shutdown();
  EXPECT_NE(log_.str().find("above the soft limit 409 MiB; refusing data"), std::string::npos);
  EXPECT_NE(log_.str().find("back below the soft limit 409 MiB; accepting data again"),
            std::string::npos);
}

TEST_F(MemoryLimiterTest, SpikeDefaultsToTwentyPercentOfLimitMib) {
  auto p = Make(Cfg(100));
  EXPECT_EQ(p->limiter().limits().limit_bytes, 100 * kMiB);
  EXPECT_EQ(p->limiter().limits().spike_bytes, 20 * kMiB);
  mem_.Set(79);
  p->limiter().CheckNow();
  EXPECT_TRUE(Send(*p, 1).ok());
  mem_.Set(80);
  p->limiter().CheckNow();
  EXPECT_EQ(Send(*p, 1).message(), "memory usage 80 MiB is above the soft limit 80 MiB");
}

TEST_F(MemoryLimiterTest, PercentagesAreOfTotalMemory) {
  MemoryLimiterConfig cfg;
  cfg.check_interval = 1h;
  cfg.limit_percentage = 50;  // of the injected 1000 MiB
  auto limits = ComputeMemoryLimits(cfg, mem_.Options().total_memory);
  ASSERT_TRUE(limits.ok());
  EXPECT_EQ(limits->limit_bytes, 500 * kMiB);
  EXPECT_EQ(limits->spike_bytes, 100 * kMiB);  // default: 20% of the limit
  cfg.spike_limit_percentage = 10;
  limits = ComputeMemoryLimits(cfg, mem_.Options().total_memory);
  EXPECT_EQ(limits->spike_bytes, 100 * kMiB);
  cfg.spike_limit_percentage = 30;
  limits = ComputeMemoryLimits(cfg, mem_.Options().total_memory);
  EXPECT_EQ(limits->soft_bytes(), 200 * kMiB);
  cfg.limit_mib = 64;  // limit_mib wins
  limits = ComputeMemoryLimits(cfg, mem_.Options().total_memory);
  EXPECT_EQ(limits->limit_bytes, 64 * kMiB);
}

TEST_F(MemoryLimiterTest, CheckerThreadSamplesEveryCheckInterval) {
  MemoryLimiterConfig cfg = Cfg(100);
  cfg.check_interval = 2ms;
  auto p = Make(cfg);
  mem_.Set(10);
  ASSERT_TRUE(p->Start().ok());
  EXPECT_TRUE(Send(*p, 1).ok());
  mem_.Set(90);
  int reads_now;
  {
    std::lock_guard lock(mem_.mu);
    reads_now = mem_.reads;
  }
  // A check reads once or twice (again after releasing memory); three reads after the change
  // mean at least one whole check ran after it.
  ASSERT_TRUE(mem_.WaitReads(reads_now + 3));
  EXPECT_FALSE(Send(*p, 1).ok());
  mem_.Set(10);
  {
    std::lock_guard lock(mem_.mu);
    reads_now = mem_.reads;
  }
  ASSERT_TRUE(mem_.WaitReads(reads_now + 3));
  EXPECT_TRUE(Send(*p, 1).ok());
  p->Shutdown();
}

TEST_F(MemoryLimiterTest, AboveTheHardLimitReleasesMemoryAndRemeasures) {
  auto p = Make(Cfg(100, 10));  // soft 90, hard 100
  mem_.Set(150);
  mem_.after_release = 50 * kMiB;  // malloc_trim gives memory back
  p->limiter().CheckNow();
  EXPECT_EQ(mem_.releases, 1);
  EXPECT_TRUE(Send(*p, 1).ok());  // re-measured below the soft limit: not refusing
  EXPECT_NE(log_.str().find("memory usage 150 MiB is above the hard limit 100 MiB"),
            std::string::npos);
}

TEST_F(MemoryLimiterTest, MinGcIntervalsLimitHowOftenMemoryIsReleased) {
  MemoryLimiterConfig cfg = Cfg(100, 10);
  cfg.min_gc_interval_when_soft_limited = 1h;
  cfg.min_gc_interval_when_hard_limited = 0s;
  auto p = Make(cfg);
  mem_.Set(95);  // above soft only
  p->limiter().CheckNow();
  EXPECT_EQ(mem_.releases, 1);  // first time: released
  mem_.Set(10);
  p->limiter().CheckNow();
  mem_.Set(95);
  p->limiter().CheckNow();
  EXPECT_EQ(mem_.releases, 1);  // soft-limited again within the hour: not released
  mem_.Set(120);                // above hard: interval 0, released on every check
  p->limiter().CheckNow();
  p->limiter().CheckNow();
  EXPECT_EQ(mem_.releases, 3);

  MemoryLimiterConfig slow = Cfg(100, 10);
  slow.min_gc_interval_when_hard_limited = 1h;
  slow.min_gc_interval_when_soft_limited = 1h;
  FakeMemory other;
  auto limiter = MemoryLimiter::Create(slow, nullptr, other.Options());
  ASSERT_TRUE(limiter.ok());
  other.Set(120);
  (*limiter)->CheckNow();
  (*limiter)->CheckNow();
  EXPECT_EQ(other.releases, 1);
}

TEST(MemoryLimiterReadingTest, RssOfThisProcessIsPlausible) {
  uint64_t rss = ProcessRssBytes();
  EXPECT_GT(rss, 1 * kMiB);
  EXPECT_LT(rss, 64 * 1024 * kMiB);
}

TEST(MemoryLimiterReadingTest, TotalMemoryPrefersTheCgroupLimit) {
  namespace fs = std::filesystem;
  fs::path root = fs::temp_directory_path() / ("otter_ml_" + std::to_string(getpid()));
  fs::remove_all(root);
  fs::create_directories(root / "proc/self");
  fs::create_directories(root / "sys/fs/cgroup/pod/app");
  std::ofstream(root / "proc/meminfo") << "MemTotal:       16384000 kB\nMemFree: 1 kB\n";
  std::ofstream(root / "proc/self/cgroup") << "0::/pod/app\n";
  std::ofstream(root / "sys/fs/cgroup/pod/app/memory.max") << "536870912\n";
  auto total = TotalMemoryBytes(root.string());
  ASSERT_TRUE(total.ok()) << total.status().ToString();
  EXPECT_EQ(*total, 512 * kMiB);

  std::ofstream(root / "sys/fs/cgroup/pod/app/memory.max") << "max\n";  // unlimited
  total = TotalMemoryBytes(root.string());
  EXPECT_EQ(*total, uint64_t{16384000} * 1024);

  // cgroup v1
  std::ofstream(root / "proc/self/cgroup") << "5:memory:/docker/abc\n4:cpu,cpuacct:/docker/abc\n";
  fs::create_directories(root / "sys/fs/cgroup/memory/docker/abc");
  std::ofstream(root / "sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes") << "268435456\n";
  total = TotalMemoryBytes(root.string());
  EXPECT_EQ(*total, 256 * kMiB);
  std::ofstream(root / "sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes")
      << "9223372036854771712\n";  // v1 "unlimited"
  total = TotalMemoryBytes(root.string());
  EXPECT_EQ(*total, uint64_t{16384000} * 1024);
  fs::remove_all(root);
}

// ---- config ------------------------------------------------------------------------------------

std::vector<std::string> Errors(const std::string& yaml) {
  auto node = config::ParseYaml(yaml, "test.yaml");
  EXPECT_TRUE(node.ok());
  Registry r;
  RegisterBuiltins(r);
  const Factory* f = r.Find(ComponentKind::kProcessor, "memory_limiter");
  EXPECT_NE(f, nullptr);
  config::Diagnostics d;
  f->parse_config(*node, d);
  return d.errors();
}

void ExpectOneError(const std::string& yaml, const std::string& text) {
  auto errors = Errors(yaml);
  ASSERT_EQ(errors.size(), 1u) << yaml;
  EXPECT_NE(errors[0].find(text), std::string::npos) << errors[0];
}

TEST(MemoryLimiterConfigTest, ValidationNamesTheKey) {
  EXPECT_TRUE(Errors("check_interval: 1s\nlimit_mib: 512\n").empty());
  ExpectOneError("limit_mib: 512\n", "check_interval must be greater than zero");
  ExpectOneError("check_interval: 1s\n", "limit_mib or limit_percentage must be greater than zero");
  ExpectOneError("check_interval: 1s\nlimit_mib: 100\nspike_limit_mib: 100\n",
                 "spike_limit_mib (100) must be smaller than limit_mib (100)");
  ExpectOneError("check_interval: 1s\nlimit_percentage: 101\n",
                 "limit_percentage (101) must be at most 100");
  ExpectOneError("check_interval: 1s\nlimit_percentage: 50\nspike_limit_percentage: 50\n",
                 "spike_limit_percentage (50) must be smaller than limit_percentage (50)");
  ExpectOneError(
      "check_interval: 1s\nlimit_mib: 100\nmin_gc_interval_when_soft_limited: 1s\n"
      "min_gc_interval_when_hard_limited: 2s\n",
      "min_gc_interval_when_soft_limited must be at least "
      "min_gc_interval_when_hard_limited");
}

TEST(MemoryLimiterConfigTest, FactoryCreatesAPassThroughProcessor) {
  auto node = config::ParseYaml("check_interval: 1s\nlimit_mib: 65536\n", "test.yaml");
  ASSERT_TRUE(node.ok());
  Registry r;
  RegisterBuiltins(r);
  const Factory* f = r.Find(ComponentKind::kProcessor, "memory_limiter");
  config::Diagnostics d;
  auto cfg = f->parse_config(*node, d);
  ASSERT_TRUE(d.ok()) << d.ErrorsText();
  Sink sink;
  Consumers next;
  next.traces = &sink;
  auto proc = f->create_processor(ComponentContext{}, *cfg, Signal::kTraces, next);
  ASSERT_TRUE(proc.ok()) << proc.status().ToString();
  ASSERT_TRUE((*proc)->Start().ok());
  bool ok = false;
  (*proc)->consumers().traces->Consume(MakeTraces(2), Completion([&](Status s) { ok = s.ok(); }));
  EXPECT_TRUE(ok);  // this test process is far below 64 GiB
  EXPECT_EQ(sink.items, 2u);
  (*proc)->Shutdown();
}

}  // namespace
}  // namespace otter
