// Every hostmetrics scraper against a fake host tree (tests/testdata/hostmetrics/root: /proc,
// /sys and /etc files with known numbers), with a fake statvfs and clock, so each expected
// metric, attribute and value is exact.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>

#include "receivers/hostmetrics/receiver.h"
#include "receivers/hostmetrics/scraper.h"

namespace otter::hostmetrics {
namespace {

const std::string kRoot = OTTER_SOURCE_DIR "/tests/testdata/hostmetrics/root";
constexpr uint64_t kBootNs = 1'700'000'000ull * 1'000'000'000ull;
constexpr uint64_t kNowNs = 1'700'010'000ull * 1'000'000'000ull;

HostEnv FakeEnv(std::map<std::string, FsStat> fs = {}) {
  HostEnv env;
  env.root = kRoot;
  env.clock_ticks = 100;
  env.page_size = 4096;
  env.statvfs = [fs](const char* path, FsStat* out) {
    auto it = fs.find(path);
    if (it == fs.end()) {
      errno = ENOENT;
      return false;
    }
    *out = it->second;
    return true;
  };
  env.now_ns = [] { return kNowNs; };
  return env;
}

std::string Value(const pdata::NumberDataPoint& p) {
  char buf[64];
  if (p.value_type == pdata::NumberDataPoint::ValueType::kInt)
    std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(p.as_int));
  else
    std::snprintf(buf, sizeof buf, "%.10g", p.as_double);
  return buf;
}

std::string Attrs(const pdata::Attributes& attrs) {
  std::string s;
  for (const auto& kv : attrs)
    s += (s.empty() ? "" : ",") + std::string(kv.key) + "=" + kv.value.ToString();
  return s;
}

// One line per resource ("resource{...}") and per point ("name{attrs} = value").
std::string Dump(const pdata::MetricBatch& b) {
  std::string out;
  for (const auto& rm : b.resources()) {
    if (!rm.resource.attributes.empty()) out += "resource{" + Attrs(rm.resource.attributes) + "}\n";
    for (const auto& sm : rm.scope_metrics)
      for (const auto& m : sm.metrics)
        for (const auto& p : m.number_points)
          out += std::string(m.name) + "{" + Attrs(p.attributes) + "} = " + Value(p) + "\n";
  }
  return out;
}

struct Scraped {
  pdata::MetricBatch batch;
  ScrapeErrors errors;
};

Scraped Scrape(ScraperKind kind, const HostMetricsScraperConfig& cfg, const HostEnv& env) {
  Scraped r;
  auto s = NewScraper(kind, cfg, env);
  Status st = s->Start();
  EXPECT_TRUE(st.ok()) << st.ToString();
  s->Scrape(r.batch, r.errors);
  return r;
}

void ExpectTimes(const pdata::MetricBatch& b, uint64_t start) {
  for (const auto& rm : b.resources())
    for (const auto& sm : rm.scope_metrics)
      for (const auto& m : sm.metrics)
        for (const auto& p : m.number_points) {
          EXPECT_EQ(p.start_time_unix_nano, start) << m.name;
          EXPECT_EQ(p.time_unix_nano, kNowNs) << m.name;
        }
}

TEST(HostMetricsScrapersTest, CpuTimePerCpuAndStateFromProcStat) {
  HostEnv env = FakeEnv();
  HostMetricsScraperConfig cfg;
  cfg.metrics["system.cpu.logical.count"] = true;
  Scraped r = Scrape(ScraperKind::kCpu, cfg, env);
  EXPECT_EQ(r.errors.count(), 0u);
  EXPECT_EQ(Dump(r.batch),
            "system.cpu.logical.count{} = 2\n"
            "system.cpu.time{cpu=cpu0,state=user} = 6\n"
            "system.cpu.time{cpu=cpu0,state=system} = 2\n"
            "system.cpu.time{cpu=cpu0,state=idle} = 250\n"
            "system.cpu.time{cpu=cpu0,state=interrupt} = 0.03\n"
            "system.cpu.time{cpu=cpu0,state=nice} = 0.1\n"
            "system.cpu.time{cpu=cpu0,state=softirq} = 0.04\n"
            "system.cpu.time{cpu=cpu0,state=steal} = 0.05\n"
            "system.cpu.time{cpu=cpu0,state=wait} = 0.2\n"
            "system.cpu.time{cpu=cpu1,state=user} = 4\n"
            "system.cpu.time{cpu=cpu1,state=system} = 1\n"
            "system.cpu.time{cpu=cpu1,state=idle} = 250\n"
            "system.cpu.time{cpu=cpu1,state=interrupt} = 0.02\n"
            "system.cpu.time{cpu=cpu1,state=nice} = 0.1\n"
            "system.cpu.time{cpu=cpu1,state=softirq} = 0.02\n"
            "system.cpu.time{cpu=cpu1,state=steal} = 0.02\n"
            "system.cpu.time{cpu=cpu1,state=wait} = 0.2\n");
  ExpectTimes(r.batch, kBootNs);
  const auto& sm = r.batch.resources().at(0).scope_metrics.at(0);
  EXPECT_EQ(sm.scope.name,
            "github.com/open-telemetry/opentelemetry-collector-contrib/receiver/"
            "hostmetricsreceiver/internal/scraper/cpuscraper");
  const pdata::Metric& time = sm.metrics.at(1);
  EXPECT_EQ(time.unit, "s");
  EXPECT_EQ(time.type, pdata::MetricType::kSum);
  EXPECT_EQ(time.temporality, pdata::AggregationTemporality::kCumulative);
  EXPECT_TRUE(time.is_monotonic);
}

TEST(HostMetricsScrapersTest, CpuUtilizationNeedsTwoScrapes) {
  HostEnv env = FakeEnv();
  uint64_t now = kNowNs;
  env.now_ns = [&now] { return now; };
  HostMetricsScraperConfig cfg;
  cfg.metrics["system.cpu.time"] = false;
  cfg.metrics["system.cpu.utilization"] = true;
  auto s = NewScraper(ScraperKind::kCpu, cfg, env);
  ASSERT_TRUE(s->Start().ok());
  pdata::MetricBatch first;
  ScrapeErrors errors;
  s->Scrape(first, errors);
  EXPECT_EQ(Dump(first), "");  // nothing to compare with yet
  now += 10'000'000'000ull;
  pdata::MetricBatch second;
  s->Scrape(second, errors);
  // The fake /proc/stat did not move: every state used 0 of the 10 s.
  std::string dump = Dump(second);
  EXPECT_NE(dump.find("system.cpu.utilization{cpu=cpu0,state=user} = 0\n"), std::string::npos)
      << dump;
  EXPECT_EQ(std::count(dump.begin(), dump.end(), '\n'), 16);
}

TEST(HostMetricsScrapersTest, MemoryStatesSumToTotal) {
  HostMetricsScraperConfig cfg;
  cfg.metrics["system.memory.utilization"] = true;
  cfg.metrics["system.memory.limit"] = true;
  cfg.metrics["system.linux.memory.available"] = true;
  Scraped r = Scrape(ScraperKind::kMemory, cfg, FakeEnv());
  EXPECT_EQ(Dump(r.batch),
            "system.linux.memory.available{} = 5120000000\n"
            "system.memory.limit{} = 8192000000\n"
            "system.memory.usage{state=used} = 3584000000\n"
            "system.memory.usage{state=free} = 1024000000\n"
            "system.memory.usage{state=buffered} = 204800000\n"
            "system.memory.usage{state=cached} = 3379200000\n"
            "system.memory.usage{state=slab_reclaimable} = 307200000\n"
            "system.memory.usage{state=slab_unreclaimable} = 102400000\n"
            "system.memory.utilization{state=used} = 0.4375\n"
            "system.memory.utilization{state=free} = 0.125\n"
            "system.memory.utilization{state=buffered} = 0.025\n"
            "system.memory.utilization{state=cached} = 0.4125\n"
            "system.memory.utilization{state=slab_reclaimable} = 0.0375\n"
            "system.memory.utilization{state=slab_unreclaimable} = 0.0125\n");
  ExpectTimes(r.batch, kBootNs);
}

TEST(HostMetricsScrapersTest, DiskCountersWithExcludedDevices) {
  HostMetricsScraperConfig cfg;
  cfg.exclude = {{"^dm-", "^sda1$"}, "regexp"};
  Scraped r = Scrape(ScraperKind::kDisk, cfg, FakeEnv());
  EXPECT_EQ(r.errors.count(), 0u);
  EXPECT_EQ(Dump(r.batch),
            "system.disk.io{device=sda,direction=read} = 10240000\n"
            "system.disk.io{device=sda,direction=write} = 20480000\n"
            "system.disk.io_time{device=sda} = 1.8\n"
            "system.disk.merged{device=sda,direction=read} = 10\n"
            "system.disk.merged{device=sda,direction=write} = 20\n"
            "system.disk.operation_time{device=sda,direction=read} = 0.5\n"
            "system.disk.operation_time{device=sda,direction=write} = 1.5\n"
            "system.disk.operations{device=sda,direction=read} = 1000\n"
            "system.disk.operations{device=sda,direction=write} = 2000\n"
            "system.disk.pending_operations{device=sda} = 2\n"
            "system.disk.weighted_io_time{device=sda} = 2.1\n");
  ExpectTimes(r.batch, kBootNs);
}

TEST(HostMetricsScrapersTest, DiskIncludeStrict) {
  HostMetricsScraperConfig cfg;
  cfg.include = {{"dm-0"}, "strict"};
  cfg.metrics["system.disk.io"] = false;
  cfg.metrics["system.disk.io_time"] = false;
  cfg.metrics["system.disk.merged"] = false;
  cfg.metrics["system.disk.operation_time"] = false;
  cfg.metrics["system.disk.pending_operations"] = false;
  cfg.metrics["system.disk.weighted_io_time"] = false;
  Scraped r = Scrape(ScraperKind::kDisk, cfg, FakeEnv());
  EXPECT_EQ(Dump(r.batch),
            "system.disk.operations{device=dm-0,direction=read} = 1\n"
            "system.disk.operations{device=dm-0,direction=write} = 0\n");
}

std::map<std::string, FsStat> FakeFs() {
  return {{kRoot + "/", {1000000, 350000, 600000, 1000, 400}},
          {kRoot + "/data", {2000, 1000, 1000, 10, 5}},
          {kRoot + "/tank/my pool", {500, 500, 0, 0, 0}}};
}

TEST(HostMetricsScrapersTest, FilesystemSkipsVirtualFileSystemsAndReportsUnreadableMounts) {
  HostMetricsScraperConfig cfg;
  cfg.metrics["system.filesystem.utilization"] = true;
  Scraped r = Scrape(ScraperKind::kFilesystem, cfg, FakeEnv(FakeFs()));
  const std::string a = "device=/dev/vda1,mode=rw,mountpoint=/,type=ext4";
  const std::string d = "device=/dev/vdb,mode=ro,mountpoint=/data,type=xfs";
  const std::string z = "device=tank/pool,mode=rw,mountpoint=/tank/my pool,type=zfs";
  EXPECT_EQ(
      Dump(r.batch),
      "system.filesystem.inodes.usage{" + a + ",state=used} = 600\n" +
          "system.filesystem.inodes.usage{" + a + ",state=free} = 400\n" +
          "system.filesystem.inodes.usage{" + d + ",state=used} = 5\n" +
          "system.filesystem.inodes.usage{" + d + ",state=free} = 5\n" +
          "system.filesystem.inodes.usage{" + z + ",state=used} = 0\n" +
          "system.filesystem.inodes.usage{" + z + ",state=free} = 0\n" +
          "system.filesystem.usage{" + a + ",state=used} = 600000\n" + "system.filesystem.usage{" +
          a + ",state=free} = 350000\n" + "system.filesystem.usage{" + a +
          ",state=reserved} = 50000\n" + "system.filesystem.usage{" + d + ",state=used} = 1000\n" +
          "system.filesystem.usage{" + d + ",state=free} = 1000\n" + "system.filesystem.usage{" +
          d + ",state=reserved} = 0\n" + "system.filesystem.usage{" + z + ",state=used} = 0\n" +
          "system.filesystem.usage{" + z + ",state=free} = 500\n" + "system.filesystem.usage{" + z +
          ",state=reserved} = 0\n" + "system.filesystem.utilization{" + a + "} = 0.6315789474\n" +
          "system.filesystem.utilization{" + d + "} = 0.5\n" + "system.filesystem.utilization{" +
          z + "} = 0\n");
  // /boot (/dev/root, resolved through /sys/dev/block to sda1) has no usage in the fake.
  ASSERT_EQ(r.errors.count(), 1u);
  EXPECT_EQ(r.errors.messages()[0],
            "filesystem: failed to read usage at " + kRoot + "/boot: No such file or directory");
  ExpectTimes(r.batch, kBootNs);
}

TEST(HostMetricsScrapersTest, FilesystemFiltersAndVirtualFileSystems) {
  std::map<std::string, FsStat> fs = FakeFs();
  fs[kRoot + "/boot"] = {100, 50, 50, 10, 5};
  fs[kRoot + "/dev/shm"] = {64, 64, 0, 8, 8};
  HostMetricsScraperConfig cfg;
  cfg.metrics["system.filesystem.inodes.usage"] = false;
  cfg.include_virtual_filesystems = true;
  cfg.include_fs_types = {{"ext4", "tmpfs"}, "strict"};
  cfg.exclude_mount_points = {{"^/$"}, "regexp"};
  cfg.exclude_devices = {{"none"}, "strict"};
  Scraped r = Scrape(ScraperKind::kFilesystem, cfg, FakeEnv(fs));
  EXPECT_EQ(r.errors.count(), 0u);
  const std::string shm = "device=tmpfs,mode=rw,mountpoint=/dev/shm,type=tmpfs";
  const std::string boot = "device=/dev/sda1,mode=rw,mountpoint=/boot,type=ext4";
  EXPECT_EQ(Dump(r.batch), "system.filesystem.usage{" + shm + ",state=used} = 0\n" +
                               "system.filesystem.usage{" + shm + ",state=free} = 64\n" +
                               "system.filesystem.usage{" + shm + ",state=reserved} = 0\n" +
                               "system.filesystem.usage{" + boot + ",state=used} = 50\n" +
                               "system.filesystem.usage{" + boot + ",state=free} = 50\n" +
                               "system.filesystem.usage{" + boot + ",state=reserved} = 0\n");
}

TEST(HostMetricsScrapersTest, NetworkCountersAndTcpConnections) {
  HostMetricsScraperConfig cfg;
  cfg.exclude = {{"lo"}, "strict"};
  Scraped r = Scrape(ScraperKind::kNetwork, cfg, FakeEnv());
  EXPECT_EQ(r.errors.count(), 0u);
  std::string conn = "system.network.connections{protocol=tcp,state=";
  EXPECT_EQ(Dump(r.batch),
            conn + "CLOSE} = 0\n" + conn + "CLOSE_WAIT} = 0\n" + conn + "CLOSING} = 0\n" + conn +
                "DELETE} = 0\n" + conn + "ESTABLISHED} = 2\n" + conn + "FIN_WAIT1} = 1\n" + conn +
                "FIN_WAIT_1} = 0\n" + conn + "FIN_WAIT_2} = 0\n" + conn + "LAST_ACK} = 0\n" + conn +
                "LISTEN} = 2\n" + conn + "SYN_RECV} = 0\n" + conn + "SYN_SENT} = 0\n" + conn +
                "TIME_WAIT} = 1\n"
                "system.network.dropped{device=eth0,direction=transmit} = 5\n"
                "system.network.dropped{device=eth0,direction=receive} = 2\n"
                "system.network.errors{device=eth0,direction=transmit} = 4\n"
                "system.network.errors{device=eth0,direction=receive} = 1\n"
                "system.network.io{device=eth0,direction=transmit} = 654321\n"
                "system.network.io{device=eth0,direction=receive} = 123456\n"
                "system.network.packets{device=eth0,direction=transmit} = 987\n"
                "system.network.packets{device=eth0,direction=receive} = 789\n");
}

TEST(HostMetricsScrapersTest, LoadAveragesAndCpuAverage) {
  HostMetricsScraperConfig cfg;
  Scraped r = Scrape(ScraperKind::kLoad, cfg, FakeEnv());
  EXPECT_EQ(Dump(r.batch),
            "system.cpu.load_average.15m{} = 2.08\n"
            "system.cpu.load_average.1m{} = 0.52\n"
            "system.cpu.load_average.5m{} = 1.04\n");
  EXPECT_EQ(r.batch.resources()[0].scope_metrics[0].metrics[0].type, pdata::MetricType::kGauge);
  cfg.cpu_average = true;  // two CPUs in the fake /proc/stat
  r = Scrape(ScraperKind::kLoad, cfg, FakeEnv());
  EXPECT_EQ(Dump(r.batch),
            "system.cpu.load_average.15m{} = 1.04\n"
            "system.cpu.load_average.1m{} = 0.26\n"
            "system.cpu.load_average.5m{} = 0.52\n");
}

TEST(HostMetricsScrapersTest, PagingFromVmstatAndSwaps) {
  HostMetricsScraperConfig cfg;
  Scraped r = Scrape(ScraperKind::kPaging, cfg, FakeEnv());
  EXPECT_EQ(r.errors.count(), 0u);
  EXPECT_EQ(Dump(r.batch),
            "system.paging.faults{type=major} = 500\n"
            "system.paging.faults{type=minor} = 99500\n"
            "system.paging.operations{direction=page_in,type=major} = 30\n"
            "system.paging.operations{direction=page_out,type=major} = 40\n"
            "system.paging.operations{direction=page_in,type=minor} = 1000\n"
            "system.paging.operations{direction=page_out,type=minor} = 2000\n"
            "system.paging.usage{device=/dev/vda2,state=used} = 1048576\n"
            "system.paging.usage{device=/dev/vda2,state=free} = 2146430976\n"
            "system.paging.usage{device=/swap\\040file,state=used} = 0\n"
            "system.paging.usage{device=/swap\\040file,state=free} = 1073741824\n");
}

TEST(HostMetricsScrapersTest, ProcessesCountsByStatus) {
  HostMetricsScraperConfig cfg;
  Scraped r = Scrape(ScraperKind::kProcesses, cfg, FakeEnv());
  EXPECT_EQ(r.errors.count(), 0u);
  // Two sleeping and one idle in /proc/<pid>/stat; running and blocked from /proc/stat.
  EXPECT_EQ(Dump(r.batch),
            "system.processes.count{status=blocked} = 1\n"
            "system.processes.count{status=idle} = 1\n"
            "system.processes.count{status=running} = 3\n"
            "system.processes.count{status=sleeping} = 2\n"
            "system.processes.created{} = 54321\n");
}

void SortByPid(pdata::MetricBatch& b) {
  auto pid = [](const pdata::ResourceMetrics& rm) {
    const auto* v = pdata::FindAttribute(rm.resource.attributes, "process.pid");
    return v ? v->int_value : -1;
  };
  std::sort(b.resources().begin(), b.resources().end(),
            [&](const auto& x, const auto& y) { return pid(x) < pid(y); });
}

TEST(HostMetricsScrapersTest, ProcessResourcesAndMetrics) {
  HostMetricsScraperConfig cfg;
  cfg.metrics["process.threads"] = true;
  cfg.metrics["process.open_file_descriptors"] = true;
  cfg.metrics["process.context_switches"] = true;
  cfg.metrics["process.paging.faults"] = true;
  cfg.metrics["process.signals_pending"] = true;
  cfg.metrics["process.disk.io"] = false;
  cfg.include = {{"init", "very-long-server-name"}, "strict"};
  Scraped r = Scrape(ScraperKind::kProcess, cfg, FakeEnv());
  SortByPid(r.batch);
  EXPECT_EQ(Dump(r.batch),
            "resource{process.pid=1,process.parent_pid=0,process.executable.name=init,"
            "process.executable.path=/sbin/init,process.command=/sbin/init,"
            "process.command_line=/sbin/init splash,process.owner=root}\n"
            "process.context_switches{type=involuntary} = 1\n"
            "process.context_switches{type=voluntary} = 10\n"
            "process.cpu.time{state=user} = 0.5\n"
            "process.cpu.time{state=system} = 0.25\n"
            "process.cpu.time{state=wait} = 0\n"
            "process.memory.usage{} = 1228800\n"
            "process.memory.virtual{} = 20000000\n"
            "process.open_file_descriptors{} = 1\n"
            "process.paging.faults{type=major} = 1\n"
            "process.paging.faults{type=minor} = 100\n"
            "process.signals_pending{} = 0\n"
            "process.threads{} = 1\n"
            "resource{process.pid=4242,process.parent_pid=1,"
            "process.executable.name=very-long-server-name,"
            "process.executable.path=/usr/local/bin/very-long-server-name,"
            "process.command=/usr/local/bin/very-long-server-name,"
            "process.command_line=/usr/local/bin/very-long-server-name --port 8080,"
            "process.owner=alice}\n"
            "process.context_switches{type=involuntary} = 12\n"
            "process.context_switches{type=voluntary} = 150\n"
            "process.cpu.time{state=user} = 12.34\n"
            "process.cpu.time{state=system} = 5.67\n"
            "process.cpu.time{state=wait} = 0.89\n"
            "process.memory.usage{} = 10485760\n"
            "process.memory.virtual{} = 104857600\n"
            "process.open_file_descriptors{} = 4\n"
            "process.paging.faults{type=major} = 30\n"
            "process.paging.faults{type=minor} = 2000\n"
            "process.signals_pending{} = 2\n"
            "process.threads{} = 7\n");
  EXPECT_EQ(r.errors.count(), 0u);
  // Each process's points start when it started: boot time + its start ticks.
  ASSERT_EQ(r.batch.resources().size(), 2u);
  for (const auto& [i, start] : {std::pair<size_t, uint64_t>{0, kBootNs + 100'000'000ull},
                                 {1, kBootNs + 5000'000'000'000ull}}) {
    pdata::MetricBatch one;
    one.resources().push_back(r.batch.resources()[i]);
    ExpectTimes(one, start);
  }
}

TEST(HostMetricsScrapersTest, ProcessReadErrorsAreReportedUnlessMuted) {
  HostMetricsScraperConfig cfg;
  cfg.include = {{"kthreadd"}, "strict"};
  cfg.resource_attributes["process.command_line"] = false;
  cfg.resource_attributes["process.parent_pid"] = false;
  Scraped r = Scrape(ScraperKind::kProcess, cfg, FakeEnv());
  // A kernel thread: no exe link and no io file; what could be read is still sent.
  EXPECT_EQ(Dump(r.batch),
            "resource{process.pid=77,process.executable.name=kthreadd,"
            "process.executable.path=,process.command=,process.owner=root}\n"
            "process.cpu.time{state=user} = 0\n"
            "process.cpu.time{state=system} = 0.03\n"
            "process.cpu.time{state=wait} = 0\n"
            "process.memory.usage{} = 0\n"
            "process.memory.virtual{} = 0\n");
  ASSERT_EQ(r.errors.count(), 2u);
  EXPECT_EQ(r.errors.messages()[0],
            "process: error reading process executable for pid 77: readlink " + kRoot +
                "/proc/77/exe: No such file or directory");
  EXPECT_EQ(r.errors.messages()[1],
            "process: error reading disk usage for process \"kthreadd\" (pid 77): No such file "
            "or directory");
  cfg.mute_process_exe_error = true;
  cfg.mute_process_io_error = true;
  EXPECT_EQ(Scrape(ScraperKind::kProcess, cfg, FakeEnv()).errors.count(), 0u);
  cfg.mute_process_exe_error = false;
  cfg.mute_process_io_error = false;
  cfg.mute_process_all_errors = true;
  EXPECT_EQ(Scrape(ScraperKind::kProcess, cfg, FakeEnv()).errors.count(), 0u);
}

TEST(HostMetricsScrapersTest, ProcessExcludeByRegexpAndScrapeDelay) {
  HostMetricsScraperConfig cfg;
  cfg.exclude = {{"^k", "init"}, "regexp"};
  cfg.metrics["process.cpu.time"] = false;
  cfg.metrics["process.disk.io"] = false;
  cfg.metrics["process.memory.virtual"] = false;
  Scraped r = Scrape(ScraperKind::kProcess, cfg, FakeEnv());
  std::string dump = Dump(r.batch);
  EXPECT_NE(dump.find("process.pid=4242"), std::string::npos) << dump;
  EXPECT_EQ(std::count(dump.begin(), dump.end(), '\n'), 2) << dump;
  // pid 4242 started 5000 s after boot, i.e. 5000 s before the fake now.
  cfg.scrape_process_delay = std::chrono::seconds(5001);
  EXPECT_EQ(Dump(Scrape(ScraperKind::kProcess, cfg, FakeEnv()).batch), "");
  cfg.scrape_process_delay = std::chrono::seconds(4999);
  EXPECT_EQ(Dump(Scrape(ScraperKind::kProcess, cfg, FakeEnv()).batch), dump);
}

}  // namespace
}  // namespace otter::hostmetrics

namespace otter::hostmetrics {
namespace {

TEST(HostMetricsScrapersTest, ProcessCpuUtilizationFromTheSecondScrapeOn) {
  HostEnv env = FakeEnv();
  uint64_t now = kNowNs;
  env.now_ns = [&now] { return now; };
  HostMetricsScraperConfig cfg;
  cfg.include = {{"init"}, "strict"};
  for (const auto& def : MetricDefs(ScraperKind::kProcess))
    cfg.metrics[std::string(def.name)] = def.name == "process.cpu.utilization";
  auto s = NewScraper(ScraperKind::kProcess, cfg, env);
  ASSERT_TRUE(s->Start().ok());
  pdata::MetricBatch first, second;
  ScrapeErrors errors;
  s->Scrape(first, errors);
  const std::string resource =
      "resource{process.pid=1,process.parent_pid=0,process.executable.name=init,"
      "process.executable.path=/sbin/init,process.command=/sbin/init,"
      "process.command_line=/sbin/init splash,process.owner=root}\n";
  EXPECT_EQ(Dump(first), resource);  // no points: the receiver drops the empty resource
  now += 5'000'000'000ull;
  s->Scrape(second, errors);
  // The fake process did not run in between.
  HostMetricsReceiverConfig rcfg;
  rcfg.scrapers[size_t(ScraperKind::kProcess)] = cfg;
  HostMetricsReceiver receiver({}, rcfg, nullptr, env);
  ASSERT_TRUE(receiver.StartScrapers().ok());
  EXPECT_EQ(receiver.ScrapeOnce().resources().size(), 0u);  // the empty resource is dropped
  now += 5'000'000'000ull;
  EXPECT_EQ(receiver.ScrapeOnce().ItemCount(), 3u);
  EXPECT_EQ(Dump(second), resource +
                              "process.cpu.utilization{state=user} = 0\n"
                              "process.cpu.utilization{state=system} = 0\n"
                              "process.cpu.utilization{state=wait} = 0\n");
}

}  // namespace
}  // namespace otter::hostmetrics
